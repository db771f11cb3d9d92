#include "server/auth/publisher_key.h"

#include <openssl/crypto.h>

#include "absl/strings/match.h"

namespace pubsub::auth {

absl::Status PublisherKeyPolicy::Check(std::optional<std::string_view> authorization) const {
  if (key.empty()) {
    if (allow_without_key) return absl::OkStatus();
    return absl::PermissionDeniedError(
        "publishing is disabled: this gateway has no publisher key (start it with "
        "--publisher-key-file FILE)");
  }
  // The texts name "authorization" without saying header or metadata entry:
  // HTTP and gRPC callers both read them.
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError("missing publisher key: send \"authorization: Bearer KEY\"");
  }
  constexpr std::string_view kScheme = "bearer ";
  std::string_view given = *authorization;
  if (!absl::StartsWithIgnoreCase(absl::string_view(given.data(), given.size()),
                                  absl::string_view(kScheme.data(), kScheme.size()))) {
    return absl::UnauthenticatedError("malformed authorization: expected \"Bearer KEY\"");
  }
  given.remove_prefix(kScheme.size());
  if (given.size() != key.size() || CRYPTO_memcmp(given.data(), key.data(), key.size()) != 0) {
    return absl::UnauthenticatedError("wrong publisher key");
  }
  return absl::OkStatus();
}

}  // namespace pubsub::auth
