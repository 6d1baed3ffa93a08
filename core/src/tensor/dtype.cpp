#include "kplug/dtype.hpp"

#include "kplug/errors.hpp"

#include <iterator>
#include <string>

namespace kplug {
namespace {

constexpr std::string_view kDTypeNames[] = {"float32", "float64", "float16", "bfloat16", "int8",   "int16", "int32",
                                            "int64",   "uint8",   "uint16",  "uint32",   "uint64", "bool"};

}  // namespace

std::string_view dtype_name(DType dtype) noexcept { return kDTypeNames[static_cast<std::size_t>(dtype)]; }

DType dtype_from_name(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kDTypeNames); ++i) {
    if (kDTypeNames[i] == name) return static_cast<DType>(i);
  }
  std::string known;
  for (auto n : kDTypeNames) known += (known.empty() ? "" : ", ") + std::string(n);
  throw ValueError("unknown dtype '" + std::string(name) + "' (known: " + known + ")");
}

std::size_t dtype_size(DType dtype) noexcept {
  switch (dtype) {
    case DType::float64:
    case DType::int64:
    case DType::uint64: return 8;
    case DType::float32:
    case DType::int32:
    case DType::uint32: return 4;
    case DType::float16:
    case DType::bfloat16:
    case DType::int16:
    case DType::uint16: return 2;
    case DType::int8:
    case DType::uint8:
    case DType::bool_: return 1;
  }
  return 1;
}

bool is_floating(DType d) noexcept {
  return d == DType::float32 || d == DType::float64 || d == DType::float16 || d == DType::bfloat16;
}
bool is_integer(DType d) noexcept { return !is_floating(d) && d != DType::bool_; }

}  // namespace kplug
