#include "formatter.h"

#include <string>

namespace pubsub::codegen {

Formatter Formatter::With(const Vars& more) const {
  Formatter copy = *this;
  for (const auto& [name, value] : more) copy.vars_[name] = value;
  return copy;
}

namespace {

// Whitespace that may end a // line: a backslash before any of it still
// splices the next line into the comment (GCC warns, -Wcomment).
bool IsTrailingSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\n';
}

}  // namespace

void Formatter::Comment(std::string_view text) const {
  // protoc keeps the comment's final newline; drop trailing blank lines.
  while (!text.empty() && IsTrailingSpace(text.back())) text.remove_suffix(1);
  while (!text.empty()) {
    // A compiler ends a line at "\n", "\r\n" and a lone "\r" alike: text after
    // a lone carriage return must start a // line of its own, or it is code.
    size_t end = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, end);
    if (end == std::string_view::npos) {
      text = std::string_view();
    } else {
      if (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ++end;
      text = text.substr(end + 1);
    }
    while (!line.empty() && IsTrailingSpace(line.back())) line.remove_suffix(1);
    if (line.empty()) {
      printer_->PrintRaw("//\n");
      continue;
    }
    std::string out = "//";
    if (line.front() != ' ') out.push_back(' ');
    out.append(line);
    // A backslash at the end of a // line would splice the next line into
    // the comment.
    if (out.back() == '\\') out += " .";
    out.push_back('\n');
    printer_->PrintRaw(out);
  }
}

}  // namespace pubsub::codegen
