// Parsing with Boost.JSON, plus the non-finite tokens Python's json module writes.
// Boost.JSON 1.81 has no option for them, so a pre-pass replaces each token found
// outside strings with a reserved sentinel string, and a post-pass turns the
// sentinels back into doubles. Strings that look like a sentinel are refused.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <boost/json/error.hpp>
#include <boost/json/stream_parser.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace kplug::json {
namespace {

// A NUL byte cannot appear raw in a JSON string, only as an escape, so real input
// reaches these values only by spelling the escape, which the pre-pass refuses.
constexpr std::string_view kSentinelEscaped = "\\u0000kplug:";
constexpr std::string_view kNanSentinel = "\"\\u0000kplug:NaN\"";
constexpr std::string_view kInfSentinel = "\"\\u0000kplug:Infinity\"";
constexpr std::string_view kNegInfSentinel = "\"\\u0000kplug:-Infinity\"";

struct Rewrite {
  std::string text;
  // (offset in rewritten text, offset in original text) at each replacement, to map
  // error positions back to the user's text.
  std::vector<std::pair<std::size_t, std::size_t>> anchors;
};

bool starts_with_at(std::string_view text, std::size_t pos, std::string_view token) {
  return text.substr(pos, token.size()) == token;
}

// Returns true when a rewrite was needed.
bool rewrite_nonfinite(std::string_view text, Rewrite& out) {
  // Fast path: most documents contain neither token anywhere (memchr-speed search).
  if (text.find("NaN") == std::string_view::npos && text.find("Infinity") == std::string_view::npos &&
      text.find(kSentinelEscaped) == std::string_view::npos) {
    return false;
  }
  bool in_string = false;
  std::size_t copied = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        if (starts_with_at(text, i, kSentinelEscaped)) {
          throw JsonError("JSON string at offset " + std::to_string(i) +
                          " starts with a sequence kplug reserves for NaN/Infinity tokens");
        }
        ++i;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    std::string_view token;
    std::string_view sentinel;
    if (c == 'N' && starts_with_at(text, i, "NaN")) {
      token = "NaN";
      sentinel = kNanSentinel;
    } else if (c == 'I' && starts_with_at(text, i, "Infinity")) {
      token = "Infinity";
      sentinel = kInfSentinel;
    } else if (c == '-' && starts_with_at(text, i, "-Infinity")) {
      token = "-Infinity";
      sentinel = kNegInfSentinel;
    } else {
      continue;
    }
    if (out.text.empty()) out.text.reserve(text.size() + 64);
    out.text.append(text.substr(copied, i - copied));
    out.anchors.emplace_back(out.text.size(), i);
    out.text.append(sentinel);
    i += token.size() - 1;
    copied = i + 1;
    out.anchors.emplace_back(out.text.size(), copied);
  }
  if (out.anchors.empty()) return false;
  out.text.append(text.substr(copied));
  return true;
}

std::size_t original_offset(const Rewrite& rewrite, std::size_t offset) {
  std::size_t result = offset;
  for (const auto& [rewritten, original] : rewrite.anchors) {
    if (rewritten > offset) break;
    result = original + (offset - rewritten);
  }
  return result;
}

void restore_nonfinite(value& v) {
  switch (v.kind()) {
    case boost::json::kind::string: {
      std::string_view s = v.get_string();
      if (s.size() > 7 && s[0] == '\0' && s.substr(1, 6) == "kplug:") {
        std::string_view token = s.substr(7);
        if (token == "NaN") v = std::numeric_limits<double>::quiet_NaN();
        else if (token == "Infinity") v = std::numeric_limits<double>::infinity();
        else if (token == "-Infinity") v = -std::numeric_limits<double>::infinity();
      }
      break;
    }
    case boost::json::kind::array:
      for (auto& item : v.get_array()) restore_nonfinite(item);
      break;
    case boost::json::kind::object:
      for (auto& item : v.get_object()) restore_nonfinite(item.value());
      break;
    default:
      break;
  }
}

std::string describe_position(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  std::size_t column = line_start == std::string_view::npos || offset == 0 ? offset + 1 : offset - line_start;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

value parse(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.max_bytes) {
    throw JsonError("JSON text of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                    std::to_string(options.max_bytes) + " bytes");
  }
  Rewrite rewrite;
  const bool rewritten = rewrite_nonfinite(text, rewrite);
  std::string_view input = rewritten ? std::string_view(rewrite.text) : text;

  boost::json::parse_options parse_options;
  parse_options.max_depth = options.max_depth;
  // The parser's temporary stack lives in this buffer while it fits (as boost::json::parse
  // does): no heap allocation for it on ordinary documents.
  unsigned char temporary[4096];
  boost::json::stream_parser parser({}, parse_options, temporary);
  boost::system::error_code ec;
  std::size_t consumed = parser.write(input.data(), input.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    std::size_t offset = rewritten ? original_offset(rewrite, consumed) : consumed;
    std::string reason = ec == boost::json::error::too_deep
                             ? "nesting deeper than " + std::to_string(options.max_depth) + " levels"
                             : ec.message();
    throw JsonError("invalid JSON at " + describe_position(text, offset) + ": " + reason);
  }
  value result = parser.release();
  if (rewritten) restore_nonfinite(result);
  return result;
}

std::string_view type_name(const value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "an integer";
    case boost::json::kind::double_: return "a float";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "a list";
    case boost::json::kind::object: return "a dict";
  }
  return "a value";
}

std::string excerpt(const value& v, std::size_t max_chars) {
  std::string text;
  try {
    text = write(v);
  } catch (const Error&) {
    text = "<unprintable>";
  }
  if (text.size() > max_chars) {
    text.resize(max_chars);
    text += "...";
  }
  return text;
}

}  // namespace kplug::json
