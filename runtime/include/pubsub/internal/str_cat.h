// Cat: string concatenation for messages, the one helper the whole project
// uses. This abseil build has its own string_view type, so absl::StrCat
// refuses std::string_view arguments.
//
//   Cat("channel \"", name, "\" has ", 3, " events")
//   Cat({flag, ": ", message})            // a list of string pieces
#ifndef PUBSUB_INTERNAL_STR_CAT_H_
#define PUBSUB_INTERNAL_STR_CAT_H_

#include <concepts>
#include <initializer_list>
#include <string>
#include <string_view>

namespace pubsub::internal {

inline void CatAppend(std::string& out, std::string_view s) { out.append(s); }
inline void CatAppend(std::string& out, char c) { out.push_back(c); }
template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void CatAppend(std::string& out,
                                                                          T value) {
  out.append(std::to_string(value));
}

// Cat("channel \"", name, "\" has ", 3, " events")
template <class... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (CatAppend(out, args), ...);
  return out;
}

inline std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

}  // namespace pubsub::internal

#endif  // PUBSUB_INTERNAL_STR_CAT_H_
