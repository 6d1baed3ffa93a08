#include "ops/onednn.hpp"

#include "kplug/errors.hpp"
#include "kplug/threading.hpp"

#include <string>

namespace kplug::ops::detail {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::memory::desc row_major(std::int64_t rows, std::int64_t cols, dt type) { return {{rows, cols}, type, tag::ab}; }

}  // namespace

void rethrow(const dnnl::error& e, const char* what) {
  throw Error(std::string("oneDNN ") + what + " failed: " + e.what() + " (status " +
              std::to_string(static_cast<int>(e.status)) + ")");
}

// libgomp's entry point (oneDNN's threading runtime here), declared rather than included: clang
// builds have no omp.h without libomp-dev, and kplug compiles nothing with -fopenmp.
extern "C" void omp_set_num_threads(int threads);

void prepare_kernel_call() {
  apply_isa_from_environment();
  omp_set_num_threads(kplug::get_num_threads());
}

const dnnl::engine& cpu_engine() {
  apply_isa_from_environment();
  // A device handle, not model state: one per process, as oneDNN's own examples keep it.
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

void sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t lda,
           const float* b, std::int64_t ldb, float* c, std::int64_t ldc) {
  prepare_kernel_call();
  const dnnl_status_t status = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  if (status != dnnl_success) {
    throw Error("oneDNN sgemm failed (status " + std::to_string(static_cast<int>(status)) + ") for " +
                std::to_string(m) + "x" + std::to_string(k) + " times " + std::to_string(k) + "x" + std::to_string(n));
  }
}

bool int8_matmul_is_exact() {
  apply_isa_from_environment();
  const auto isa = static_cast<unsigned>(dnnl_get_effective_cpu_isa());
  constexpr unsigned avx512_vnni_bit = dnnl_cpu_isa_avx512_core_vnni & ~dnnl_cpu_isa_avx512_core;
  constexpr unsigned avx2_vnni_bit = dnnl_cpu_isa_avx2_vnni & ~dnnl_cpu_isa_avx2;
  return (isa & (avx512_vnni_bit | avx2_vnni_bit)) != 0;
}

void matmul_s8s8s32(const std::int8_t* a, const std::int8_t* b, std::int32_t* out, std::int64_t m, std::int64_t k,
                    std::int64_t n) {
  prepare_kernel_call();
  try {
    const dnnl::engine& engine = cpu_engine();
    const auto a_md = row_major(m, k, dt::s8), b_md = row_major(k, n, dt::s8), c_md = row_major(m, n, dt::s32);
    const dnnl::matmul matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), engine));
    dnnl::stream stream(engine);
    matmul.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(a_md, engine, const_cast<std::int8_t*>(a))},
                            {DNNL_ARG_WEIGHTS, dnnl::memory(b_md, engine, const_cast<std::int8_t*>(b))},
                            {DNNL_ARG_DST, dnnl::memory(c_md, engine, out)}});
    stream.wait();
  } catch (const dnnl::error& e) {
    rethrow(e, "int8 matmul");
  }
}

}  // namespace kplug::ops::detail
