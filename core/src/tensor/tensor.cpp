#include "kplug/tensor.hpp"

#include "kplug/errors.hpp"

#include <Eigen/Core>

#include <cmath>
#include <limits>
#include <numeric>

namespace kplug {
namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMatrixMap = Eigen::Map<const RowMatrix>;
using RowMatrixMap = Eigen::Map<RowMatrix>;

ConstArrayMap as_array(const Tensor& t) { return ConstArrayMap(t.data(), t.size()); }
ArrayMap as_array(Tensor& t) { return ArrayMap(t.data(), t.size()); }

template <class Expr>
Tensor unary(const Tensor& t, Expr&& expr) {
  Tensor out(t.shape());
  as_array(out) = expr(as_array(t));
  return out;
}

// Splits a shape around `axis` into (outer, length, inner) for reductions.
struct AxisSplit {
  std::int64_t outer = 1, length = 1, inner = 1;
};

AxisSplit split_at(const Shape& shape, std::int64_t axis) {
  AxisSplit s;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    if (i < axis) s.outer *= shape[static_cast<std::size_t>(i)];
    else if (i == axis) s.length = shape[static_cast<std::size_t>(i)];
    else s.inner *= shape[static_cast<std::size_t>(i)];
  }
  return s;
}

Shape reduced_shape(const Shape& shape, std::int64_t axis, bool keepdims) {
  Shape out = shape;
  if (keepdims) out[static_cast<std::size_t>(axis)] = 1;
  else out.erase(out.begin() + axis);
  return out;
}

template <class Reduce>
Tensor reduce_axis(const Tensor& t, std::int64_t axis, bool keepdims, float empty_value, Reduce&& reduce) {
  const std::int64_t a = t.normalize_axis(axis);
  const AxisSplit s = split_at(t.shape(), a);
  Tensor out(reduced_shape(t.shape(), a, keepdims));
  for (std::int64_t o = 0; o < s.outer; ++o) {
    RowMatrixMap dst(out.data() + o * s.inner, 1, s.inner);
    if (s.length == 0) {
      dst.setConstant(empty_value);
      continue;
    }
    ConstRowMatrixMap block(t.data() + o * s.length * s.inner, s.length, s.inner);
    dst = reduce(block);
  }
  return out;
}

Shape row_major_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i > 0; --i) {
    strides[i - 1] = stride;
    stride *= shape[i - 1];
  }
  return strides;
}

// Permutes axes: out.shape[i] = in.shape[perm[i]].
Tensor permute(const Tensor& t, const std::vector<std::int64_t>& perm) {
  const std::size_t rank = perm.size();
  Shape out_shape(rank);
  for (std::size_t i = 0; i < rank; ++i) out_shape[i] = t.shape()[static_cast<std::size_t>(perm[i])];
  Tensor out(out_shape);
  if (t.size() == 0) return out;
  const Shape in_strides = row_major_strides(t.shape());
  std::vector<std::int64_t> index(rank, 0);
  for (std::int64_t flat = 0; flat < out.size(); ++flat) {
    std::int64_t src = 0;
    for (std::size_t i = 0; i < rank; ++i) src += index[i] * in_strides[static_cast<std::size_t>(perm[i])];
    out[flat] = t[src];
    for (std::size_t i = rank; i-- > 0;) {
      if (++index[i] < out_shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

}  // namespace

std::string shape_to_string(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::int64_t shape_size(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw ValueError("negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d) {
      throw ValueError("shape " + shape_to_string(shape) + " has too many elements");
    }
    n *= d;
  }
  return n;
}

Tensor::Tensor() : data_(1, 0.0f) {}

Tensor::Tensor(Shape shape, float fill) : shape_(std::move(shape)) {
  data_.assign(static_cast<std::size_t>(shape_size(shape_)), fill);
}

Tensor::Tensor(Shape shape, std::vector<float> values) : shape_(std::move(shape)), data_(std::move(values)) {
  if (static_cast<std::int64_t>(data_.size()) != shape_size(shape_)) {
    throw ValueError("tensor of shape " + shape_to_string(shape_) + " needs " + std::to_string(shape_size(shape_)) +
                     " values, got " + std::to_string(data_.size()));
  }
}

Tensor Tensor::scalar(float v) { return Tensor(Shape{}, std::vector<float>{v}); }

Tensor Tensor::vector(std::initializer_list<float> values) {
  return Tensor(Shape{static_cast<std::int64_t>(values.size())}, std::vector<float>(values));
}

Tensor Tensor::matrix(std::initializer_list<std::initializer_list<float>> rows) {
  const std::int64_t cols = rows.size() ? static_cast<std::int64_t>(rows.begin()->size()) : 0;
  std::vector<float> values;
  for (const auto& row : rows) {
    if (static_cast<std::int64_t>(row.size()) != cols) throw ValueError("Tensor::matrix: rows of unequal length");
    values.insert(values.end(), row.begin(), row.end());
  }
  return Tensor(Shape{static_cast<std::int64_t>(rows.size()), cols}, std::move(values));
}

std::int64_t Tensor::normalize_axis(std::int64_t axis) const {
  const std::int64_t r = rank();
  const std::int64_t a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) {
    throw ValueError("axis " + std::to_string(axis) + " is out of range for a tensor of rank " + std::to_string(r) +
                     " (shape " + shape_to_string(shape_) + ")");
  }
  return a;
}

std::int64_t Tensor::dim(std::int64_t axis) const { return shape_[static_cast<std::size_t>(normalize_axis(axis))]; }

float Tensor::item() const {
  if (data_.size() != 1) throw ValueError("item() of a tensor with " + std::to_string(data_.size()) + " elements");
  return data_[0];
}

std::int64_t Tensor::flat_index(std::initializer_list<std::int64_t> index) const {
  if (static_cast<std::int64_t>(index.size()) != rank()) {
    throw ValueError("index of rank " + std::to_string(index.size()) + " for a tensor of shape " +
                     shape_to_string(shape_));
  }
  std::int64_t flat = 0;
  std::size_t i = 0;
  for (std::int64_t idx : index) {
    if (idx < 0 || idx >= shape_[i]) throw ValueError("index out of range for shape " + shape_to_string(shape_));
    flat = flat * shape_[i++] + idx;
  }
  return flat;
}

float& Tensor::at(std::initializer_list<std::int64_t> index) { return (*this)[flat_index(index)]; }
float Tensor::at(std::initializer_list<std::int64_t> index) const { return (*this)[flat_index(index)]; }

Tensor Tensor::reshape(Shape shape) const {
  std::int64_t known = 1;
  int unknown = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0) throw ValueError("reshape: more than one -1 in " + shape_to_string(shape));
      unknown = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || size() % known != 0) {
      throw ValueError("cannot reshape " + shape_to_string(shape_) + " into " + shape_to_string(shape));
    }
    shape[static_cast<std::size_t>(unknown)] = size() / known;
  }
  if (shape_size(shape) != size()) {
    throw ValueError("cannot reshape " + shape_to_string(shape_) + " into " + shape_to_string(shape));
  }
  return Tensor(std::move(shape), data_);
}

Tensor Tensor::transpose() const {
  if (rank() != 2) throw ValueError("transpose() needs a 2-D tensor, got shape " + shape_to_string(shape_));
  return permute(*this, {1, 0});
}

Tensor Tensor::move_axis_to_last(std::int64_t axis) const {
  const std::int64_t a = normalize_axis(axis);
  if (a == rank() - 1) return *this;
  std::vector<std::int64_t> perm;
  for (std::int64_t i = 0; i < rank(); ++i) {
    if (i != a) perm.push_back(i);
  }
  perm.push_back(a);
  return permute(*this, perm);
}

Tensor Tensor::move_last_axis_to(std::int64_t axis) const {
  const std::int64_t a = normalize_axis(axis);
  if (a == rank() - 1) return *this;
  std::vector<std::int64_t> perm;
  for (std::int64_t i = 0; i < rank() - 1; ++i) {
    if (i == a) perm.push_back(rank() - 1);
    perm.push_back(i);
  }
  return permute(*this, perm);
}

Tensor Tensor::map(const std::function<float(float)>& f) const {
  Tensor out(shape_);
  for (std::size_t i = 0; i < data_.size(); ++i) out.data_[i] = f(data_[i]);
  return out;
}

Tensor Tensor::exp() const { return unary(*this, [](auto a) { return a.exp(); }); }
Tensor Tensor::log() const { return unary(*this, [](auto a) { return a.log(); }); }
Tensor Tensor::abs() const { return unary(*this, [](auto a) { return a.abs(); }); }
Tensor Tensor::sqrt() const { return unary(*this, [](auto a) { return a.sqrt(); }); }
Tensor Tensor::square() const { return unary(*this, [](auto a) { return a.square(); }); }
Tensor Tensor::tanh() const { return unary(*this, [](auto a) { return a.tanh(); }); }
Tensor Tensor::operator-() const { return unary(*this, [](auto a) { return -a; }); }
Tensor Tensor::clip(float lo, float hi) const {
  return unary(*this, [lo, hi](auto a) { return a.max(lo).min(hi); });
}
Tensor Tensor::sigmoid() const {
  // Split by sign so that exp never overflows.
  return map([](float x) {
    if (x >= 0) return 1.0f / (1.0f + std::exp(-x));
    const float e = std::exp(x);
    return e / (1.0f + e);
  });
}

Tensor Tensor::sum(std::int64_t axis, bool keepdims) const {
  return reduce_axis(*this, axis, keepdims, 0.0f, [](const auto& m) { return m.colwise().sum(); });
}
Tensor Tensor::mean(std::int64_t axis, bool keepdims) const {
  return reduce_axis(*this, axis, keepdims, std::numeric_limits<float>::quiet_NaN(),
                     [](const auto& m) { return m.colwise().mean(); });
}
Tensor Tensor::max(std::int64_t axis, bool keepdims) const {
  if (dim(axis) == 0) throw ValueError("max over an empty axis");
  return reduce_axis(*this, axis, keepdims, 0.0f, [](const auto& m) { return m.colwise().maxCoeff(); });
}
Tensor Tensor::min(std::int64_t axis, bool keepdims) const {
  if (dim(axis) == 0) throw ValueError("min over an empty axis");
  return reduce_axis(*this, axis, keepdims, 0.0f, [](const auto& m) { return m.colwise().minCoeff(); });
}
float Tensor::sum() const { return as_array(*this).sum(); }
float Tensor::mean() const {
  return data_.empty() ? std::numeric_limits<float>::quiet_NaN() : as_array(*this).mean();
}
float Tensor::max() const {
  if (data_.empty()) throw ValueError("max of an empty tensor");
  return as_array(*this).maxCoeff();
}
float Tensor::min() const {
  if (data_.empty()) throw ValueError("min of an empty tensor");
  return as_array(*this).minCoeff();
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw ValueError("shapes " + shape_to_string(a) + " and " + shape_to_string(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

template <class Op>
Tensor broadcast_binary(const Tensor& a, const Tensor& b, Op&& op) {
  if (a.shape() == b.shape()) {
    Tensor out(a.shape());
    as_array(out) = op(as_array(a), as_array(b));
    return out;
  }
  if (b.size() == 1 && b.rank() <= a.rank()) {
    Tensor out(a.shape());
    as_array(out) = op(as_array(a), Eigen::ArrayXf::Constant(a.size(), b[0]));
    return out;
  }
  if (a.size() == 1 && a.rank() <= b.rank()) {
    Tensor out(b.shape());
    as_array(out) = op(Eigen::ArrayXf::Constant(b.size(), a[0]), as_array(b));
    return out;
  }
  // General case: expand both operands to the broadcast shape, then one array op.
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  const std::size_t rank = shape.size();
  auto expand = [&](const Tensor& t) {
    Eigen::ArrayXf out(shape_size(shape));
    std::vector<std::int64_t> strides(rank, 0);
    std::int64_t stride = 1;
    for (std::size_t i = t.shape().size(); i-- > 0;) {
      const std::size_t o = i + (rank - t.shape().size());
      strides[o] = t.shape()[i] == 1 ? 0 : stride;
      stride *= t.shape()[i];
    }
    std::vector<std::int64_t> index(rank, 0);
    for (std::int64_t flat = 0; flat < out.size(); ++flat) {
      std::int64_t src = 0;
      for (std::size_t i = 0; i < rank; ++i) src += index[i] * strides[i];
      out[flat] = t[src];
      for (std::size_t i = rank; i-- > 0;) {
        if (++index[i] < shape[i]) break;
        index[i] = 0;
      }
    }
    return out;
  };
  Tensor out(shape);
  if (out.size() > 0) as_array(out) = op(expand(a), expand(b));
  return out;
}

}  // namespace

Tensor binary(const Tensor& a, const Tensor& b, const std::function<float(float, float)>& f) {
  return broadcast_binary(a, b, [&](const auto& x, const auto& y) { return x.binaryExpr(y, f); });
}

Tensor operator+(const Tensor& a, const Tensor& b) {
  return broadcast_binary(a, b, [](const auto& x, const auto& y) { return x + y; });
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return broadcast_binary(a, b, [](const auto& x, const auto& y) { return x - y; });
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return broadcast_binary(a, b, [](const auto& x, const auto& y) { return x * y; });
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return broadcast_binary(a, b, [](const auto& x, const auto& y) { return x / y; });
}
Tensor maximum(const Tensor& a, const Tensor& b) {
  return broadcast_binary(a, b, [](const auto& x, const auto& y) { return x.max(y); });
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return broadcast_binary(a, b, [](const auto& x, const auto& y) { return x.min(y); });
}
Tensor operator+(const Tensor& a, float b) { return unary(a, [b](auto x) { return x + b; }); }
Tensor operator-(const Tensor& a, float b) { return unary(a, [b](auto x) { return x - b; }); }
Tensor operator*(const Tensor& a, float b) { return unary(a, [b](auto x) { return x * b; }); }
Tensor operator/(const Tensor& a, float b) { return unary(a, [b](auto x) { return x / b; }); }
Tensor operator+(float a, const Tensor& b) { return unary(b, [a](auto x) { return a + x; }); }
Tensor operator-(float a, const Tensor& b) { return unary(b, [a](auto x) { return a - x; }); }
Tensor operator*(float a, const Tensor& b) { return unary(b, [a](auto x) { return a * x; }); }
Tensor operator/(float a, const Tensor& b) { return unary(b, [a](auto x) { return a / x; }); }
Tensor maximum(const Tensor& a, float b) { return unary(a, [b](auto x) { return x.max(b); }); }
Tensor minimum(const Tensor& a, float b) { return unary(a, [b](auto x) { return x.min(b); }); }

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.rank() < 2 || b.rank() < 2) {
    throw ValueError("matmul needs tensors of rank >= 2, got " + shape_to_string(a.shape()) + " and " +
                     shape_to_string(b.shape()));
  }
  const std::int64_t m = a.dim(-2), k = a.dim(-1), k2 = b.dim(-2), n = b.dim(-1);
  if (k != k2) {
    throw ValueError("matmul: shapes " + shape_to_string(a.shape()) + " and " + shape_to_string(b.shape()) +
                     " are not aligned");
  }
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  if (!batch_b.empty() && batch_a != batch_b) {
    throw NotSupportedError("matmul with broadcast batch dimensions " + shape_to_string(batch_a) + " and " +
                            shape_to_string(batch_b));
  }
  Shape out_shape = batch_a;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out(out_shape);
  const std::int64_t batches = shape_size(batch_a);
  for (std::int64_t i = 0; i < batches; ++i) {
    ConstRowMatrixMap ma(a.data() + i * m * k, m, k);
    ConstRowMatrixMap mb(b.data() + (batch_b.empty() ? 0 : i * k * n), k, n);
    RowMatrixMap mo(out.data() + i * m * n, m, n);
    mo.noalias() = ma * mb;
  }
  return out;
}

bool allclose(const Tensor& a, const Tensor& b, float rtol, float atol) {
  if (a.shape() != b.shape()) return false;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const float x = a[i], y = b[i];
    if (std::isnan(x) || std::isnan(y)) {
      if (!(std::isnan(x) && std::isnan(y))) return false;
      continue;
    }
    if (std::isinf(x) || std::isinf(y)) {
      if (x != y) return false;
      continue;
    }
    if (std::fabs(x - y) > atol + rtol * std::fabs(y)) return false;
  }
  return true;
}

}  // namespace kplug
