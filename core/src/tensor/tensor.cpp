#include "kplug/tensor.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops.hpp"
#include "ops/dispatch.hpp"
#include "tensor/buffer_pool.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>

namespace kplug {
namespace {

struct AlignedDelete {
  void operator()(std::byte* p) const noexcept { ::operator delete[](p, std::align_val_t{Tensor::kAlignment}); }
};

std::shared_ptr<std::byte[]> allocate(std::size_t bytes) {
  // Round up so that whole SIMD packets past the end stay inside the allocation.
  const std::size_t rounded =
      (std::max<std::size_t>(bytes, 1) + Tensor::kAlignment - 1) / Tensor::kAlignment * Tensor::kAlignment;
  // Inside a predict: a recycled block (tensor/buffer_pool.hpp).
  if (auto* pool = detail::BufferPool::current()) return pool->allocate(rounded);
  auto* p = static_cast<std::byte*>(::operator new[](rounded, std::align_val_t{Tensor::kAlignment}));
  return std::shared_ptr<std::byte[]>(p, AlignedDelete{});
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
    if (__builtin_mul_overflow(n, d, &n)) {  // no division per dim: this runs for every tensor
      throw ValueError("shape " + shape_to_string(shape) + " has too many elements");
    }
  }
  return n;
}

Tensor::Tensor(Shape shape, DType dtype, Raw) : shape_(std::move(shape)), size_(shape_size(shape_)), dtype_(dtype) {
  const std::size_t width = dtype_size(dtype);
  if (static_cast<std::uint64_t>(size_) > std::numeric_limits<std::size_t>::max() / width) {
    throw ValueError("tensor of shape " + shape_to_string(shape_) + " is too large");
  }
  buffer_ = allocate(static_cast<std::size_t>(size_) * width);
}

Tensor::Tensor() : Tensor(Shape{}, DType::float32, Raw{}) { data()[0] = 0.0f; }

Tensor::Tensor(Shape shape, float fill) : Tensor(std::move(shape), DType::float32, Raw{}) {
  std::fill_n(data(), size_, fill);
}

Tensor::Tensor(Shape shape, DType dtype) : Tensor(std::move(shape), dtype, Raw{}) {
  std::memset(buffer_.get(), 0, nbytes());  // zero bits are 0 for every dtype
}

Tensor::Tensor(Shape shape, std::vector<float> values) : Tensor(std::move(shape), DType::float32, Raw{}) {
  check_count(shape_, values.size());
  std::memcpy(buffer_.get(), values.data(), values.size() * sizeof(float));
}

void Tensor::check_count(const Shape& shape, std::size_t count) {
  if (static_cast<std::int64_t>(count) != shape_size(shape)) {
    throw ValueError("tensor of shape " + shape_to_string(shape) + " needs " + std::to_string(shape_size(shape)) +
                     " values, got " + std::to_string(count));
  }
}

Tensor Tensor::empty(Shape shape, DType dtype) { return Tensor(std::move(shape), dtype, Raw{}); }

Tensor Tensor::adopt(std::shared_ptr<void> owner, std::byte* data, Shape shape, DType dtype) {
  if (!owner || reinterpret_cast<std::uintptr_t>(data) % kAlignment != 0) {
    throw ValueError("Tensor::adopt needs an owner and a " + std::to_string(kAlignment) + "-byte aligned pointer");
  }
  Tensor out;
  out.shape_ = std::move(shape);
  out.size_ = shape_size(out.shape_);
  out.dtype_ = dtype;
  out.buffer_ = std::shared_ptr<std::byte[]>(std::move(owner), data);
  return out;
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

void Tensor::require_dtype(DType expected) const {
  if (dtype_ != expected) {
    throw ValueError("tensor of dtype " + std::string(dtype_name(dtype_)) + " accessed as " +
                     std::string(dtype_name(expected)) + " (use astype)");
  }
}

void Tensor::detach_if_shared() {
  if (buffer_.use_count() <= 1) return;
  auto fresh = allocate(nbytes());
  std::memcpy(fresh.get(), buffer_.get() + offset_, nbytes());
  buffer_ = std::move(fresh);
  offset_ = 0;
}

float* Tensor::data() { return data_as<float>(); }
const float* Tensor::data() const { return data_as<float>(); }

Tensor Tensor::clone() const {
  Tensor out(shape_, dtype_, Raw{});
  std::memcpy(out.buffer_.get(), bytes(), nbytes());
  return out;
}

Tensor Tensor::astype(DType dtype) const { return ops::cast(*this, dtype); }

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
  if (size_ != 1) throw ValueError("item() of a tensor with " + std::to_string(size_) + " elements");
  return data()[0];
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

float& Tensor::at(std::initializer_list<std::int64_t> index) { return data()[flat_index(index)]; }
float Tensor::at(std::initializer_list<std::int64_t> index) const { return data()[flat_index(index)]; }

Tensor Tensor::view(Shape shape) const {
  Tensor out = *this;
  out.shape_ = std::move(shape);
  return out;
}

Tensor Tensor::reshape(Shape shape) const {
  std::int64_t known = 1;
  int unknown = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0) throw ValueError("reshape: more than one -1 in " + shape_to_string(shape));
      unknown = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw ValueError("cannot reshape " + shape_to_string(shape_) + " into " + shape_to_string(shape));
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
  return view(std::move(shape));
}

Tensor Tensor::flatten() const { return view(Shape{size_}); }

Tensor Tensor::expand_dims(std::int64_t axis) const {
  const std::int64_t r = rank() + 1;
  const std::int64_t a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) {
    throw ValueError("expand_dims: axis " + std::to_string(axis) + " is out of range for shape " +
                     shape_to_string(shape_));
  }
  Shape s = shape_;
  s.insert(s.begin() + a, 1);
  return view(std::move(s));
}

Tensor Tensor::squeeze() const {
  Shape s;
  for (std::int64_t d : shape_) {
    if (d != 1) s.push_back(d);
  }
  return view(std::move(s));
}

Tensor Tensor::squeeze(std::int64_t axis) const {
  const std::int64_t a = normalize_axis(axis);
  if (shape_[static_cast<std::size_t>(a)] != 1) {
    throw ValueError("squeeze: axis " + std::to_string(axis) + " of shape " + shape_to_string(shape_) +
                     " does not have length 1");
  }
  Shape s = shape_;
  s.erase(s.begin() + a);
  return view(std::move(s));
}

Tensor Tensor::slice_rows(std::int64_t start, std::int64_t stop) const {
  if (rank() == 0) throw ValueError("slice_rows of a scalar");
  if (start < 0 || stop < start || stop > shape_[0]) {
    throw ValueError("slice_rows [" + std::to_string(start) + ", " + std::to_string(stop) +
                     ") out of range for shape " + shape_to_string(shape_));
  }
  Shape s = shape_;
  s[0] = stop - start;
  Tensor out = view(std::move(s));
  out.size_ = shape_size(out.shape_);
  out.offset_ += static_cast<std::size_t>(start * (shape_[0] ? size_ / shape_[0] : 0)) * dtype_size(dtype_);
  return out;
}

Tensor Tensor::transpose() const { return ops::transpose(*this); }

Tensor Tensor::move_axis_to_last(std::int64_t axis) const {
  const std::int64_t a = normalize_axis(axis);
  if (a == rank() - 1) return *this;
  return ops::moveaxis(*this, a, -1);
}

Tensor Tensor::move_last_axis_to(std::int64_t axis) const {
  const std::int64_t a = normalize_axis(axis);
  if (a == rank() - 1) return *this;
  return ops::moveaxis(*this, -1, a);
}

Tensor Tensor::exp() const { return ops::exp(*this); }
Tensor Tensor::log() const { return ops::log(*this); }
Tensor Tensor::abs() const { return ops::abs(*this); }
Tensor Tensor::sqrt() const { return ops::sqrt(*this); }
Tensor Tensor::square() const { return ops::square(*this); }
Tensor Tensor::tanh() const { return ops::tanh(*this); }
Tensor Tensor::sigmoid() const { return ops::sigmoid(*this); }
Tensor Tensor::clip(float lo, float hi) const { return ops::clip(*this, lo, hi); }
Tensor Tensor::operator-() const { return ops::negative(*this); }

Tensor Tensor::sum(std::int64_t axis, bool keepdims) const { return ops::sum(*this, axis, keepdims); }
Tensor Tensor::mean(std::int64_t axis, bool keepdims) const { return ops::mean(*this, axis, keepdims); }
Tensor Tensor::max(std::int64_t axis, bool keepdims) const { return ops::max(*this, axis, keepdims); }
Tensor Tensor::min(std::int64_t axis, bool keepdims) const { return ops::min(*this, axis, keepdims); }
float Tensor::sum() const { return ops::detail::as_array(*this).sum(); }
float Tensor::mean() const {
  return size_ == 0 ? std::numeric_limits<float>::quiet_NaN() : ops::detail::as_array(*this).mean();
}
float Tensor::max() const {
  if (size_ == 0) throw ValueError("max of an empty tensor");
  return ops::detail::as_array(*this).maxCoeff();
}
float Tensor::min() const {
  if (size_ == 0) throw ValueError("min of an empty tensor");
  return ops::detail::as_array(*this).minCoeff();
}

bool Tensor::operator==(const Tensor& other) const {
  if (dtype_ != other.dtype_ || shape_ != other.shape_) return false;
  return ops::detail::visit_dtype(dtype_, [&](auto tag) {
    using T = decltype(tag);
    const T* a = data_as<T>();
    const T* b = other.data_as<T>();
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      // Compare as floats so that NaN != NaN and -0 == 0, as for the other float dtypes.
      const Tensor fa = ops::cast(*this, DType::float32), fb = ops::cast(other, DType::float32);
      return fa == fb;
    } else {
      return std::equal(a, a + size_, b);
    }
  });
}

Shape broadcast_shapes(const Shape& a, const Shape& b) { return ops::broadcast_shapes(a, b); }
Tensor operator+(const Tensor& a, const Tensor& b) { return ops::add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return ops::subtract(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return ops::multiply(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return ops::divide(a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return ops::maximum(a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return ops::minimum(a, b); }
Tensor operator+(const Tensor& a, float b) { return ops::add(a, b); }
Tensor operator-(const Tensor& a, float b) { return ops::add(a, -b); }
Tensor operator*(const Tensor& a, float b) { return ops::multiply(a, b); }
Tensor operator/(const Tensor& a, float b) {
  return ops::map(a, [b](float x) { return x / b; });
}
Tensor operator+(float a, const Tensor& b) { return ops::add(b, a); }
Tensor operator-(float a, const Tensor& b) { return ops::affine(b, -1.0f, a); }
Tensor operator*(float a, const Tensor& b) { return ops::multiply(b, a); }
Tensor operator/(float a, const Tensor& b) {
  return ops::map(b, [a](float x) { return a / x; });
}
// NaN propagates, as numpy's maximum/minimum.
Tensor maximum(const Tensor& a, float b) {
  return ops::map(a, [b](float x) { return x < b ? b : x; });
}
Tensor minimum(const Tensor& a, float b) {
  return ops::map(a, [b](float x) { return x > b ? b : x; });
}

bool allclose(const Tensor& a, const Tensor& b, float rtol, float atol) {
  if (a.shape() != b.shape()) return false;
  const float* pa = a.data();
  const float* pb = b.data();
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const float x = pa[i], y = pb[i];
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
