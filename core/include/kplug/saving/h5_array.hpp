// A plain n-d array as a weights file stores it: dtype, shape and the raw elements
// (native byte order, C order). Independent of kplug::Tensor so the HDF5 layer stands
// alone; conversions give what Keras assigns (float32 variables, int64 counters).
#pragma once

#include "kplug/dtype.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::h5 {

// Leaves new elements uninitialised: a read fills every byte, and zeroing 100 MB first
// would cost as much as the read itself.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using Bytes = std::vector<std::byte, DefaultInitAllocator<std::byte>>;

struct Array {
  DType dtype = DType::float32;
  std::vector<std::int64_t> shape;  // {} is a scalar
  Bytes data;                       // element_count() * dtype_size(dtype) bytes

  // Product of the dims; throws ValueError on a negative dim or overflow.
  std::uint64_t element_count() const;

  // Copies typed values in (T must match dtype's element size and kind).
  static Array from_float32(std::vector<std::int64_t> shape, std::span<const float> values);
  static Array from_float64(std::vector<std::int64_t> shape, std::span<const double> values);
  static Array from_int32(std::vector<std::int64_t> shape, std::span<const std::int32_t> values);
  static Array from_int64(std::vector<std::int64_t> shape, std::span<const std::int64_t> values);
  // float32 values rounded to nearest-even float16 / bfloat16 (what NumPy's astype does).
  static Array from_float32_as(DType dtype, std::vector<std::int64_t> shape, std::span<const float> values);

  // Floating dtypes to float32 (float64 rounds, float16/bfloat16 are exact); ValueError otherwise.
  std::vector<float> to_float32() const;
  // Integer and bool dtypes to int64; ValueError for floats or a uint64 above INT64_MAX.
  std::vector<std::int64_t> to_int64() const;

  friend bool operator==(const Array& a, const Array& b) {
    return a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
  }
};

// Exact float16 / bfloat16 bit patterns to float32, and float32 to them (round to nearest even).
float half_to_float(std::uint16_t bits) noexcept;
std::uint16_t float_to_half(float value) noexcept;
float bfloat16_to_float(std::uint16_t bits) noexcept;
std::uint16_t float_to_bfloat16(float value) noexcept;

}  // namespace kplug::h5
#pragma GCC visibility pop
