// Helpers of the JSON differential test: an exact JSON parser (Boost.JSON's
// parser, numbers converted from their text with from_chars), and a
// schema-aware comparison of our JSON against protobuf's for one message.
#ifndef PUBSUB_TESTS_JSON_JSON_COMPARE_H_
#define PUBSUB_TESTS_JSON_JSON_COMPARE_H_

#include <google/protobuf/descriptor.h>

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pubsub_test {

// Parses `json` with Boost.JSON's parser. Unlike boost::json::parse (whose
// double conversion may be off by an ulp in 1.81), doubles come from their
// exact text, "-0" stays negative zero, and duplicate keys are an error.
// On failure returns null and sets `error`.
boost::json::value ParseExact(std::string_view json, std::string& error);

// Compares our rendering (`ours`) of a `descriptor` message with protobuf's
// MessageToJsonString rendering (`theirs`, preserve_proto_field_names and
// always_print_primitive_fields), applying our documented differences:
// int64_as_number fields are numbers, enum values with json_value use it,
// a google.protobuf.NullValue is null (protobuf 3.21 prints "NULL_VALUE"),
// and (for an event, `event_type` non-empty) ours starts with "type".
// Also checks that our keys come in declaration order. Returns the
// differences, one per line, each naming the field path; empty when equal.
std::vector<std::string> CompareJson(const google::protobuf::Descriptor& descriptor,
                                     const boost::json::value& ours,
                                     const boost::json::value& theirs, std::string_view event_type);

}  // namespace pubsub_test

#endif  // PUBSUB_TESTS_JSON_JSON_COMPARE_H_
