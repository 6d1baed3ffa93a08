// kplug's bridge to oneDNN (libdnnl): the CPU engine and the primitives the ops layer runs
// through it. oneDNN picks its kernels at run time for the CPU at hand (AVX-512 VNNI, AVX2,
// SSE4.1) and keeps created primitives in its own cache, so a repeated shape costs a lookup.
#pragma once

#include <dnnl.hpp>

#include <cstdint>

namespace kplug::ops::detail {

// Applies KPLUG_ISA (kplug/isa.hpp) once, before the first kernel.
void apply_isa_from_environment();

// Before a kernel runs on this thread: KPLUG_ISA applied, and the OpenMP threads it may use set
// to kplug::get_num_threads() (libgomp's count is per calling thread). Every entry point below
// calls it first.
void prepare_kernel_call();

// A oneDNN failure is a bug or an exhausted resource, never bad user input: it surfaces as
// kplug::Error naming the primitive (`what`) and oneDNN's status.
[[noreturn]] void rethrow(const dnnl::error& e, const char* what);

// The process's oneDNN CPU engine: a handle to the device, created on first use.
const dnnl::engine& cpu_engine();

// c[m, n] = op(a) * op(b), float32, row-major with leading dimensions lda, ldb, ldc (op:
// transposed when ta / tb). oneDNN's JIT sgemm.
void sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t lda,
           const float* b, std::int64_t ldb, float* c, std::int64_t ldc);

// Whether matmul_s8s8s32 is exact on this CPU: only with VNNI (AVX-512 or AVX2 VNNI).
// Without it oneDNN multiplies int8 through 16-bit pair sums that saturate.
bool int8_matmul_is_exact();

// out[m, n] = a[m, k] * b[k, n]: int8 operands, int32 sums (exact, as Keras's int8 matmul),
// every matrix dense and row-major.
void matmul_s8s8s32(const std::int8_t* a, const std::int8_t* b, std::int32_t* out, std::int64_t m, std::int64_t k,
                    std::int64_t n);

}  // namespace kplug::ops::detail
