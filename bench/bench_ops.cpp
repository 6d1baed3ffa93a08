// kplug::ops against plain Eigen on the same work (issue 6's performance targets).
#include "kplug/ops.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <cstring>
#include <random>
#include <vector>

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

kplug::Tensor random_tensor(const kplug::Shape& shape) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  kplug::Tensor t(shape);
  for (float& v : t.values()) v = dist(rng);
  return t;
}

constexpr std::int64_t kB = 32, kT = 128, kC = 768;

void BM_BiasAdd_Ops(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({kB, kT, kC}), bias = random_tensor({kC});
  kplug::Tensor out(kplug::Shape{kB, kT, kC});
  for (auto _ : state) {
    kplug::ops::add(x, bias, out);
    benchmark::DoNotOptimize(std::as_const(out).data());
  }
}
BENCHMARK(BM_BiasAdd_Ops)->Unit(benchmark::kMillisecond);

void BM_BiasAdd_Eigen(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({kB, kT, kC}), bias = random_tensor({kC});
  RowMatrix out(kB * kT, kC);
  const Eigen::Map<const RowMatrix> mx(x.data(), kB * kT, kC);
  const Eigen::Map<const Eigen::RowVectorXf> mb(bias.data(), kC);
  for (auto _ : state) {
    out.noalias() = mx.rowwise() + mb;
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_BiasAdd_Eigen)->Unit(benchmark::kMillisecond);

constexpr std::int64_t kRows = 3000, kCols = 1000;  // 3 M floats

void BM_Sigmoid_Ops(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({kRows * kCols});
  kplug::Tensor out(kplug::Shape{kRows * kCols});
  for (auto _ : state) {
    kplug::ops::unary(x, kplug::ops::UnaryOp::sigmoid, out);
    benchmark::DoNotOptimize(std::as_const(out).data());
  }
}
BENCHMARK(BM_Sigmoid_Ops)->Unit(benchmark::kMillisecond);

void BM_Sigmoid_Eigen(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({kRows * kCols});
  Eigen::ArrayXf out(kRows * kCols);
  const Eigen::Map<const Eigen::ArrayXf> mx(x.data(), kRows * kCols);
  for (auto _ : state) {
    out = 1.0f / (1.0f + (-mx).exp());  // the plain (overflow-prone for x << 0) formula
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Sigmoid_Eigen)->Unit(benchmark::kMillisecond);

void BM_Softmax_Ops(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({kRows, kCols});
  for (auto _ : state) {
    kplug::Tensor y = kplug::ops::softmax(x, -1);
    benchmark::DoNotOptimize(std::as_const(y).data());
  }
}
BENCHMARK(BM_Softmax_Ops)->Unit(benchmark::kMillisecond);

void BM_Softmax_Eigen(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({kRows, kCols});
  const Eigen::Map<const Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> mx(x.data(), kRows,
                                                                                                  kCols);
  for (auto _ : state) {
    Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> e =
        (mx.colwise() - mx.rowwise().maxCoeff()).exp();
    e.colwise() /= e.rowwise().sum();
    benchmark::DoNotOptimize(e.data());
  }
}
BENCHMARK(BM_Softmax_Eigen)->Unit(benchmark::kMillisecond);

void BM_Permute_Ops(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({32, 128, 12, 64});
  for (auto _ : state) {
    kplug::Tensor y = kplug::ops::permute(x, {0, 2, 1, 3});
    benchmark::DoNotOptimize(std::as_const(y).data());
  }
}
BENCHMARK(BM_Permute_Ops)->Unit(benchmark::kMillisecond);

void BM_Permute_Memcpy(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({32, 128, 12, 64});
  for (auto _ : state) {
    kplug::Tensor y = kplug::Tensor::empty(x.shape());  // same allocation as the op's
    std::memcpy(y.mutable_bytes(), x.bytes(), x.nbytes());
    benchmark::DoNotOptimize(std::as_const(y).data());
  }
}
BENCHMARK(BM_Permute_Memcpy)->Unit(benchmark::kMillisecond);

void BM_Reshape(benchmark::State& state) {
  const kplug::Tensor x = random_tensor({32, 128, 768});  // 3.1 M floats
  for (auto _ : state) {
    kplug::Tensor y = x.reshape({32, 128, 12, 64});
    benchmark::DoNotOptimize(std::as_const(y).data());
  }
}
BENCHMARK(BM_Reshape)->Unit(benchmark::kNanosecond);

void BM_Matmul_Ops(benchmark::State& state) {
  const kplug::Tensor a = random_tensor({256, 1024}), b = random_tensor({1024, 1024});
  kplug::Tensor out(kplug::Shape{256, 1024});
  for (auto _ : state) {
    kplug::ops::matmul(a, b, out);
    benchmark::DoNotOptimize(std::as_const(out).data());
  }
}
BENCHMARK(BM_Matmul_Ops)->Unit(benchmark::kMillisecond);

void BM_Matmul_Eigen(benchmark::State& state) {
  const kplug::Tensor a = random_tensor({256, 1024}), b = random_tensor({1024, 1024});
  const Eigen::Map<const RowMatrix> ma(a.data(), 256, 1024), mb(b.data(), 1024, 1024);
  RowMatrix out(256, 1024);
  for (auto _ : state) {
    out.noalias() = ma * mb;
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Matmul_Eigen)->Unit(benchmark::kMillisecond);

}  // namespace
