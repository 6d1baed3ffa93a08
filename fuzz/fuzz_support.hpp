// Shared checks of the fuzz targets: deep equality with doubles compared bit for bit, and a
// failure that prints the offending text before aborting (libFuzzer then saves the input).
#pragma once

#include "kplug/json.hpp"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace kplug::fuzz {

[[noreturn]] inline void fail(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "%.*s\n%.*s\n", static_cast<int>(what.size()), what.data(), static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

inline void require(bool ok, std::string_view what, std::string_view detail) {
  if (!ok) fail(what, detail);
}

// Equal kinds and values; doubles by their bits (NaN == NaN, -0.0 != 0.0).
inline bool same(const json::value& a, const json::value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case boost::json::kind::double_:
      return std::bit_cast<std::uint64_t>(a.get_double()) == std::bit_cast<std::uint64_t>(b.get_double());
    case boost::json::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!same(x[i], y[i])) return false;
      }
      return true;
    }
    case boost::json::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      auto i = x.begin();
      auto j = y.begin();
      for (; i != x.end(); ++i, ++j) {
        if (i->key() != j->key() || !same(i->value(), j->value())) return false;
      }
      return true;
    }
    default: return a == b;
  }
}

}  // namespace kplug::fuzz
