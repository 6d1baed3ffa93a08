#include "kplug/saving/h5_array.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <string>

#include "kplug/errors.hpp"

namespace kplug::h5 {

std::uint64_t Array::element_count() const {
  std::uint64_t count = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw ValueError("array shape has a negative dimension " + std::to_string(d));
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(d), &count)) {
      throw ValueError("array shape's element count overflows 64 bits");
    }
  }
  return count;
}

namespace {
template <class T>
Array from_values(DType dtype, std::vector<std::int64_t> shape, std::span<const T> values) {
  Array a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  if (a.element_count() != values.size()) {
    throw ValueError("array of " + std::to_string(a.element_count()) + " elements given " +
                     std::to_string(values.size()) + " values");
  }
  a.data.resize(values.size_bytes());
  if (!values.empty()) std::memcpy(a.data.data(), values.data(), values.size_bytes());
  return a;
}

template <class T>
T load(const std::byte* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void check_size(const Array& a) {
  if (a.data.size() != a.element_count() * dtype_size(a.dtype)) {
    throw ValueError("array data holds " + std::to_string(a.data.size()) + " bytes, its shape and " +
                     std::string(dtype_name(a.dtype)) + " need " +
                     std::to_string(a.element_count() * dtype_size(a.dtype)));
  }
}
}  // namespace

Array Array::from_float32(std::vector<std::int64_t> shape, std::span<const float> values) {
  return from_values(DType::float32, std::move(shape), values);
}
Array Array::from_float64(std::vector<std::int64_t> shape, std::span<const double> values) {
  return from_values(DType::float64, std::move(shape), values);
}
Array Array::from_int32(std::vector<std::int64_t> shape, std::span<const std::int32_t> values) {
  return from_values(DType::int32, std::move(shape), values);
}
Array Array::from_int64(std::vector<std::int64_t> shape, std::span<const std::int64_t> values) {
  return from_values(DType::int64, std::move(shape), values);
}

Array Array::from_float32_as(DType dtype, std::vector<std::int64_t> shape, std::span<const float> values) {
  if (dtype == DType::float32) return from_float32(std::move(shape), values);
  if (dtype == DType::float64) {
    std::vector<double> wide(values.begin(), values.end());
    return from_float64(std::move(shape), wide);
  }
  if (dtype != DType::float16 && dtype != DType::bfloat16) {
    throw ValueError("from_float32_as needs a floating dtype, got " + std::string(dtype_name(dtype)));
  }
  std::vector<std::uint16_t> bits(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    bits[i] = dtype == DType::float16 ? float_to_half(values[i]) : float_to_bfloat16(values[i]);
  }
  return from_values(dtype, std::move(shape), std::span<const std::uint16_t>(bits));
}

std::vector<float> Array::to_float32() const {
  check_size(*this);
  const std::size_t n = data.size() / dtype_size(dtype);
  std::vector<float> out(n);
  const std::byte* p = data.data();
  switch (dtype) {
    case DType::float32:
      if (n != 0) std::memcpy(out.data(), p, n * sizeof(float));
      break;
    case DType::float64:
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load<double>(p + i * 8));
      break;
    case DType::float16:
      for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(load<std::uint16_t>(p + i * 2));
      break;
    case DType::bfloat16:
      for (std::size_t i = 0; i < n; ++i) out[i] = bfloat16_to_float(load<std::uint16_t>(p + i * 2));
      break;
    default: throw ValueError("cannot read a " + std::string(dtype_name(dtype)) + " array as float32");
  }
  return out;
}

std::vector<std::int64_t> Array::to_int64() const {
  check_size(*this);
  const std::size_t n = data.size() / dtype_size(dtype);
  std::vector<std::int64_t> out(n);
  const std::byte* p = data.data();
  for (std::size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::int8: out[i] = load<std::int8_t>(p + i); break;
      case DType::int16: out[i] = load<std::int16_t>(p + i * 2); break;
      case DType::int32: out[i] = load<std::int32_t>(p + i * 4); break;
      case DType::int64: out[i] = load<std::int64_t>(p + i * 8); break;
      case DType::uint8: out[i] = load<std::uint8_t>(p + i); break;
      case DType::uint16: out[i] = load<std::uint16_t>(p + i * 2); break;
      case DType::uint32: out[i] = load<std::uint32_t>(p + i * 4); break;
      case DType::bool_: out[i] = load<std::uint8_t>(p + i) != 0 ? 1 : 0; break;
      case DType::uint64: {
        auto v = load<std::uint64_t>(p + i * 8);
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          throw ValueError("uint64 value " + std::to_string(v) + " does not fit int64");
        }
        out[i] = static_cast<std::int64_t>(v);
        break;
      }
      default: throw ValueError("cannot read a " + std::string(dtype_name(dtype)) + " array as int64");
    }
  }
  return out;
}

float half_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // inf / nan (payload kept)
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal half: normalise
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t float_to_half(float value) noexcept {
  const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t sign = (f >> 16) & 0x8000u;
  const std::uint32_t abs = f & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));  // nan
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);                          // rounds to inf
  if (abs < 0x38800000u) {                                           // result subnormal or zero
    if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);  // below half of the smallest subnormal
    const std::uint32_t e = abs >> 23;
    const std::uint32_t m = (abs & 0x7fffffu) | 0x800000u;
    const std::uint32_t shift = 126 - e;  // 14..24
    std::uint32_t r = m >> shift;
    const std::uint32_t rem = m & ((1u << shift) - 1);
    const std::uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (r & 1u))) ++r;
    return static_cast<std::uint16_t>(sign | r);
  }
  std::uint32_t r = ((abs >> 13) - (112u << 10));
  const std::uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;  // may carry into the exponent: correct
  return static_cast<std::uint16_t>(sign | r);
}

float bfloat16_to_float(std::uint16_t bits) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

std::uint16_t float_to_bfloat16(float value) noexcept {
  std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  if ((f & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((f >> 16) | 0x40u);  // quiet nan
  f += 0x7fffu + ((f >> 16) & 1u);
  return static_cast<std::uint16_t>(f >> 16);
}

}  // namespace kplug::h5
