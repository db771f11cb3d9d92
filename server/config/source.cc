#include "server/config/source.h"

#include "pubsub/internal/str_cat.h"

namespace pubsub::gateway::internal {

using pubsub::internal::Cat;

std::string Source::Describe() const {
  switch (kind) {
    case Kind::kDefault:
      return "default";
    case Kind::kConfigFile:
      return Cat("file ", where);
    case Kind::kEnvironment:
      return Cat("env ", where);
    case Kind::kCommandLine:
      return Cat("flag ", where);
  }
  return "default";
}

std::string Source::ErrorLabel(std::string_view setting) const {
  switch (kind) {
    case Kind::kConfigFile:
      return Cat("config file ", where, ": ", setting);
    case Kind::kEnvironment:
      return Cat("environment ", where);
    case Kind::kDefault:
    case Kind::kCommandLine:
      break;
  }
  return Cat("--", setting);
}

}  // namespace pubsub::gateway::internal
