#include "ops/onednn.hpp"

#include "kplug/errors.hpp"

#include <string>

namespace kplug::ops::detail {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::memory::desc row_major(std::int64_t rows, std::int64_t cols, dt type) { return {{rows, cols}, type, tag::ab}; }

// A oneDNN failure is a bug or an exhausted resource, never bad user input: it surfaces as
// kplug::Error naming the primitive and oneDNN's status.
[[noreturn]] void rethrow(const dnnl::error& e, const char* what) {
  throw Error(std::string("oneDNN ") + what + " failed: " + e.what() + " (status " +
              std::to_string(static_cast<int>(e.status)) + ")");
}

}  // namespace

const dnnl::engine& cpu_engine() {
  // A device handle, not model state: one per process, as oneDNN's own examples keep it.
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

void matmul_s8s8s32(const std::int8_t* a, const std::int8_t* b, std::int32_t* out, std::int64_t m, std::int64_t k,
                    std::int64_t n) {
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
