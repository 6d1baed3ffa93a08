// Private helpers of the keras.activations implementations: element-wise maps,
// per-slice maps along an axis, and hyper-parameter checks.
#pragma once

#include "kplug/errors.hpp"
#include "kplug/ops.hpp"
#include "kplug/tensor.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kplug::activations::detail {

// The element-wise maths lives in kplug/ops; these names keep the activations short.
using ops::clip;
using ops::stable_sigmoid;

template <class F>
Tensor map_elements(const Tensor& x, F f) {
  return ops::map(x, f);
}

// Throws unless `value` is finite ("elu: alpha must be finite, got nan").
inline void require_finite(std::string_view function, std::string_view name, float value) {
  if (std::isfinite(value)) return;  // the message is only built for an error (predict allocates nothing)
  ops::require_finite(std::string(function) + ": " + std::string(name), value);
}

// n values of scratch: on the stack up to `Inline`, else on the heap, so an activation over the
// usual slice lengths allocates nothing but its output.
template <class T, std::size_t Inline>
class Scratch {
 public:
  explicit Scratch(std::size_t n) : size_(n) {
    if (n > Inline) heap_.resize(n);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::span<T> span() noexcept { return {size_ > Inline ? heap_.data() : inline_.data(), size_}; }

 private:
  std::array<T, Inline> inline_;
  std::vector<T> heap_;
  std::size_t size_;
};

// Throws unless `value` is finite and >= 0 (or > 0 when `strict`).
inline void require_non_negative(std::string_view function, std::string_view name, float value, bool strict = false) {
  require_finite(function, name, value);
  if (strict ? !(value > 0) : !(value >= 0)) {
    throw ValueError(std::string(function) + ": " + std::string(name) + (strict ? " must be > 0" : " must be >= 0") +
                     ", got " + std::to_string(value));
  }
}

// Calls `f(in, out)` for every 1-D slice of `x` along `axis`; the output has the same
// shape except that `axis` has length `out_length`. Slices may be empty (an axis of
// length 0); a rank-0 tensor or an axis out of range throws ValueError.
template <class F>
Tensor map_slices(const Tensor& x, std::int64_t axis, std::int64_t out_length, F f) {
  const std::int64_t a = x.normalize_axis(axis);
  const Shape& shape = x.shape();
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < a; ++i) outer *= shape[static_cast<std::size_t>(i)];
  for (std::int64_t i = a + 1; i < x.rank(); ++i) inner *= shape[static_cast<std::size_t>(i)];
  const std::int64_t length = shape[static_cast<std::size_t>(a)];

  Shape out_shape = shape;
  out_shape[static_cast<std::size_t>(a)] = out_length;
  Tensor out(out_shape);
  Scratch<float, 256> in_scratch(static_cast<std::size_t>(length)), out_scratch(static_cast<std::size_t>(out_length));
  const std::span<float> in_slice = in_scratch.span(), out_slice = out_scratch.span();
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t j = 0; j < inner; ++j) {
      const float* src = x.data() + o * length * inner + j;
      for (std::int64_t i = 0; i < length; ++i) in_slice[static_cast<std::size_t>(i)] = src[i * inner];
      f(std::span<const float>(in_slice), std::span<float>(out_slice));
      float* dst = out.data() + o * out_length * inner + j;
      for (std::int64_t i = 0; i < out_length; ++i) dst[i * inner] = out_slice[static_cast<std::size_t>(i)];
    }
  }
  return out;
}

}  // namespace kplug::activations::detail
