// The (before, after) arguments of Cropping and ZeroPadding: their config forms, their
// checks and the spatial axes they apply to.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/reshaping.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kplug::layers::detail {

// Keras's names for the entries of an argument in its messages ("2nd entry of padding").
inline std::string entry_name(std::size_t i, std::string_view key) {
  static const char* const ordinals[] = {"1st", "2nd", "3rd"};
  return std::string(ordinals[i]) + " entry of " + std::string(key);
}

// Empty when every side is >= 0, else Keras's standardize_tuple message.
template <std::size_t N>
std::string side_pairs_error(const SidePairs<N>& pairs, std::string_view key) {
  for (std::size_t i = 0; i < N; ++i) {
    for (std::int64_t v : {pairs[i].first, pairs[i].second}) {
      if (v < 0) {
        const std::string entry = entry_name(i, key);
        return "The `" + entry + "` argument must be a tuple of 2 integers. Received " + entry + "=(" +
               std::to_string(pairs[i].first) + ", " + std::to_string(pairs[i].second) + "), including values {" +
               std::to_string(v) + "} that do not satisfy `value >= 0`";
      }
    }
  }
  return {};
}

inline std::int64_t read_side(ConfigReader& r, const std::string& key, const boost::json::value& v,
                              std::string_view name) {
  const std::int64_t x = r.as_integer(key, v);
  if (x < 0) r.fail(key, "`" + std::string(name) + "` cannot be negative. Received: " + std::to_string(x));
  return x;
}

// One axis: an int (both sides) or a pair.
inline std::pair<std::int64_t, std::int64_t> read_axis(ConfigReader& r, const std::string& key,
                                                       const boost::json::value& v, std::size_t i,
                                                       std::string_view name) {
  if (!v.is_array()) {
    const std::int64_t x = read_side(r, key, v, name);
    return {x, x};
  }
  const auto& list = v.get_array();
  if (list.size() != 2) {
    r.fail(key, "The `" + entry_name(i, name) + "` argument must be a tuple of 2 integers. Received a list of " +
                    std::to_string(list.size()) + " elements");
  }
  return {read_side(r, key + "[0]", list[0], name), read_side(r, key + "[1]", list[1], name)};
}

// One spatial axis: an int or a pair, written as the pair. N axes: an int (every side),
// N ints (symmetric per axis) or N pairs, written as N pairs.
template <class Options, std::size_t N>
config::Field<Options> side_pairs_field(std::string key, SidePairs<N> Options::*member) {
  return config::custom_field<Options>(
      key,
      [member, name = key](ConfigReader& r, std::string_view key_view, const boost::json::value& v, Options& o) {
        const std::string k(key_view);
        SidePairs<N>& pairs = o.*member;
        if (N == 1 || !v.is_array()) {
          pairs.fill(read_axis(r, k, v, 0, name));
          return;
        }
        const auto& list = v.get_array();
        if (list.size() != N) {
          r.fail(k, "`" + name + "` should have " + (N == 2 ? "two" : std::to_string(N)) +
                        " elements (an int, or one int or (before, after) pair per spatial axis). Received a list "
                        "of " +
                        std::to_string(list.size()));
        }
        for (std::size_t i = 0; i < N; ++i)
          pairs[i] = read_axis(r, k + "[" + std::to_string(i) + "]", list[i], i, name);
      },
      [member](const Options& o) -> boost::json::value {
        boost::json::array out;
        for (const auto& [before, after] : o.*member) out.push_back(boost::json::array{before, after});
        if (N == 1) return out.front();
        return out;
      },
      false);
}

// The first spatial axis of a rank-(N + 2) input.
inline std::size_t first_spatial_axis(const std::string& data_format) {
  return data_format == "channels_first" ? 2 : 1;
}

}  // namespace kplug::layers::detail
