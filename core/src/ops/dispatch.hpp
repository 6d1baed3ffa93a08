// Private helpers of the ops: dtype dispatch to a C++ element type, and Eigen maps of tensors.
#pragma once

#include "kplug/errors.hpp"
#include "kplug/tensor.hpp"

#include <Eigen/Core>

#include <cstdint>
#include <string>

namespace kplug::ops::detail {

// Calls f(T{}) with the storage type of `dtype`.
template <class F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::float32: return f(float{});
    case DType::float64: return f(double{});
    case DType::float16: return f(Half{});
    case DType::bfloat16: return f(BFloat16{});
    case DType::int8: return f(std::int8_t{});
    case DType::int16: return f(std::int16_t{});
    case DType::int32: return f(std::int32_t{});
    case DType::int64: return f(std::int64_t{});
    case DType::uint8: return f(std::uint8_t{});
    case DType::uint16: return f(std::uint16_t{});
    case DType::uint32: return f(std::uint32_t{});
    case DType::uint64: return f(std::uint64_t{});
    case DType::bool_: return f(bool{});
  }
  throw ValueError("invalid dtype");
}

// ValueError unless t has `rank` axes; `layout` describes them ("inputs (batch, width, channels)").
inline void require_rank(const char* op, const Tensor& t, std::int64_t rank, const char* layout) {
  if (t.rank() != rank) {
    throw ValueError(std::string(op) + ": expected " + layout + " (rank " + std::to_string(rank) + "), got shape " +
                     shape_to_string(t.shape()));
  }
}

using ArrayMap = Eigen::Map<Eigen::ArrayXf, Eigen::Aligned64>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;
using UArrayMap = Eigen::Map<Eigen::ArrayXf>;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowArray = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMatrixMap = Eigen::Map<const RowMatrix>;
using RowMatrixMap = Eigen::Map<RowMatrix>;
using ConstRowArrayMap = Eigen::Map<const RowArray>;
using RowArrayMap = Eigen::Map<RowArray>;

inline ConstArrayMap as_array(const Tensor& t) { return ConstArrayMap(t.data(), t.size()); }
inline UArrayMap as_array(Tensor& t) { return UArrayMap(t.data(), t.size()); }

}  // namespace kplug::ops::detail
