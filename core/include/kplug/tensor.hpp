// A float32 N-d tensor: a shape and a contiguous row-major buffer. Element-wise
// maths, broadcasting and reductions run on Eigen (see core/src/tensor/).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

using Shape = std::vector<std::int64_t>;

std::string shape_to_string(const Shape& shape);
// Number of elements of a shape; throws ValueError on negative dims or overflow.
std::int64_t shape_size(const Shape& shape);

class Tensor {
 public:
  Tensor();  // a scalar 0
  explicit Tensor(Shape shape, float fill = 0.0f);
  Tensor(Shape shape, std::vector<float> values);
  static Tensor scalar(float v);
  // A 1-D or 2-D tensor from nested braces: Tensor::matrix({{1, 2}, {3, 4}}).
  static Tensor vector(std::initializer_list<float> values);
  static Tensor matrix(std::initializer_list<std::initializer_list<float>> rows);

  const Shape& shape() const noexcept { return shape_; }
  std::int64_t rank() const noexcept { return static_cast<std::int64_t>(shape_.size()); }
  std::int64_t size() const noexcept { return static_cast<std::int64_t>(data_.size()); }
  // Length of an axis; negative axes count from the end. Throws ValueError if out of range.
  std::int64_t dim(std::int64_t axis) const;
  // Normalises a possibly negative axis for this rank; throws ValueError if out of range.
  std::int64_t normalize_axis(std::int64_t axis) const;

  float* data() noexcept { return data_.data(); }
  const float* data() const noexcept { return data_.data(); }
  std::span<float> values() noexcept { return data_; }
  std::span<const float> values() const noexcept { return data_; }
  float item() const;  // the value of a one-element tensor
  float& operator[](std::int64_t flat_index) { return data_[static_cast<std::size_t>(flat_index)]; }
  float operator[](std::int64_t flat_index) const { return data_[static_cast<std::size_t>(flat_index)]; }
  float& at(std::initializer_list<std::int64_t> index);
  float at(std::initializer_list<std::int64_t> index) const;

  Tensor reshape(Shape shape) const;  // one dim may be -1
  Tensor transpose() const;           // 2-D only
  // Moves `axis` to the last position (used by ops defined on the last axis).
  Tensor move_axis_to_last(std::int64_t axis) const;
  Tensor move_last_axis_to(std::int64_t axis) const;

  // Element-wise maps (Eigen array expressions).
  Tensor map(const std::function<float(float)>& f) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor abs() const;
  Tensor sqrt() const;
  Tensor square() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor clip(float lo, float hi) const;
  Tensor operator-() const;

  // Reductions over one axis (keepdims keeps it with length 1) or over all elements.
  Tensor sum(std::int64_t axis, bool keepdims = false) const;
  Tensor mean(std::int64_t axis, bool keepdims = false) const;
  Tensor max(std::int64_t axis, bool keepdims = false) const;
  Tensor min(std::int64_t axis, bool keepdims = false) const;
  float sum() const;
  float mean() const;  // NaN for an empty tensor, as numpy
  float max() const;
  float min() const;

  bool operator==(const Tensor& other) const = default;

 private:
  std::int64_t flat_index(std::initializer_list<std::int64_t> index) const;

  Shape shape_;
  std::vector<float> data_;
};

// Numpy-style broadcasting binary operations.
Shape broadcast_shapes(const Shape& a, const Shape& b);
Tensor binary(const Tensor& a, const Tensor& b, const std::function<float(float, float)>& f);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator/(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(float a, const Tensor& b);
Tensor operator/(float a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, float b);
Tensor minimum(const Tensor& a, float b);

// Matrix product of 2-D tensors, or of batches of them over the last two axes (Eigen GEMM).
Tensor matmul(const Tensor& a, const Tensor& b);

// True when shapes match and every element is within atol + rtol * |b|.
bool allclose(const Tensor& a, const Tensor& b, float rtol = 1e-5f, float atol = 1e-6f);

}  // namespace kplug
#pragma GCC visibility pop
