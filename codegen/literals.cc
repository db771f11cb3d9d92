#include "literals.h"

#include <cstdint>
#include <cstdio>

namespace pubsub::codegen {
namespace {

void AppendEscapedByte(unsigned char c, std::string& out) {
  switch (c) {
    case '\n':
      out += "\\n";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '"':
      out += "\\\"";
      return;
    case '\'':
      out += "\\'";
      return;
    case '?':  // never part of a trigraph
      out += "\\?";
      return;
    default:
      break;
  }
  if (c >= 0x20 && c < 0x7f) {
    out.push_back(static_cast<char>(c));
  } else {
    char octal[5];
    std::snprintf(octal, sizeof(octal), "\\%03o", c);
    out += octal;
  }
}

}  // namespace

std::string CppStringLiteral(std::string_view bytes) {
  std::string out = "\"";
  for (char c : bytes) {
    if (c == '\'') {
      out.push_back(c);  // no need to escape ' inside "..."
    } else {
      AppendEscapedByte(static_cast<unsigned char>(c), out);
    }
  }
  out.push_back('"');
  return out;
}

std::string CppCharLiteral(char c) {
  std::string out = "'";
  if (c == '"' || c == '?') {
    out.push_back(c);
  } else {
    AppendEscapedByte(static_cast<unsigned char>(c), out);
  }
  out.push_back('\'');
  return out;
}

std::string JsonStringLiteral(std::string_view utf8) {
  std::string out = "\"";
  for (size_t i = 0; i < utf8.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(utf8[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      char escape[7];
      std::snprintf(escape, sizeof(escape), "\\u%04x", c);
      out += escape;
    } else if (c == 0xe2 && i + 2 < utf8.size() &&
               static_cast<unsigned char>(utf8[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(utf8[i + 2]) == 0xa8 ||
                static_cast<unsigned char>(utf8[i + 2]) == 0xa9)) {
      // U+2028/U+2029 are valid JSON but end a line in JavaScript source.
      out += static_cast<unsigned char>(utf8[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

bool IsValidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    int length;
    uint32_t code_point;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      length = 2;
      code_point = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3;
      code_point = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4;
      code_point = c & 0x07;
    } else {
      return false;
    }
    if (i + length > bytes.size()) return false;
    for (int k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(bytes[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3f);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return false;  // overlong, out of range, or a surrogate
    }
    i += length;
  }
  return true;
}

}  // namespace pubsub::codegen
