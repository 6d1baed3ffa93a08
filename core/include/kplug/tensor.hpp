// An N-d tensor: a dtype, an inline shape, and a contiguous row-major view into a shared,
// 64-byte-aligned buffer. The maths lives in kplug/ops.hpp; the members below are the
// historical convenience API and forward to it.
//
// Mutation semantics (copy-on-write): a Tensor is a value. Copies and views (reshape,
// flatten, expand_dims, squeeze) are O(1) and share the buffer; the first write through a
// non-const accessor (data(), values(), data_as<T>(), operator[], at()) of a tensor whose
// buffer is shared first copies its own elements into a fresh buffer, so no other tensor
// ever sees the write. A pointer returned by a non-const accessor may be written until the
// tensor is next copied or viewed. `shares_buffer_with` tells whether two tensors share.
// clone() is an explicit deep copy. Not thread-safe for writes to one Tensor object.
#pragma once

#include "kplug/dtype.hpp"
#include "kplug/shape.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class Tensor {
 public:
  static constexpr std::size_t kAlignment = 64;

  Tensor();  // a float32 scalar 0
  explicit Tensor(Shape shape, float fill = 0.0f);
  Tensor(Shape shape, std::vector<float> values);
  // Zero-filled tensor of any dtype.
  Tensor(Shape shape, DType dtype);
  static Tensor scalar(float v);
  // A 1-D or 2-D tensor from nested braces: Tensor::matrix({{1, 2}, {3, 4}}).
  static Tensor vector(std::initializer_list<float> values);
  static Tensor matrix(std::initializer_list<std::initializer_list<float>> rows);
  // A tensor of T's dtype holding `values` (sizes must match).
  template <class T>
  static Tensor from_values(Shape shape, std::span<const T> values);
  // An uninitialised float32 tensor (for ops that overwrite every element).
  static Tensor empty(Shape shape, DType dtype = DType::float32);
  // A tensor over memory it does not allocate (a mapping filled by another process): no copy.
  // `owner` keeps `data` alive; `data` is 64-byte aligned and readable for nbytes() rounded
  // up to a multiple of 64. Tensors adopting memory of one owner share it (copy-on-write).
  static Tensor adopt(std::shared_ptr<void> owner, std::byte* data, Shape shape, DType dtype);

  const Shape& shape() const noexcept { return shape_; }
  DType dtype() const noexcept { return dtype_; }
  std::int64_t rank() const noexcept { return static_cast<std::int64_t>(shape_.size()); }
  std::int64_t size() const noexcept { return size_; }
  std::size_t nbytes() const noexcept { return static_cast<std::size_t>(size_) * dtype_size(dtype_); }
  // Length of an axis; negative axes count from the end. Throws ValueError if out of range.
  std::int64_t dim(std::int64_t axis) const;
  // Normalises a possibly negative axis for this rank; throws ValueError if out of range.
  std::int64_t normalize_axis(std::int64_t axis) const;

  // float32 element access (ValueError for another dtype). Non-const forms detach (see top).
  float* data();
  const float* data() const;
  std::span<float> values() { return {data(), static_cast<std::size_t>(size_)}; }
  std::span<const float> values() const { return {data(), static_cast<std::size_t>(size_)}; }
  float item() const;  // the value of a one-element float32 tensor
  float& operator[](std::int64_t flat_index) { return data()[flat_index]; }
  float operator[](std::int64_t flat_index) const { return data()[flat_index]; }
  float& at(std::initializer_list<std::int64_t> index);
  float at(std::initializer_list<std::int64_t> index) const;

  // Typed access (ValueError unless T is this tensor's dtype's storage type).
  template <class T>
  T* data_as();
  template <class T>
  const T* data_as() const;
  // Raw bytes of the elements (const: never detaches).
  const std::byte* bytes() const noexcept { return buffer_.get() + offset_; }
  std::byte* mutable_bytes() {
    detach_if_shared();
    return buffer_.get() + offset_;
  }

  // Buffer sharing.
  bool shares_buffer_with(const Tensor& other) const noexcept { return buffer_ == other.buffer_; }
  Tensor clone() const;              // deep copy with its own buffer
  Tensor astype(DType dtype) const;  // conversion (a clone if the dtype is the same); see ops::cast

  // O(1) views sharing the buffer.
  Tensor reshape(Shape shape) const;  // one dim may be -1
  Tensor flatten() const;
  Tensor expand_dims(std::int64_t axis) const;
  Tensor squeeze() const;                   // drops every length-1 axis
  Tensor squeeze(std::int64_t axis) const;  // ValueError unless that axis has length 1
  // Elements [start, stop) of the first axis: contiguous, so also an O(1) view.
  Tensor slice_rows(std::int64_t start, std::int64_t stop) const;

  Tensor transpose() const;  // reverses the axes (a copy; ops::permute)
  // Moves `axis` to the last position (used by ops defined on the last axis).
  Tensor move_axis_to_last(std::int64_t axis) const;
  Tensor move_last_axis_to(std::int64_t axis) const;

  // Element-wise map with a functor (inlined; float32 only).
  template <class F>
  Tensor map(F f) const;
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

  // Same dtype, same shape, equal elements (NaN != NaN for floats, as before).
  bool operator==(const Tensor& other) const;

 private:
  struct Raw {};
  Tensor(Shape shape, DType dtype, Raw);  // uninitialised
  std::int64_t flat_index(std::initializer_list<std::int64_t> index) const;
  void require_dtype(DType expected) const;
  static void check_count(const Shape& shape, std::size_t count);  // ValueError unless shape_size(shape) == count
  void detach_if_shared();
  Tensor view(Shape shape) const;

  std::shared_ptr<std::byte[]> buffer_;  // 64-byte aligned
  std::size_t offset_ = 0;               // in bytes
  Shape shape_;
  std::int64_t size_ = 1;
  DType dtype_ = DType::float32;
};

// ---- templates -------------------------------------------------------------------------

template <class T>
T* Tensor::data_as() {
  require_dtype(dtype_of<T>());
  return reinterpret_cast<T*>(mutable_bytes());
}

template <class T>
const T* Tensor::data_as() const {
  require_dtype(dtype_of<T>());
  return reinterpret_cast<const T*>(bytes());
}

template <class T>
Tensor Tensor::from_values(Shape shape, std::span<const T> values) {
  Tensor out(std::move(shape), dtype_of<T>());
  check_count(out.shape_, values.size());
  T* dst = out.data_as<T>();
  for (std::size_t i = 0; i < values.size(); ++i) dst[i] = values[i];
  return out;
}

template <class F>
Tensor Tensor::map(F f) const {
  const float* in = data();
  Tensor out(shape_, DType::float32, Raw{});
  float* dst = out.data();
  for (std::int64_t i = 0; i < size_; ++i) dst[i] = f(in[i]);
  return out;
}

// Numpy-style broadcasting binary operations (see ops/broadcast.hpp for the full set).
Shape broadcast_shapes(const Shape& a, const Shape& b);
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

// True when shapes match and every element is within atol + rtol * |b|.
bool allclose(const Tensor& a, const Tensor& b, float rtol = 1e-5f, float atol = 1e-6f);

}  // namespace kplug
#pragma GCC visibility pop

// `ops::binary(a, b, f)` (a broadcasting map with a functor) and the other broadcasting ops.
#include "kplug/ops/broadcast.hpp"
