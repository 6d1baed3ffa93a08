// Parsing with Boost.JSON's basic_parser and kplug's own handler, for two things Boost.JSON
// 1.81 does not do as Python's json module does:
// - Doubles: its parser is not correctly rounded, so the handler converts each number's own
//   text with std::from_chars (correctly rounded), and parse -> write gives Python's digits.
// - NaN / Infinity / -Infinity: a pre-pass replaces each token found in value position by a
//   `0` padded to the token's length (error offsets stay the user's) and records the token by
//   its ordinal among the document's numbers; the handler turns that number back into the
//   non-finite double. Nothing is carried in a string, so no user text can spell a token, and
//   a token where JSON allows no number (a key) stays a syntax error.
// Integers beyond uint64 are refused: Python keeps them exact, kplug cannot, and a float
// would silently change them.
#include "json/parse_scratch.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

namespace kplug::json {
namespace {

// A non-finite token: the ordinal of the number that stands for it, and its value.
struct NonFinite {
  std::size_t ordinal;
  double value;
};

bool is_value_start_context(char previous) {
  switch (previous) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '[':
    case ',':
    case ':': return true;
    default: return false;
  }
}

bool starts_with_at(std::string_view text, std::size_t pos, std::string_view token) {
  return text.substr(pos, token.size()) == token;
}

// Rewrites the tokens of `text` into `out` (same length) and lists them in `tokens`. Returns
// false (and leaves `out` empty) when the text holds none.
bool rewrite_nonfinite(std::string_view text, std::string& out, std::vector<NonFinite>& tokens) {
  // Fast path: most documents contain neither token anywhere (memchr-speed search).
  if (text.find("NaN") == std::string_view::npos && text.find("Infinity") == std::string_view::npos) return false;
  bool in_string = false;
  std::size_t numbers = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // skip the escaped character
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    std::string_view token;
    double value = 0.0;
    if (c == 'N' && starts_with_at(text, i, "NaN")) {
      token = "NaN";
      value = std::numeric_limits<double>::quiet_NaN();
    } else if (c == 'I' && starts_with_at(text, i, "Infinity")) {
      token = "Infinity";
      value = std::numeric_limits<double>::infinity();
    } else if (c == '-' && starts_with_at(text, i, "-Infinity")) {
      token = "-Infinity";
      value = -std::numeric_limits<double>::infinity();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      // A number token, as Boost.JSON delimits it in a valid document.
      ++numbers;
      while (i + 1 < text.size() && std::string_view("0123456789.eE+-").find(text[i + 1]) != std::string_view::npos)
        ++i;
      continue;
    } else {
      continue;
    }
    // Only where a value may start; glued to other text (`1NaN`, `{NaN`) it stays invalid.
    if (i > 0 && !is_value_start_context(text[i - 1])) {
      i += token.size() - 1;
      continue;
    }
    if (out.empty()) out.assign(text);
    out[i] = '0';
    std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(i) + 1, token.size() - 1, ' ');
    tokens.push_back({numbers++, value});
    i += token.size() - 1;
  }
  return !tokens.empty();
}

// Builds boost::json values as Boost's own parser does, with exact numbers and the tokens.
class Handler {
 public:
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  Handler(unsigned char* buffer, std::size_t size) : stack_({}, buffer, size) {}

  boost::json::value_stack& stack() noexcept { return stack_; }
  void set_tokens(const std::vector<NonFinite>* tokens) noexcept { tokens_ = tokens; }
  const std::string& error() const noexcept { return error_; }

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_object_begin(boost::json::error_code&) { return true; }
  bool on_object_end(std::size_t n, boost::json::error_code&) {
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(boost::json::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::json::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
    number_text_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    number_text_.clear();
    if (nonfinite_next()) return true;
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    number_text_.clear();
    stack_.push_uint64(u);
    ++ordinal_;
    return true;
  }
  bool on_double(double, boost::json::string_view s, boost::json::error_code& ec) {
    ++ordinal_;
    std::string_view text(s.data(), s.size());
    if (!number_text_.empty()) text = number_text_.append(s.data(), s.size());
    const bool ok = push_exact_double(text);
    number_text_.clear();
    if (!ok) ec = boost::json::error::exception;
    return ok;
  }
  bool on_bool(bool b, boost::json::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(boost::json::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

 private:
  // Consumes one number ordinal; true when it stands for a NaN/Infinity token (pushed here).
  bool nonfinite_next() {
    const std::size_t ordinal = ordinal_++;
    if (!tokens_ || next_token_ == tokens_->size() || (*tokens_)[next_token_].ordinal != ordinal) return false;
    stack_.push_double((*tokens_)[next_token_++].value);
    return true;
  }

  bool push_exact_double(std::string_view text) {
    if (text.find_first_of(".eE") == std::string_view::npos) {
      error_ = "integer " + std::string(text.substr(0, 60)) + (text.size() > 60 ? "..." : "") +
               " does not fit in 64 bits (int64 or uint64); kplug cannot hold it exactly";
      return false;
    }
    double d = 0.0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), d);
    if (result.ec == std::errc::result_out_of_range) {
      // Python gives +-inf on overflow and +-0.0 on underflow; strtod (correctly rounded in glibc) does too.
      const std::string copy(text);
      d = std::strtod(copy.c_str(), nullptr);
    } else if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
      error_ = "cannot read the number " + std::string(text.substr(0, 60));
      return false;
    }
    stack_.push_double(d);
    return true;
  }

  boost::json::value_stack stack_;
  const std::vector<NonFinite>* tokens_ = nullptr;
  std::size_t next_token_ = 0;
  std::size_t ordinal_ = 0;
  std::string number_text_;
  std::string error_;
};

std::string describe_position(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line =
      1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  std::size_t column = line_start == std::string_view::npos || offset == 0 ? offset + 1 : offset - line_start;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

value parse(std::string_view text, const ParseOptions& options) { return parse(text, options, {}); }

namespace {

// A monotonic arena behind a lock: freeing a document in it is one release of a few blocks,
// not one free() per node. Values copy-constructed from the document take its storage and
// keep the arena alive; the lock keeps copies made from them on several threads safe.
class LockedArena final : public boost::json::memory_resource {
 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    std::lock_guard lock(mutex_);
    return arena_.allocate(bytes, alignment);
  }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const boost::json::memory_resource& other) const noexcept override { return this == &other; }

  std::mutex mutex_;
  boost::json::monotonic_resource arena_;
};

}  // namespace

value parse_scratch(std::string_view text, const ParseOptions& options) {
  return parse(text, options, boost::json::make_shared_resource<LockedArena>());
}

value parse(std::string_view text, const ParseOptions& options, boost::json::storage_ptr storage) {
  if (text.size() > options.max_bytes) {
    throw JsonError("JSON text of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                    std::to_string(options.max_bytes) + " bytes");
  }
  std::string rewritten;
  std::vector<NonFinite> tokens;
  const bool has_tokens = rewrite_nonfinite(text, rewritten, tokens);
  const std::string_view input = has_tokens ? std::string_view(rewritten) : text;

  boost::json::parse_options parse_options;
  parse_options.max_depth = options.max_depth;
  // The value stack lives in this buffer while it fits (as boost::json::parse does): no heap
  // allocation for it on ordinary documents.
  unsigned char temporary[4096];
  boost::json::basic_parser<Handler> parser(parse_options, temporary, sizeof temporary);
  parser.handler().set_tokens(has_tokens ? &tokens : nullptr);
  parser.handler().stack().reset(std::move(storage));
  boost::json::error_code ec;
  const std::size_t consumed = parser.write_some(false, input.data(), input.size(), ec);
  if (!ec && consumed < input.size()) ec = boost::json::error::extra_data;
  if (ec) {
    std::string reason = ec == boost::json::error::too_deep
                             ? "nesting deeper than " + std::to_string(options.max_depth) + " levels"
                         : !parser.handler().error().empty() ? parser.handler().error()
                                                             : ec.message();
    throw JsonError("invalid JSON at " + describe_position(text, consumed) + ": " + reason);
  }
  return parser.handler().stack().release();
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
