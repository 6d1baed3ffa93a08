// Writing JSON the way Python's json module does (Keras's files are written by it):
// float repr, NaN/Infinity tokens, ", " and ": " separators, \uXXXX escapes.
// Boost.JSON's serializer writes `1E-7`-style numbers and raw UTF-8, so the
// structure walk is kplug's own; number digits come from std::to_chars.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace kplug::json {
namespace {

constexpr std::size_t kMaxWriteDepth = 4096;

void append_hex4(std::string& out, unsigned code) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  out += kHex[(code >> 12) & 0xF];
  out += kHex[(code >> 8) & 0xF];
  out += kHex[(code >> 4) & 0xF];
  out += kHex[code & 0xF];
}

// Decodes one UTF-8 sequence starting at s[i] and advances i past it.
unsigned decode_utf8(std::string_view s, std::size_t& i) {
  const unsigned lead = static_cast<unsigned char>(s[i]);
  std::size_t extra = 0;
  unsigned code = 0;
  if (lead < 0x80) {
    ++i;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    extra = 1;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3;
    code = lead & 0x07;
  } else {
    throw SerializationError("string is not valid UTF-8 (byte 0x" + std::to_string(lead) + ")");
  }
  if (i + extra >= s.size()) {
    throw SerializationError("string is not valid UTF-8 (truncated sequence)");
  }
  for (std::size_t k = 1; k <= extra; ++k) {
    const unsigned cont = static_cast<unsigned char>(s[i + k]);
    if ((cont & 0xC0) != 0x80) throw SerializationError("string is not valid UTF-8 (bad continuation byte)");
    code = (code << 6) | (cont & 0x3F);
  }
  i += extra + 1;
  return code;
}

// 1 where a byte needs escaping (control characters, quote, backslash); bytes >= 0x7F
// need it only with ensure_ascii.
constexpr std::array<bool, 256> make_escape_table() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[static_cast<std::size_t>(c)] = true;
  table['"'] = table['\\'] = true;
  return table;
}
constexpr std::array<bool, 256> kEscape = make_escape_table();

bool needs_escape(unsigned char c, bool ensure_ascii) { return kEscape[c] || (ensure_ascii && c >= 0x7F); }

void write_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one append.
    std::size_t run = i;
    while (run < s.size() && !needs_escape(static_cast<unsigned char>(s[run]), ensure_ascii)) ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\b':
        out += "\\b";
        ++i;
        continue;
      case '\f':
        out += "\\f";
        ++i;
        continue;
      default: break;
    }
    if (c < 0x80) {
      append_hex4(out, c);
      ++i;
    } else {
      unsigned code = decode_utf8(s, i);
      if (code >= 0x10000) {
        code -= 0x10000;
        append_hex4(out, 0xD800 + (code >> 10));
        append_hex4(out, 0xDC00 + (code & 0x3FF));
      } else {
        append_hex4(out, code);
      }
    }
  }
  out += '"';
}

template <class Int>
void write_integer(std::string& out, Int v) {
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

void append_double(std::string& out, double x);

class Writer {
 public:
  Writer(std::string& out, const WriteOptions& options) : out_(out), options_(options) {}

  void write(const value& v, std::size_t depth) {
    if (depth > kMaxWriteDepth) {
      throw SerializationError("JSON value nested deeper than " + std::to_string(kMaxWriteDepth) + " levels");
    }
    switch (v.kind()) {
      case boost::json::kind::null: out_ += "null"; break;
      case boost::json::kind::bool_: out_ += v.get_bool() ? "true" : "false"; break;
      case boost::json::kind::int64: write_integer(out_, v.get_int64()); break;
      case boost::json::kind::uint64: write_integer(out_, v.get_uint64()); break;
      case boost::json::kind::double_: write_double(v.get_double()); break;
      case boost::json::kind::string: write_string(out_, v.get_string(), options_.ensure_ascii); break;
      case boost::json::kind::array: write_array(v.get_array(), depth); break;
      case boost::json::kind::object: write_object(v.get_object(), depth); break;
    }
  }

 private:
  void write_double(double d) {
    if (std::isnan(d))
      out_ += "NaN";
    else if (std::isinf(d))
      out_ += d > 0 ? "Infinity" : "-Infinity";
    else
      append_double(out_, d);
  }

  void newline(std::size_t depth) {
    out_ += '\n';
    out_.append(depth * static_cast<std::size_t>(options_.indent), ' ');
  }

  void separator(std::size_t depth) {
    if (options_.indent < 0) {
      out_ += ", ";
    } else {
      out_ += ',';
      newline(depth);
    }
  }

  void write_array(const array& a, std::size_t depth) {
    if (a.empty()) {
      out_ += "[]";
      return;
    }
    out_ += '[';
    if (options_.indent >= 0) newline(depth + 1);
    bool first = true;
    for (const value& item : a) {
      if (!first) separator(depth + 1);
      first = false;
      write(item, depth + 1);
    }
    if (options_.indent >= 0) newline(depth);
    out_ += ']';
  }

  void write_object(const object& o, std::size_t depth) {
    if (o.empty()) {
      out_ += "{}";
      return;
    }
    out_ += '{';
    if (options_.indent >= 0) newline(depth + 1);
    bool first = true;
    for (const auto& item : o) {
      if (!first) separator(depth + 1);
      first = false;
      write_string(out_, item.key(), options_.ensure_ascii);
      out_ += ": ";
      write(item.value(), depth + 1);
    }
    if (options_.indent >= 0) newline(depth);
    out_ += '}';
  }

  std::string& out_;
  const WriteOptions& options_;
};

}  // namespace

namespace {

// Appends Python's repr() of a finite double to `out`.
void append_double(std::string& out, double x) {
  if (x == 0.0) {
    out += std::signbit(x) ? "-0.0" : "0.0";
    return;
  }
  // Shortest round-trip digits in scientific form: "[-]d[.ddd]e[+-]XX".
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const char* p = buf;
  if (*p == '-') {
    out += '-';
    ++p;
  }
  char digits[32];
  std::size_t n = 0;
  const char* e = p;
  for (; e < result.ptr && *e != 'e'; ++e) {
    if (*e != '.') digits[n++] = *e;
  }
  int exponent = 0;
  std::from_chars(e + 1 + (e[1] == '+' ? 1 : 0), result.ptr, exponent);
  const int decpt = exponent + 1;  // position of the decimal point relative to the digits
  // Python's repr switches to exponent notation outside -4 < decpt <= 16.
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (n > 1) {
      out += '.';
      out.append(digits + 1, n - 1);
    }
    out += exponent < 0 ? "e-" : "e+";
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) out += '0';
    char exp_buf[8];
    const auto exp_end = std::to_chars(exp_buf, exp_buf + sizeof exp_buf, magnitude).ptr;
    out.append(exp_buf, exp_end);
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out.append(digits, n);
  } else if (static_cast<std::size_t>(decpt) >= n) {
    out.append(digits, n);
    out.append(static_cast<std::size_t>(decpt) - n, '0');
    out += ".0";
  } else {
    out.append(digits, static_cast<std::size_t>(decpt));
    out += '.';
    out.append(digits + decpt, n - static_cast<std::size_t>(decpt));
  }
}

}  // namespace

std::string format_double(double x) {
  if (!std::isfinite(x)) return std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf");
  std::string out;
  append_double(out, x);
  return out;
}

std::string write(const value& v, const WriteOptions& options) {
  std::string out;
  out.reserve(256);
  Writer(out, options).write(v, 0);
  return out;
}

}  // namespace kplug::json
