// Config fields the initializers share: `seed` and VarianceScaling's axes.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/seed.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace kplug::initializers::detail {

// An integer (int64 or uint64) or null; a serialized keras.random.SeedGenerator is not supported.
template <class Args>
config::Field<Args> seed_field() {
  using Codec = config::Codec<std::optional<Seed>>;
  return config::custom_field<Args>(
      "seed",
      [](ConfigReader& r, std::string_view key, const boost::json::value& v, Args& a) {
        if (v.is_object()) {
          throw NotSupportedError(r.context().path_of(key) +
                                  ": a keras.random.SeedGenerator seed is not supported; use an integer or null");
        }
        a.seed = Codec::read(r, key, v);
      },
      [](const Args& a) { return Codec::write(a.seed); });
}

// An integer or a list of integers (read as a list), or null; written as a list or null.
template <class Args>
config::Field<Args> axes_field(const char* key, std::optional<std::vector<std::int64_t>> Args::*member) {
  return config::custom_field<Args>(
      key,
      [member](ConfigReader& r, std::string_view k, const boost::json::value&, Args& a) {
        a.*member = r.optional_int_list(k);
      },
      [member](const Args& a) { return config::Codec<std::optional<std::vector<std::int64_t>>>::write(a.*member); });
}

}  // namespace kplug::initializers::detail
