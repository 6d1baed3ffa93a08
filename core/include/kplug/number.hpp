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
  // An integer's exact value (a double holds only 53 bits): the int64, or the uint64's bits
  // when `is_unsigned` (values above int64's range, e.g. seeds). Written back as read.
  std::int64_t exact = 0;
  bool is_unsigned = false;

  static Number real(double v) { return {v, false}; }
  static Number integer(std::int64_t v) { return {static_cast<double>(v), true, v}; }
  static Number unsigned_integer(std::uint64_t v) {
    return {static_cast<double>(v), true, static_cast<std::int64_t>(v), v > std::uint64_t(INT64_MAX)};
  }
  // The exact uint64 value of an `is_unsigned` number.
  std::uint64_t unsigned_value() const noexcept { return static_cast<std::uint64_t>(exact); }

  boost::json::value to_json() const;
  explicit operator double() const { return value; }
  friend bool operator==(const Number&, const Number&) = default;
};

}  // namespace kplug
#pragma GCC visibility pop
