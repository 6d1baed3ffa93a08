// The ops on raw storage that execution plans' steps run (kplug/layers/inference_step.hpp):
// each writes into memory its caller owns and allocates nothing. Tensors' ops elsewhere in
// kplug/ops share these kernels, so a step computes what the layer's call computes.
#pragma once

#include "kplug/dtype.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/pooling.hpp"
#include "kplug/shape.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops::kernels {

// c[m, n] = a[m, k] * b[k, n], row-major. `c` overlaps neither operand.
void gemm(const float* a, const float* b, float* c, std::int64_t m, std::int64_t k, std::int64_t n);
// x[r, :] += row for each of `rows` rows of `cols`.
void add_row(float* x, const float* row, std::int64_t rows, std::int64_t cols);
// out = op(x) element-wise over n values; `out` may be `x`.
void unary(const float* x, float* out, std::int64_t n, UnaryOp op);
// out = a + b element-wise over n values; `out` may be `a` or `b`.
void add(const float* a, const float* b, float* out, std::int64_t n);
// out = a * b element-wise over n values; `out` may be `a` or `b`.
void multiply(const float* a, const float* b, float* out, std::int64_t n);
// The binary ops kernels::binary runs, each as ops::add, ops::subtract... compute it.
enum class BinaryOp { add, subtract, multiply, divide, maximum, minimum };
// out = a op b with numpy broadcasting along `plan` (ops::detail::plan_broadcast of a's and b's
// shapes, made once; no allocation for plans of rank 8 or less). `out` may be `a` when a has
// the broadcast shape.
void binary(const float* a, const float* b, float* out, const detail::BroadcastPlan& plan, BinaryOp op);
// out = x / s element-wise over n values (Tensor / float); `out` may be `x`.
void divide(const float* x, float s, float* out, std::int64_t n);
// out = s - x element-wise over n values; `out` may be `x`.
void subtract_from(float s, const float* x, float* out, std::int64_t n);
// Keras's relu(x, negative_slope, max_value, threshold) element-wise over n values (plain relu
// through unary's vectorised kernel); `out` may be `x`.
void relu(const float* x, float* out, std::int64_t n, float negative_slope, std::optional<float> max_value,
          float threshold);
// The rows x cols block at `src` (rows `src_stride` values apart) into contiguous `dst`.
void copy_block(const float* src, std::int64_t rows, std::int64_t cols, std::int64_t src_stride, float* dst);
// out[i] = table row ids[i] for n integer ids of `ids_dtype` (rows of row_bytes bytes);
// an id outside [0, rows) -> ValueError naming `what`, the id and its position.
void take_rows(const std::byte* table, std::int64_t rows, std::size_t row_bytes, const std::byte* ids, DType ids_dtype,
               std::int64_t n, std::byte* out, std::string_view what);
// Keras's LayerNormalization over the last axis of a rows x cols matrix: with E[x^2] - E[x]^2
// as the variance, then x * inv + (beta - mean * inv), inv = gamma / sqrt(variance + epsilon).
// gamma and beta (cols values) may be null.
void layer_norm_rows(const float* x, float* out, std::int64_t rows, std::int64_t cols, float epsilon,
                     const float* gamma, const float* beta);
// out[r, c] = x[r, c] * scale[c] + shift[c] for rows x cols (an inference batch normalization
// along the last axis); `out` may be `x`.
void scale_shift_rows(const float* x, float* out, std::int64_t rows, std::int64_t cols, const float* scale,
                      const float* shift);
// ops::pool3d of channels-last x (batch, depth, height, width, channels) into `out`
// (pool3d_output_shape values).
void pool3d(const float* x, const Shape& x_shape, float* out, PoolMode mode, const Pool3DOptions& options);
// out[b, c] = the max or mean of x[b, p, c] over p, for x (batch, positions >= 1, channels):
// global pooling, channels last.
void global_pool(const float* x, std::int64_t batch, std::int64_t positions, std::int64_t channels, float* out,
                 PoolMode mode);
// ops::concatenate: for each of `outer` rows, chunk_bytes[i] bytes of inputs[i]'s row, in turn.
void concatenate(std::span<const std::byte* const> inputs, std::span<const std::size_t> chunk_bytes, std::int64_t outer,
                 std::byte* out);
// ops::pad: x (x_shape) into `out` with pads[i] = {before, after} values of `value` around axis i.
void pad(const float* x, const Shape& x_shape, std::span<const std::pair<std::int64_t, std::int64_t>> pads, float value,
         float* out);
// Softmax (log softmax with `log`) of each of `rows` rows of n values, as ops::softmax over the
// last axis; `out` may be `x`.
void softmax_rows(const float* x, float* out, std::int64_t rows, std::int64_t n, bool log);
// x (x_shape) without crops[i] = {before, after} values at the ends of axis i, into `out`.
void crop(const float* x, const Shape& x_shape, std::span<const std::pair<std::int64_t, std::int64_t>> crops,
          float* out);
// Nearest-neighbour upsampling: each value of x (x_shape) repeated factors[i] times along axis
// i (as ops::repeat along each axis in turn), into `out`.
void upsample_nearest(const float* x, const Shape& x_shape, const Shape& factors, float* out);
}  // namespace kplug::ops::kernels
#pragma GCC visibility pop
