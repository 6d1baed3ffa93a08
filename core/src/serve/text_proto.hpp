// The protobuf text format's subset TF Serving's config files use: `name: scalar`,
// `name { ... }` (or `name: { ... }`), `#` comments, quoted or bare scalars.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kplug::serve::detail {

struct TextProtoField {
  std::string name;
  std::string scalar;  // unquoted text of `name: scalar`
  bool message = false;
  std::vector<TextProtoField> fields;  // of `name { ... }`
  int line = 0;
};

// ValueError "<file>:<line>: ..." when malformed.
std::vector<TextProtoField> parse_text_proto(std::string_view text, std::string_view file);

// ValueError "<file>:<line>: unknown field 'x' in <where>; expected one of ...".
[[noreturn]] void unknown_field(const TextProtoField& field, std::string_view where, std::string_view file,
                                const std::vector<std::string>& known);

}  // namespace kplug::serve::detail
