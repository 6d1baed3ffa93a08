// A random seed as a Keras config holds it: any integer JSON gives, int64 or uint64.
// Keras 3 takes any Python int as a seed and writes it back unchanged, so
// `"seed": 18446744073709551615` (numpy's uint64 seeds) must come back as that integer.
#pragma once

#include "kplug/config_fields.hpp"

#include <boost/json/value.hpp>

#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <type_traits>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// Any integer in [-2^63, 2^64). kplug's generators take 64 bits: a seed feeds them its
// two's-complement bits (`bits()`), so an int64 seed draws what it always drew, and -1
// and 2^64 - 1 draw the same values, as they do in Keras (whose backends keep a seed's low
// 32 bits). Integers beyond 64 bits never get here: kplug's JSON parser refuses them.
class Seed {
 public:
  template <std::integral T>
  requires(!std::same_as<T, bool>) constexpr Seed(T v) noexcept  // NOLINT: `seed = 42` reads naturally
      : bits_(static_cast<std::uint64_t>(v)) {
    if constexpr (std::is_signed_v<T>) negative_ = v < 0;
  }

  // The 64 bits a generator is seeded with.
  constexpr std::uint64_t bits() const noexcept { return bits_; }
  constexpr bool is_negative() const noexcept { return negative_; }
  // The integer as written: an int64 when it fits, else a uint64.
  boost::json::value to_json() const;
  std::string to_string() const;

  friend constexpr bool operator==(const Seed&, const Seed&) = default;

 private:
  std::uint64_t bits_;
  bool negative_ = false;  // the value is the int64 `bits_` spells
};

// Declared here, not as a friend: a friend's first declaration would not be exported.
std::ostream& operator<<(std::ostream& out, const Seed& seed);

namespace config {

// An integer, kept exact; a float (even 2.0, which Keras also refuses), a string or a
// SeedGenerator dict is an error naming the key.
template <>
struct Codec<Seed> {
  static constexpr bool accepts_null = false;
  static Seed read(ConfigReader& r, std::string_view key, const boost::json::value& v);
  static boost::json::value write(const Seed& v) { return v.to_json(); }
};

}  // namespace config
}  // namespace kplug
#pragma GCC visibility pop
