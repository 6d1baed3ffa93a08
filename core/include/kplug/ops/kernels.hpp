// The ops on raw storage that execution plans' steps run (kplug/layers/inference_step.hpp):
// each writes into memory its caller owns and allocates nothing. Tensors' ops elsewhere in
// kplug/ops share these kernels, so a step computes what the layer's call computes.
#pragma once

#include "kplug/dtype.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/shape.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

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
// out = s - x element-wise over n values; `out` may be `x`.
void subtract_from(float s, const float* x, float* out, std::int64_t n);
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
}  // namespace kplug::ops::kernels
#pragma GCC visibility pop
