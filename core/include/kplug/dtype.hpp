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

namespace detail {
// The C++ storage type of each DType, in the enum's order.
template <class... Ts>
struct DTypeStorage {
  static constexpr std::size_t size = sizeof...(Ts);
  // Ts's index of T; size when T is none of them.
  template <class T>
  static constexpr std::size_t index_of() noexcept {
    std::size_t i = 0;
    (void)((std::is_same_v<T, Ts> || (++i, false)) || ...);
    return i;
  }
};
using DTypeStorageTypes = DTypeStorage<float, double, Half, BFloat16, std::int8_t, std::int16_t, std::int32_t,
                                       std::int64_t, std::uint8_t, std::uint16_t, std::uint32_t, std::uint64_t, bool>;
}  // namespace detail

// The DType of a C++ element type (float -> float32, Half -> float16, bool -> bool_, ...).
template <class T>
constexpr DType dtype_of() noexcept {
  constexpr std::size_t index = detail::DTypeStorageTypes::index_of<T>();
  static_assert(index < detail::DTypeStorageTypes::size, "no kplug dtype for this type");
  return static_cast<DType>(index);
}

}  // namespace kplug
#pragma GCC visibility pop
