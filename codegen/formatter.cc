#include "formatter.h"

#include <string>

namespace pubsub::codegen {

Formatter Formatter::With(const Vars& more) const {
  Formatter copy = *this;
  for (const auto& [name, value] : more) copy.vars_[name] = value;
  return copy;
}

void Formatter::Comment(std::string_view text) const {
  // protoc keeps the comment's final newline; drop trailing blank lines.
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
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
