// Config fields the initializers share: `seed` and VarianceScaling's axes.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/seed.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace kplug::initializers::detail {

// An integer (int64 or uint64) or null; a serialized keras.random.SeedGenerator is not supported.
template <class Options>
config::Field<Options> seed_field() {
  using Codec = config::Codec<std::optional<Seed>>;
  return config::custom_field<Options>(
      "seed",
      [](ConfigReader& r, std::string_view key, const boost::json::value& v, Options& a) {
        if (v.is_object()) {
          throw NotSupportedError(r.context().path_of(key) +
                                  ": a keras.random.SeedGenerator seed is not supported; use an integer or null");
        }
        a.seed = Codec::read(r, key, v);
      },
      [](const Options& a) { return Codec::write(a.seed); });
}

// An integer or a list of integers (read as a list), or null; written as a list or null.
template <class Options>
config::Field<Options> axes_field(const char* key, std::optional<std::vector<std::int64_t>> Options::*member) {
  return config::custom_field<Options>(
      key,
      [member](ConfigReader& r, std::string_view k, const boost::json::value&, Options& a) {
        a.*member = r.optional_int_list(k);
      },
      [member](const Options& a) { return config::Codec<std::optional<std::vector<std::int64_t>>>::write(a.*member); });
}

}  // namespace kplug::initializers::detail
