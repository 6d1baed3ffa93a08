// A config number that remembers whether it was written as an integer, so that
// `"max_value": 2` comes back as `2` and `2.0` as `2.0`, as Python keeps them.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>

namespace kplug {

struct Number {
  double value = 0.0;
  bool integral = false;

  static Number real(double v) { return {v, false}; }
  static Number integer(std::int64_t v) { return {static_cast<double>(v), true}; }

  boost::json::value to_json() const;
  explicit operator double() const { return value; }
  friend bool operator==(const Number&, const Number&) = default;
};

}  // namespace kplug
