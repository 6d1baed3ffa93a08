// The config form of an STFT window, shared by the STFT initializer and STFTSpectrogram: a
// scipy.signal window name, a list of window values, or null (no window).
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/initializers.hpp"

namespace kplug::config {

template <>
struct Codec<initializers::STFT::Window> {
  static constexpr bool accepts_null = true;
  static initializers::STFT::Window read(ConfigReader& r, std::string_view key, const boost::json::value& v);
  static boost::json::value write(const initializers::STFT::Window& w);
};

}  // namespace kplug::config
