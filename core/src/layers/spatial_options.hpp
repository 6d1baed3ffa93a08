// Checks and fields shared by the convolution, pooling and reshaping layers: Keras's
// standardize_data_format / standardize_padding / standardize_tuple, with its messages.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/errors.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kplug::layers::detail {

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Empty when fine, else Keras's message.
inline std::string data_format_error(const std::string& value) {
  const std::string v = lower(value);
  if (v == "channels_last" || v == "channels_first") return {};
  return "The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: data_format=" +
         value;
}

inline std::string padding_error(const std::string& value, bool allow_causal) {
  const std::string v = lower(value);
  if (v == "valid" || v == "same" || (allow_causal && v == "causal")) return {};
  return std::string("The `padding` argument must be one of ") +
         (allow_causal ? "{'valid', 'same', 'causal'}" : "{'valid', 'same'}") + ". Received: " + value;
}

// Python's tuple repr: "(3,)", "(2, 2)".
template <std::size_t N>
std::string tuple_repr(const config::IntTuple<N>& t) {
  std::string s = "(";
  for (std::size_t i = 0; i < N; ++i) s += (i ? ", " : "") + std::to_string(t.values[i]);
  return s + (N == 1 ? ",)" : ")");
}

// Keras's standardize_tuple: every value > 0 (>= 0 with allow_zero).
template <std::size_t N>
std::string tuple_error(const config::IntTuple<N>& t, std::string_view name, bool allow_zero = false) {
  for (std::int64_t v : t.values) {
    if (v < 0 || (v == 0 && !allow_zero)) {
      return "The `" + std::string(name) + "` argument must be a tuple of " + std::to_string(N) +
             " integers. Received " + std::string(name) + "=" + tuple_repr(t) + ", including values {" +
             std::to_string(v) + "} that do not satisfy `value " + (allow_zero ? ">= 0" : "> 0") + "`";
    }
  }
  return {};
}

inline config::Check<std::string> data_format_check() {
  return [](const std::string& v) { return data_format_error(v); };
}
inline config::Check<std::string> padding_check(bool allow_causal) {
  return [allow_causal](const std::string& v) { return padding_error(v, allow_causal); };
}
template <std::size_t N>
config::Check<config::IntTuple<N>> tuple_check(std::string name, bool allow_zero = false) {
  return [name, allow_zero](const config::IntTuple<N>& t) { return tuple_error(t, name, allow_zero); };
}

// Keras's `data_format` argument: null is the default ("channels_last"), any case is read
// (and lowered by the layer's constructor, through standardize_data_format).
template <class Options>
config::Field<Options> data_format_field(std::string Options::*member) {
  return config::field("data_format", member).null_is_default().check(data_format_check());
}

// The constructor's half: Keras's message for a bad value, else the value lowered.
inline void standardize_data_format(std::string& data_format) {
  if (std::string e = data_format_error(data_format); !e.empty()) throw ValueError(e);
  data_format = lower(data_format);
}

}  // namespace kplug::layers::detail
