#include "kplug/ops/indexing.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/kernels.hpp"
#include "ops/dispatch.hpp"

#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

namespace kplug::ops {
namespace {

// Element i of an integer tensor as int64 (ValueError for a non-integer dtype).
template <class T>
std::int64_t index_value(const T* data, std::int64_t i) {
  return static_cast<std::int64_t>(data[i]);
}

// The tensor's elements as "is true" flags (bool, or numeric nonzero).
std::vector<std::uint8_t> truth_values(const Tensor& t) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(t.size()));
  detail::visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* d = t.data_as<T>();
    for (std::int64_t i = 0; i < t.size(); ++i) {
      if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
        out[static_cast<std::size_t>(i)] = (d[i].bits & 0x7fff) != 0;
      } else {
        out[static_cast<std::size_t>(i)] = d[i] != T{};
      }
    }
  });
  return out;
}

}  // namespace

void kernels::take_rows(const std::byte* table, std::int64_t rows, std::size_t row_bytes, const std::byte* ids,
                        DType ids_dtype, std::int64_t n, std::byte* out, std::string_view what) {
  detail::visit_dtype(ids_dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      const auto* typed = reinterpret_cast<const T*>(ids);
      for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t id = index_value(typed, i);
        if (id < 0 || id >= rows) {
          throw ValueError(std::string(what) + ": index " + std::to_string(+typed[i]) + " at position " +
                           std::to_string(i) + " of the indices is out of range: expected 0 <= index < " +
                           std::to_string(rows));
        }
        if (row_bytes) {
          std::memcpy(out + static_cast<std::size_t>(i) * row_bytes, table + static_cast<std::size_t>(id) * row_bytes,
                      row_bytes);
        }
      }
    } else {
      throw ValueError(std::string(what) + ": indices must be integers, got dtype " +
                       std::string(dtype_name(ids_dtype)));
    }
  });
}

Tensor take(const Tensor& table, const Tensor& indices, std::string_view what) {
  if (table.rank() < 1) throw ValueError(std::string(what) + ": the table must have rank >= 1, got a scalar");
  if (!is_integer(indices.dtype())) {
    throw ValueError(std::string(what) + ": indices must be integers, got dtype " +
                     std::string(dtype_name(indices.dtype())));
  }
  const std::int64_t rows = table.dim(0);
  Shape out_shape = indices.shape();
  for (std::int64_t i = 1; i < table.rank(); ++i) out_shape.push_back(table.dim(i));
  Tensor out = Tensor::empty(out_shape, table.dtype());
  const std::size_t row_bytes = rows ? table.nbytes() / static_cast<std::size_t>(rows) : 0;
  kernels::take_rows(table.bytes(), rows, row_bytes, indices.bytes(), indices.dtype(), indices.size(),
                     out.mutable_bytes(), what);
  return out;
}

Tensor flip(const Tensor& x, std::int64_t axis) {
  const std::int64_t a = x.normalize_axis(axis);
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < a; ++i) outer *= x.dim(i);
  for (std::int64_t i = a + 1; i < x.rank(); ++i) inner *= x.dim(i);
  const std::int64_t n = x.dim(a);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  const std::size_t block = static_cast<std::size_t>(inner) * dtype_size(x.dtype());
  const std::byte* src = x.bytes();
  std::byte* dst = out.mutable_bytes();
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t k = 0; k < n; ++k) {
      if (block) {
        std::memcpy(dst + static_cast<std::size_t>(o * n + k) * block,
                    src + static_cast<std::size_t>(o * n + (n - 1 - k)) * block, block);
      }
    }
  }
  return out;
}

Tensor not_equal(const Tensor& x, double value) {
  Tensor out(x.shape(), DType::bool_);
  bool* po = out.data_as<bool>();
  detail::visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      const Tensor wide = cast(x, DType::float32);
      const float* d = wide.data();
      for (std::int64_t i = 0; i < x.size(); ++i) po[i] = static_cast<double>(d[i]) != value;
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      const T* d = x.data_as<T>();
      // Integers compare exactly; a value no integer equals differs from every element.
      const bool integral = value >= -9.2e18 && value <= 9.2e18 && value == std::trunc(value);
      const auto v = integral ? static_cast<std::int64_t>(value) : 0;
      for (std::int64_t i = 0; i < x.size(); ++i) {
        if constexpr (std::is_signed_v<T>) {
          po[i] = !integral || static_cast<std::int64_t>(d[i]) != v;
        } else {
          po[i] = !integral || v < 0 || static_cast<std::uint64_t>(d[i]) != static_cast<std::uint64_t>(v);
        }
      }
    } else {
      const T* d = x.data_as<T>();
      for (std::int64_t i = 0; i < x.size(); ++i) po[i] = static_cast<double>(d[i]) != value;
    }
  });
  return out;
}

Tensor any(const Tensor& x, std::int64_t axis, bool keepdims) {
  const std::int64_t a = x.normalize_axis(axis);
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < a; ++i) outer *= x.dim(i);
  for (std::int64_t i = a + 1; i < x.rank(); ++i) inner *= x.dim(i);
  const std::int64_t n = x.dim(a);
  Shape out_shape = x.shape();
  if (keepdims) {
    out_shape[static_cast<std::size_t>(a)] = 1;
  } else {
    out_shape.erase(out_shape.begin() + a);
  }
  Tensor out(out_shape, DType::bool_);
  bool* po = out.data_as<bool>();
  const auto truth = truth_values(x);
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t k = 0; k < n; ++k) {
      for (std::int64_t i = 0; i < inner; ++i) {
        po[o * inner + i] = po[o * inner + i] || truth[static_cast<std::size_t>((o * n + k) * inner + i)];
      }
    }
  }
  return out;
}

Tensor one_hot(const Tensor& indices, std::int64_t depth, std::string_view what) {
  if (depth < 1) throw ValueError(std::string(what) + ": the depth must be >= 1, got " + std::to_string(depth));
  if (!is_integer(indices.dtype()) && !is_floating(indices.dtype())) {
    throw ValueError(std::string(what) + ": expected integer indices, got dtype " +
                     std::string(dtype_name(indices.dtype())));
  }
  // cast checks that float indices are integral-valued enough to convert.
  const Tensor ids = indices.dtype() == DType::int64 ? indices : cast(indices, DType::int64);
  Shape out_shape = indices.shape();
  out_shape.push_back(depth);
  Tensor out(out_shape);
  float* o = out.data();
  const auto* id = ids.data_as<std::int64_t>();
  for (std::int64_t i = 0; i < ids.size(); ++i) {
    if (id[i] < 0) continue;  // numpy's valid_indices = x >= 0
    if (id[i] >= depth) {
      throw ValueError(std::string(what) + ": index " + std::to_string(id[i]) + " at flat position " +
                       std::to_string(i) + " is out of range [0, " + std::to_string(depth) + ")");
    }
    o[i * depth + id[i]] = 1.0f;
  }
  return out;
}

}  // namespace kplug::ops
