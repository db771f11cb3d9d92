// Escaping for the literals the generator writes into C++ source: schema
// strings (channel names, paths, json_value strings) are data, never code.
//
//   CppStringLiteral("a\"b")   -> "\"a\\\"b\""   (a C++ literal whose value is a"b)
//   JsonStringLiteral("a\"b")  -> "\"a\\\"b\""   (a JSON string whose value is a"b)
#ifndef PUBSUB_CODEGEN_LITERALS_H_
#define PUBSUB_CODEGEN_LITERALS_H_

#include <string>
#include <string_view>

namespace pubsub::codegen {

// A C++ string literal, quotes included, whose value is `bytes`. Printable
// ASCII stays readable; everything else becomes an octal escape (never \x,
// which would swallow following hex digits).
std::string CppStringLiteral(std::string_view bytes);

// A C++ character literal for one byte: '{', '"', '\''.
std::string CppCharLiteral(char c);

// A JSON string, quotes included, for `utf8` (escaped like the runtime's
// JsonWriter::String: quote, backslash, control characters, U+2028/U+2029).
std::string JsonStringLiteral(std::string_view utf8);

// True when `bytes` is well-formed UTF-8.
bool IsValidUtf8(std::string_view bytes);

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_LITERALS_H_
