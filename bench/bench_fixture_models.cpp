// Issue 21's per-model figure: predict of the fixture models at the batch sizes of the issue's
// ONNX Runtime table, against the same computation written directly as a chain of Eigen calls
// on the model's own weights, with every buffer allocated before the timed loop (what a
// hand-written engine for exactly this model would do). Target: kplug within 1.3x.
//   mlp_seq (batch 3), big_mlp_1000 (2), big_functional_300 (2), rnn (3).
// The cnn fixture's chain is in bench_conv.cpp, MobileNetV2's in bench_mobilenet.cpp.
// Each chain is checked against kplug's predict before it is timed: a wrong chain aborts.
#include "bench_support.hpp"
#include "kplug/models/model.hpp"
#include "kplug/saving/h5_weights_store.hpp"

#include <benchmark/benchmark.h>
#include <Eigen/Core>

#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using ConstRowVectorMap = Eigen::Map<const Eigen::RowVectorXf>;

kplug::ModelPtr load_fixture(const std::string& name) {
  const std::string dir = std::string(KPLUG_BENCH_DATA) + "/models/" + name + "/";
  kplug::ModelPtr model = kplug::model_from_json(kplug::bench::read_text(dir + "model.json"));
  model->load_weights(*kplug::saving::read_weights_file(dir + "model.weights.h5"));
  return model;
}

// Deterministic inputs in [-1, 1).
kplug::Tensor float_inputs(std::int64_t rows, std::int64_t features) {
  kplug::Tensor x = kplug::Tensor::empty({rows, features});
  float* p = x.data();
  for (std::int64_t i = 0; i < x.size(); ++i) p[i] = static_cast<float>((i * 7919) % 2000) / 1000.0f - 1.0f;
  return x;
}

ConstRowMap matrix(const kplug::Tensor& t) { return {t.data(), t.shape()[0], t.shape()[1]}; }
ConstRowVectorMap row(const kplug::Tensor& t) { return {t.data(), static_cast<Eigen::Index>(t.size())}; }

// out = in * kernel + bias, then relu if asked.
void dense(const RowMatrix& in, const kplug::Tensor& kernel, const kplug::Tensor& bias, bool relu, RowMatrix& out) {
  out.noalias() = in * matrix(kernel);
  out.rowwise() += row(bias);
  if (relu) out = out.cwiseMax(0.0f);
}

// Keras's LayerNormalization over the last axis (epsilon 1e-3, scale and center), in place.
void layer_norm(RowMatrix& x, const kplug::Tensor& gamma, const kplug::Tensor& beta) {
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    auto v = x.row(r);
    const float mean = v.mean();
    const float variance = (v.array() - mean).square().mean();
    v = ((v.array() - mean) * (1.0f / std::sqrt(variance + 1e-3f))).matrix();
    v = v.cwiseProduct(row(gamma)) + row(beta);
  }
}

// A model and its hand-written chain over preallocated buffers, checked against each other.
struct Case {
  kplug::ModelPtr model;
  kplug::Tensor input;
  std::function<const RowMatrix&()> chain;
};

void check(const Case& c, const std::string& name) {
  const kplug::Tensor expected = c.model->predict({c.input}, c.input.shape()[0]).front();
  const RowMatrix& got = c.chain();
  const ConstRowMap want = matrix(expected.reshape({expected.shape()[0], -1}));
  if (got.rows() != want.rows() || got.cols() != want.cols() || (got - want).cwiseAbs().maxCoeff() > 1e-4f) {
    throw std::runtime_error(name + ": the Eigen chain does not compute what the model computes");
  }
}

Case mlp_seq_case() {  // Dense(64, relu), Dropout, Dense(1)
  Case c{load_fixture("mlp_seq"), float_inputs(3, 32), {}};
  auto w = std::make_shared<std::vector<kplug::Tensor>>(c.model->get_weights());
  auto in = std::make_shared<RowMatrix>(matrix(c.input));
  auto hidden = std::make_shared<RowMatrix>(3, 64), out = std::make_shared<RowMatrix>(3, 1);
  c.chain = [=]() -> const RowMatrix& {
    dense(*in, (*w)[0], (*w)[1], true, *hidden);
    dense(*hidden, (*w)[2], (*w)[3], false, *out);
    return *out;
  };
  return c;
}

Case big_mlp_case() {  // 1000 x Dense(16), linear
  Case c{load_fixture("big_mlp_1000"), float_inputs(2, 16), {}};
  auto w = std::make_shared<std::vector<kplug::Tensor>>(c.model->get_weights());
  auto in = std::make_shared<RowMatrix>(matrix(c.input));
  auto a = std::make_shared<RowMatrix>(2, 16), b = std::make_shared<RowMatrix>(2, 16);
  c.chain = [=]() -> const RowMatrix& {
    *a = *in;
    for (std::size_t i = 0; i < w->size(); i += 2) {
      dense(*a, (*w)[i], (*w)[i + 1], false, *b);
      a->swap(*b);
    }
    return *a;
  };
  return c;
}

Case big_functional_case() {  // stem Dense, 74 x (Dense relu, Dense, Add, LayerNormalization), head Dense(4)
  Case c{load_fixture("big_functional_300"), float_inputs(2, 16), {}};
  auto w = std::make_shared<std::vector<kplug::Tensor>>(c.model->get_weights());
  auto in = std::make_shared<RowMatrix>(matrix(c.input));
  auto x = std::make_shared<RowMatrix>(2, 16), h = std::make_shared<RowMatrix>(2, 16);
  auto y = std::make_shared<RowMatrix>(2, 16), out = std::make_shared<RowMatrix>(2, 4);
  c.chain = [=]() -> const RowMatrix& {
    const std::vector<kplug::Tensor>& v = *w;
    dense(*in, v[0], v[1], false, *x);
    std::size_t i = 2;
    for (; i + 6 <= v.size() - 2; i += 6) {
      dense(*x, v[i], v[i + 1], true, *h);
      dense(*h, v[i + 2], v[i + 3], false, *y);
      *x += *y;
      layer_norm(*x, v[i + 4], v[i + 5]);
    }
    dense(*x, v[i], v[i + 1], false, *out);
    return *out;
  };
  return c;
}

Eigen::RowVectorXf sigmoid(const Eigen::RowVectorXf& v) { return (1.0f / (1.0f + (-v.array()).exp())).matrix(); }
Eigen::RowVectorXf tanh(const Eigen::RowVectorXf& v) { return v.array().tanh().matrix(); }

// Embedding(50, 8) -> LSTM(6, return_sequences) -> GRU(5, reset_after) -> Dense(2), 10 steps.
struct RnnChain {
  std::vector<kplug::Tensor> w;  // embeddings; lstm kernel, recurrent, bias; gru kernel, recurrent, bias; dense
  kplug::Tensor ids;
  RowMatrix lstm_out, out;
  Eigen::RowVectorXf h, c, g, xz, hz;

  const RowMatrix& run() {
    const std::int64_t batch = ids.shape()[0], steps = ids.shape()[1];
    const int* id = ids.data_as<int>();
    const ConstRowMap emb = matrix(w[0]), lk = matrix(w[1]), lr = matrix(w[2]), gk = matrix(w[4]), gr = matrix(w[5]);
    const ConstRowMap gb = matrix(w[6]);
    for (std::int64_t n = 0; n < batch; ++n) {
      h.setZero(6);
      c.setZero(6);
      for (std::int64_t t = 0; t < steps; ++t) {  // Keras's gate order i, f, c, o
        g.noalias() = emb.row(id[n * steps + t]) * lk + h * lr;
        g += row(w[3]);
        c = sigmoid(g.segment(6, 6)).cwiseProduct(c) + sigmoid(g.segment(0, 6)).cwiseProduct(tanh(g.segment(12, 6)));
        h = sigmoid(g.segment(18, 6)).cwiseProduct(tanh(c));
        lstm_out.row(n * steps + t) = h;
      }
      h.setZero(5);
      for (std::int64_t t = 0; t < steps; ++t) {  // gates z, r, h; the reset gate after the product
        xz.noalias() = lstm_out.row(n * steps + t) * gk;
        xz += gb.row(0);
        hz.noalias() = h * gr;
        hz += gb.row(1);
        const Eigen::RowVectorXf z = sigmoid(xz.segment(0, 5) + hz.segment(0, 5));
        const Eigen::RowVectorXf r = sigmoid(xz.segment(5, 5) + hz.segment(5, 5));
        const Eigen::RowVectorXf candidate = tanh(xz.segment(10, 5) + r.cwiseProduct(hz.segment(10, 5)));
        h = z.cwiseProduct(h) + (Eigen::RowVectorXf::Ones(5) - z).cwiseProduct(candidate);
      }
      out.row(n) = h * matrix(w[7]) + row(w[8]);
    }
    return out;
  }
};

Case rnn_case() {
  Case c{load_fixture("rnn"), kplug::Tensor({3, 10}, kplug::DType::int32), {}};
  int* ids = c.input.data_as<int>();
  for (std::int64_t i = 0; i < c.input.size(); ++i) ids[i] = static_cast<int>((i * 7 + 3) % 50);
  auto chain = std::make_shared<RnnChain>();
  chain->w = c.model->get_weights();
  chain->ids = c.input;
  chain->lstm_out.resize(30, 6);
  chain->out.resize(3, 2);
  c.chain = [chain]() -> const RowMatrix& { return chain->run(); };
  return c;
}

Case make_case(const std::string& name) {
  Case c = name == "mlp_seq"              ? mlp_seq_case()
           : name == "big_mlp_1000"       ? big_mlp_case()
           : name == "big_functional_300" ? big_functional_case()
                                          : rnn_case();
  check(c, name);
  return c;
}

void run_kplug(benchmark::State& state, const std::string& name) {
  const Case c = make_case(name);
  for (auto _ : state) {
    auto y = c.model->predict({c.input}, c.input.shape()[0]);
    benchmark::DoNotOptimize(y.front().bytes());
  }
}

void run_chain(benchmark::State& state, const std::string& name) {
  const Case c = make_case(name);
  for (auto _ : state) benchmark::DoNotOptimize(c.chain().data());
}

void register_all() {
  for (const char* name : {"mlp_seq", "big_mlp_1000", "big_functional_300", "rnn"}) {
    benchmark::RegisterBenchmark((std::string("Kplug/") + name).c_str(), [name](benchmark::State& s) {
      run_kplug(s, name);
    })->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("EigenChain/") + name).c_str(), [name](benchmark::State& s) {
      run_chain(s, name);
    })->Unit(benchmark::kMicrosecond);
  }
}

[[maybe_unused]] const int registered = (register_all(), 0);

}  // namespace
