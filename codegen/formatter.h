// Formatter: a small wrapper around protobuf's io::Printer for emitting C++.
//
// The template is always generator code; schema-provided text (names, paths,
// comments) only ever travels as a variable value or through Comment(), so a
// `$` in a .proto comment cannot break the output.
//
//   Formatter f(&printer, {{"class", "TrackCommentsPublisher"}});
//   f("class $class$ {\n");
//   f.Indent();
//   f.With({{"name", "Publish"}})("void $name$();\n");
//   f.Outdent();
//   f("};\n");
#ifndef PUBSUB_CODEGEN_FORMATTER_H_
#define PUBSUB_CODEGEN_FORMATTER_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "google/protobuf/io/printer.h"

namespace pubsub::codegen {

class Formatter {
 public:
  using Vars = std::map<std::string, std::string>;

  // `printer` must use '$' as its variable delimiter and outlive the Formatter.
  explicit Formatter(google::protobuf::io::Printer* printer, Vars vars = {})
      : printer_(printer), vars_(std::move(vars)) {}

  // A copy with `more` variables added (replacing ones of the same name).
  Formatter With(const Vars& more) const;
  // Adds or replaces a variable of this formatter.
  void Set(const std::string& name, std::string value) { vars_[name] = std::move(value); }

  // Prints `format` with $variables$ substituted; every variable it names
  // must be set.
  void operator()(const char* format) const { printer_->Print(vars_, format); }

  // Indents lines printed from now on by two more spaces / two fewer.
  void Indent() const { printer_->Indent(); }
  void Outdent() const { printer_->Outdent(); }

  // Prints `text` (any bytes, e.g. a .proto comment) as `//` lines.
  void Comment(std::string_view text) const;

 private:
  google::protobuf::io::Printer* printer_;
  Vars vars_;
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_FORMATTER_H_
