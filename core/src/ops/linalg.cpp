#include "kplug/ops/linalg.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/kernels.hpp"
#include "ops/dispatch.hpp"
#include "ops/onednn.hpp"

#include <Eigen/Core>

namespace kplug::ops {
namespace {

struct Operand {
  Tensor t;
  Shape batch;
  std::int64_t rows = 0, cols = 0;  // of the stored matrix (before any transpose)
};

Operand operand(const Tensor& t, bool is_left) {
  Operand o;
  o.t = t;
  if (t.rank() == 0) throw ValueError("matmul: scalar operands are not allowed (use multiply)");
  if (t.rank() == 1) {  // numpy: (k,) is (1, k) on the left and (k, 1) on the right
    o.rows = is_left ? 1 : t.dim(0);
    o.cols = is_left ? t.dim(0) : 1;
    return o;
  }
  o.batch = Shape(t.shape().begin(), t.shape().end() - 2);
  o.rows = t.dim(-2);
  o.cols = t.dim(-1);
  return o;
}

// Products up to this many multiply-adds run on Eigen: oneDNN's sgemm allocates a packing
// buffer at every call and costs microseconds to dispatch, more than such a product takes
// (the recurrent layers' steps, small Dense layers); Eigen's stays on the stack.
constexpr std::int64_t kSmallGemm = 32 * 32 * 32;

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class A, class B>
void eigen_product(const A& a, const B& b, float* out) {
  Eigen::Map<RowMatrix>(out, a.rows(), b.cols()).noalias() = a * b;
}

// out[m, n] = op(a) * op(b); a stored ar x ac, b stored with bc columns.
void gemm(const float* a, std::int64_t ar, std::int64_t ac, bool ta, const float* b, std::int64_t bc, bool tb,
          float* out, std::int64_t m, std::int64_t n) {
  const std::int64_t k = ta ? ar : ac;
  if (m * n * k > kSmallGemm) return detail::sgemm(ta, tb, m, n, k, a, ac, b, bc, out, n);
  const Eigen::Map<const RowMatrix> ma(a, ar, ac), mb(b, tb ? n : k, bc);
  if (ta && tb) return eigen_product(ma.transpose(), mb.transpose(), out);
  if (ta) return eigen_product(ma.transpose(), mb, out);
  if (tb) return eigen_product(ma, mb.transpose(), out);
  eigen_product(ma, mb, out);
}

void matmul_impl(const Tensor& a_in, const Tensor& b_in, bool ta, bool tb, Tensor& out) {
  const Operand a = operand(a_in, true), b = operand(b_in, false);
  const std::int64_t m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols;
  const std::int64_t k2 = tb ? b.cols : b.rows, n = tb ? b.rows : b.cols;
  if (k != k2) {
    throw ValueError("matmul: shapes " + shape_to_string(a_in.shape()) + " and " + shape_to_string(b_in.shape()) +
                     " are not aligned (" + std::to_string(k) + " vs " + std::to_string(k2) + ")");
  }
  Shape batch;
  try {
    batch = ops::broadcast_shapes(a.batch, b.batch);
  } catch (const ValueError&) {
    throw ValueError("matmul: batch shapes " + shape_to_string(a.batch) + " and " + shape_to_string(b.batch) +
                     " do not broadcast (operands " + shape_to_string(a_in.shape()) + " and " +
                     shape_to_string(b_in.shape()) + ")");
  }
  Shape out_shape = batch;
  if (a_in.rank() > 1) out_shape.push_back(m);
  if (b_in.rank() > 1) out_shape.push_back(n);
  if (!detail::fits(out, out_shape) || &out == &a_in || &out == &b_in) out = Tensor::empty(out_shape);
  float* po = out.data();
  const float* pa = a.t.data();
  const float* pb = b.t.data();
  if (out.size() == 0) return;
  if (k == 0) {
    std::fill_n(po, out.size(), 0.0f);
    return;
  }
  const std::int64_t batches = shape_size(batch);
  const std::int64_t a_mat = a.rows * a.cols, b_mat = b.rows * b.cols;
  // A shared right operand and a plain left one: the batch folds into the rows, one GEMM.
  if (b.batch.empty() && !ta && batches > 0) {
    gemm(pa, batches * a.rows, a.cols, false, pb, b.cols, tb, po, batches * m, n);
    return;
  }
  // Offsets of each batch entry in a and b, broadcasting by strides (one plan, no copies).
  const detail::BroadcastPlan plan = detail::plan_broadcast(a.batch, b.batch);
  std::vector<std::int64_t> offs_a(static_cast<std::size_t>(batches)), offs_b(static_cast<std::size_t>(batches));
  {
    std::int64_t cursor = 0;
    const std::size_t r = plan.dims.size();
    Shape index(r, 0);
    for (std::int64_t flat = 0; flat < batches; ++flat) {
      std::int64_t oa = 0, ob = 0;
      for (std::size_t d = 0; d < r; ++d) {
        oa += index[d] * plan.stride_a[d];
        ob += index[d] * plan.stride_b[d];
      }
      offs_a[static_cast<std::size_t>(cursor)] = oa;
      offs_b[static_cast<std::size_t>(cursor)] = ob;
      ++cursor;
      for (std::size_t d = r; d-- > 0;) {
        if (++index[d] < plan.dims[d]) break;
        index[d] = 0;
      }
    }
  }
  for (std::int64_t i = 0; i < batches; ++i) {
    gemm(pa + offs_a[static_cast<std::size_t>(i)] * a_mat, a.rows, a.cols, ta,
         pb + offs_b[static_cast<std::size_t>(i)] * b_mat, b.cols, tb, po + i * m * n, m, n);
  }
}

}  // namespace

void kernels::gemm(const float* a, const float* b, float* c, std::int64_t m, std::int64_t k, std::int64_t n) {
  ops::gemm(a, m, k, false, b, n, false, c, m, n);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  Tensor out = Tensor::empty(Shape{0});
  matmul_impl(a, b, false, false, out);
  return out;
}

void matmul(const Tensor& a, const Tensor& b, Tensor& out) { matmul_impl(a, b, false, false, out); }

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  if ((transpose_a && a.rank() < 2) || (transpose_b && b.rank() < 2)) {
    throw ValueError("matmul: a transposed operand needs rank >= 2");
  }
  Tensor out = Tensor::empty(Shape{0});
  matmul_impl(a, b, transpose_a, transpose_b, out);
  return out;
}

int set_num_threads(int threads) {
  if (threads < 1) throw ValueError("set_num_threads: need at least 1 thread, got " + std::to_string(threads));
  const int previous = Eigen::nbThreads();
  Eigen::setNbThreads(threads);
  return previous;
}

int num_threads() noexcept { return Eigen::nbThreads(); }

}  // namespace kplug::ops
