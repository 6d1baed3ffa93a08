// A config number that remembers whether it was written as an integer, so that
// `"max_value": 2` comes back as `2` and `2.0` as `2.0`, as Python keeps them.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// double -> float32 as numpy casts: values beyond float's range become +-inf (a plain
// static_cast is undefined behaviour there, and configs may hold any double).
inline float to_float32(double v) noexcept {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (v > kMax) return std::numeric_limits<float>::infinity();
  if (v < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(v);
}

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
#pragma GCC visibility pop
