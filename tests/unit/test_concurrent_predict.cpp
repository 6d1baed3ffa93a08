// Concurrency (issue 21): predict on one loaded model from many threads at once gives,
// bit for bit, what it gives from one thread; loads from many threads at once each get
// their own model. Run under ThreadSanitizer in .ci/test (KPLUG_TEST_ROUNDS keeps it short).
#define BOOST_TEST_MODULE concurrent_predict
#include <boost/test/unit_test.hpp>

#include "kplug/models/model.hpp"
#include "kplug/models/streaming.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/threading.hpp"
#include "model_support.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

// A broad sample: chains, convolutions, recurrent layers (masked, bidirectional, stacked),
// attention, graphs (shared layers, nested models, constants), quantized kernels,
// preprocessing and spectral layers, wrappers.
const std::vector<std::string>& sample() {
  static const std::vector<std::string> names = {
      "mlp_seq",
      "cnn",
      "cnn1d",
      "rnn",
      "rnn_simple",
      "siamese_functional",
      "siamese_sequential",
      "nested_functional_once",
      "graph_constants_ops",
      "graph_constants_layer_kwarg",
      "quantized_int8_mlp",
      "layers/Quantized_int4_mlp",
      "layers/Quantized_ternary_mlp",
      "layers/Quantized_int8_einsum_embedding",
      "layers/MultiHeadAttention_self",
      "layers/GroupQueryAttention_causal_kv4",
      "layers/Attention_causal",
      "layers/LSTM_return_sequences",
      "layers/GRU_return_state",
      "layers/Bidirectional_LSTM_concat",
      "layers/RNN_stacked_cells",
      "layers/Masking_LSTM",
      "layers/Embedding_mask_zero_GRU",
      "layers/ConvLSTM2D",
      "layers/Conv2D_same",
      "layers/DepthwiseConv2D",
      "layers/SeparableConv2D",
      "layers/Conv2DTranspose",
      "layers/TimeDistributed_Conv2D",
      "layers/BatchNormalization",
      "layers/LayerNormalization",
      "layers/GroupNormalization",
      "layers/SpectralNormalization_Dense",
      "layers/Normalization",
      "layers/Discretization_int",
      "layers/CategoryEncoding_multi_hot",
      "layers/Pipeline_rescale_dense",
      "layers/Resizing_bilinear",
      "layers/RandomFlip_horizontal",
      "layers/MelSpectrogram",
      "layers/STFTSpectrogram_stft",
      "layers/EinsumDense_abc_cde",
      "layers/ReversibleEmbedding_tied",
      "layers/Dropout",
  };
  return names;
}

int from_env(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text ? std::max(1, std::atoi(text)) : fallback;
}

struct Case {
  std::string name;
  ModelPtr model;
  std::vector<Tensor> inputs;
  std::vector<Tensor> expected;      // predicted from one thread
  std::vector<Tensor> expected_one;  // the same in batches of one row (other kernel shapes, other bits)
};

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  for (const std::string& name : sample()) {
    const fs::path dir = test::model_dir(name);
    Case c{name, model_from_json(test::read_text(dir / "model.json")), {}, {}, {}};
    test::load_fixture_weights(*c.model, dir);
    for (auto& input : test::read_io(test::read_json(dir / "io.json"), "inputs")) c.inputs.push_back(input.value);
    c.expected = c.model->predict(c.inputs);
    c.expected_one = c.model->predict(c.inputs, 1);
    cases.push_back(std::move(c));
  }
  return cases;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.bytes(), b.bytes(), a.nbytes()) == 0;
}

bool same_bits(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same_bits(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(many_threads_predict_every_model_bit_for_bit) {
  const std::vector<Case> cases = load_cases();
  const int threads = from_env("KPLUG_TEST_THREADS", 8);
  const int rounds = from_env("KPLUG_TEST_ROUNDS", 20);
  std::vector<std::vector<std::string>> mismatches(static_cast<std::size_t>(threads));
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();  // start together
      for (int r = 0; r < rounds; ++r) {
        // Each thread walks the models from its own starting point: many models at once,
        // and each model from several threads at once.
        for (std::size_t i = 0; i < cases.size(); ++i) {
          const Case& c = cases[(i + static_cast<std::size_t>(t) * 5) % cases.size()];
          const Model& model = *c.model;  // predict is const
          // Odd rounds split the rows into batches of one (the batching path).
          const bool one_row = r % 2 == 1;
          if (!same_bits(model.predict(c.inputs, one_row ? 1 : 32), one_row ? c.expected_one : c.expected)) {
            mismatches[static_cast<std::size_t>(t)].push_back(c.name);
          }
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  for (int t = 0; t < threads; ++t) {
    for (const std::string& name : mismatches[static_cast<std::size_t>(t)]) {
      BOOST_ERROR("thread " << t << ": " << name << " predicted other bits than from one thread");
    }
  }
  BOOST_TEST(cases.size() >= 40u);
}

// A stateful SimpleRNN counting (h = x + h over 500 steps of x = 1: each call adds 500): each
// call reads and replaces the carried state as one step, so N concurrent calls give exactly
// 500, 1000, ... 500 N (two calls reading the same state would give one value twice).
BOOST_AUTO_TEST_CASE(stateful_rnn_calls_take_turns) {
  const ModelPtr model = model_from_json(
      R"({"module": "keras", "class_name": "Sequential", "config": {"name": "s", "trainable": true, "layers": [)"
      R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [1, 500, 1], "dtype": "float32", "name": "x"}}, )"
      R"({"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "rnn", "units": 1, "activation": "linear", "use_bias": false, "stateful": true}}]}})");
  model->get_layer("rnn")->set_weights({Tensor::matrix({{1}}), Tensor::matrix({{1}})});
  const Tensor x({1, 500, 1}, 1.0f);
  const int threads = from_env("KPLUG_TEST_THREADS", 8);
  const int calls = from_env("KPLUG_TEST_ROUNDS", 20) * 2;
  std::vector<float> in_a_row;
  for (int i = 0; i < threads * calls; ++i) in_a_row.push_back(model->predict({x}).at(0).values()[0]);
  reset_states(*model);
  std::vector<std::vector<float>> seen(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < calls; ++i)
        seen[static_cast<std::size_t>(t)].push_back(model->predict({x}).at(0).values()[0]);
    });
  }
  for (auto& w : workers) w.join();
  std::vector<float> all;
  for (const auto& values : seen) all.insert(all.end(), values.begin(), values.end());
  std::sort(all.begin(), all.end());
  std::sort(in_a_row.begin(), in_a_row.end());
  BOOST_TEST(all == in_a_row, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(many_threads_load_archives_at_once) {
  // Each thread loads the same archives (the isolated HDF5 readers serve them all) and predicts.
  // The readers are spawned executables, not forks of this process: under AddressSanitizer a
  // child forked while another thread allocated deadlocked (clang 14, google/sanitizers#774).
  const std::vector<std::string> archives = {"mlp_seq", "cnn", "rnn", "siamese_functional", "quantized_int8_mlp"};
  std::vector<std::vector<Tensor>> expected;
  std::vector<std::vector<Tensor>> inputs;
  for (const std::string& name : archives) {
    const fs::path dir = test::model_dir(name);
    inputs.emplace_back();
    for (auto& input : test::read_io(test::read_json(dir / "io.json"), "inputs")) inputs.back().push_back(input.value);
    expected.push_back(saving::load_model(test::data_dir() / "keras" / (name + ".keras"))->predict(inputs.back()));
  }
  const int threads = from_env("KPLUG_TEST_THREADS", 8);
  const int rounds = from_env("KPLUG_TEST_ROUNDS", 20) / 4 + 1;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        const std::size_t i = (static_cast<std::size_t>(t) + static_cast<std::size_t>(r)) % archives.size();
        try {
          const ModelPtr model = saving::load_model(test::data_dir() / "keras" / (archives[i] + ".keras"));
          if (!same_bits(model->predict(inputs[i]), expected[i])) failures.fetch_add(1);
        } catch (const std::exception& e) {  // counted: an exception leaving a thread would end the run
          failures.fetch_add(1);
          std::fprintf(stderr, "load %s: %s\n", archives[i].c_str(), e.what());
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  BOOST_TEST(failures.load() == 0);
}

BOOST_AUTO_TEST_CASE(num_threads_is_a_setting) {
  const int before = get_num_threads();
  BOOST_TEST(before >= 1);
  set_num_threads(3);
  BOOST_TEST(get_num_threads() == 3);
  BOOST_CHECK_THROW(set_num_threads(0), ValueError);
  BOOST_TEST(get_num_threads() == 3);
  set_num_threads(before);
  BOOST_TEST(get_num_threads() == before);
}
