// Element types, one enum for tensors and weights files alike, with numpy's names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// Element types. float32 is the maths type; the others store weights, token ids, counters
// and numpy arrays read from configs.
enum class DType : std::uint8_t {
  float32,
  float64,
  float16,
  bfloat16,
  int8,
  int16,
  int32,
  int64,
  uint8,
  uint16,
  uint32,
  uint64,
  bool_,
};

// Storage types of the 16-bit floats (raw bits; astype converts them exactly).
struct Half {
  std::uint16_t bits = 0;
  bool operator==(const Half&) const = default;
};
struct BFloat16 {
  std::uint16_t bits = 0;
  bool operator==(const BFloat16&) const = default;
};

std::string_view dtype_name(DType dtype) noexcept;  // numpy's name: "float32", "bool", ...
DType dtype_from_name(std::string_view name);       // ValueError listing the known names
std::size_t dtype_size(DType dtype) noexcept;       // bytes per element
bool is_floating(DType dtype) noexcept;             // float16/bfloat16/float32/float64
bool is_integer(DType dtype) noexcept;              // signed or unsigned integers (not bool)

// The DType of a C++ element type (float -> float32, Half -> float16, bool -> bool_, ...).
template <class T>
constexpr DType dtype_of() noexcept {
  if constexpr (std::is_same_v<T, float>)
    return DType::float32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::float64;
  else if constexpr (std::is_same_v<T, Half>)
    return DType::float16;
  else if constexpr (std::is_same_v<T, BFloat16>)
    return DType::bfloat16;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return DType::int8;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return DType::int16;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return DType::int32;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return DType::int64;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return DType::uint8;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return DType::uint16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return DType::uint32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return DType::uint64;
  else if constexpr (std::is_same_v<T, bool>)
    return DType::bool_;
  else
    static_assert(sizeof(T) == 0, "no kplug dtype for this type");
}

}  // namespace kplug
#pragma GCC visibility pop
