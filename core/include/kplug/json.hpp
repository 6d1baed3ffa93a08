// JSON as Keras writes it: Boost.JSON values, Python's NaN/Infinity tokens,
// Python's float repr (`0.5`, `1e-07`), Python's separators and ASCII escapes.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::json {

using boost::json::array;
using boost::json::object;
using boost::json::value;

struct ParseOptions {
  // Real models nest a few dozen levels; Boost.JSON's default (32) is too low,
  // an unbounded one lets a hostile file exhaust the stack of recursive walkers.
  std::size_t max_depth = 512;
  std::size_t max_bytes = std::size_t{512} << 20;
};

// Parses a JSON text, accepting the `NaN`, `Infinity` and `-Infinity` tokens
// Python writes. Throws JsonError naming the line and column.
value parse(std::string_view text, const ParseOptions& options = {});

struct WriteOptions {
  // < 0: one line with Python's default separators (", " and ": "), as
  // `json.dumps(x)` and Keras's `to_json()`; >= 0: that many spaces per level,
  // as `json.dumps(x, indent=N)`.
  int indent = -1;
  // Escape non-ASCII characters as \uXXXX, as Python does by default.
  bool ensure_ascii = true;
};

// Writes a value the way Python's json module would.
std::string write(const value& v, const WriteOptions& options = {});

// Python's repr() of a float: shortest round trip, `1e-07`, `2.0`, `1e+16`, `nan` not included.
std::string format_double(double x);

// Human-readable name of a JSON value's type ("a string", "an object", ...).
std::string_view type_name(const value& v);

// A short excerpt of a value for error messages (bounded length).
std::string excerpt(const value& v, std::size_t max_chars = 200);

}  // namespace kplug::json
#pragma GCC visibility pop
