// Matrix products through Eigen's GEMM, and the thread count kplug's ops may use.
#pragma once

#include "kplug/tensor.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// numpy's matmul: 1-D operands are promoted (and the added axis removed), batch axes
// broadcast; ValueError when the inner dimensions or the batch axes do not match.
Tensor matmul(const Tensor& a, const Tensor& b);
void matmul(const Tensor& a, const Tensor& b, Tensor& out);
// a @ b with either operand transposed in its last two axes (no copy of the operand).
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b);

// Threads Eigen's GEMM may use (1 = single-threaded; only effective in an OpenMP build
// of Eigen, otherwise GEMM stays single-threaded). Returns the previous value.
int set_num_threads(int threads);
int num_threads() noexcept;

}  // namespace kplug::ops
#pragma GCC visibility pop
