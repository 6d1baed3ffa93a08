// Embedding and the recurrent layers (issue 9): Keras's formulas worked out here in plain
// scalar code (the expected values), masks, go_backwards, states, Bidirectional merges,
// configs in Keras's key order and config errors naming the key.
#define BOOST_TEST_MODULE layers_recurrent
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <functional>

using namespace kplug;
using namespace kplug::layers;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

using test::layer_from;

std::vector<std::string> keys_of(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& item : o) keys.emplace_back(item.key());
  return keys;
}

// Deterministic small weights in (-0.8, 0.8).
Tensor weights(Shape shape, float phase) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = 0.8f * std::sin(1.7f * static_cast<float>(i) + phase);
  return t;
}

// ---- reference maths: plain scalar code, one sample at a time ----
using Vec = std::vector<float>;

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// v (n) @ m (n, cols)[:, c0:c0+w]
Vec vecmat(const Vec& v, const Tensor& m, std::int64_t c0, std::int64_t w) {
  Vec out(static_cast<std::size_t>(w), 0.0f);
  const std::int64_t cols = m.dim(1);
  for (std::int64_t j = 0; j < w; ++j) {
    for (std::size_t i = 0; i < v.size(); ++i) out[j] += v[i] * m[static_cast<std::int64_t>(i) * cols + c0 + j];
  }
  return out;
}

Vec row(const Tensor& x, std::int64_t b, std::int64_t t) {  // x (batch, time, features)
  Vec out(static_cast<std::size_t>(x.dim(2)));
  for (std::int64_t f = 0; f < x.dim(2); ++f) out[f] = x.at({b, t, f});
  return out;
}

float bias_at(const Tensor* bias, std::int64_t i) { return bias ? (*bias)[i] : 0.0f; }

// One step of each cell; states in/out.
void simple_rnn_step(const Vec& x, std::vector<Vec>& s, const Tensor& k, const Tensor& r, const Tensor* b,
                     std::int64_t u, const std::function<float(float)>& act) {
  Vec xk = vecmat(x, k, 0, u), hr = vecmat(s[0], r, 0, u), h(u);
  for (std::int64_t j = 0; j < u; ++j) h[j] = act(xk[j] + bias_at(b, j) + hr[j]);
  s[0] = h;
}

void lstm_step(const Vec& x, std::vector<Vec>& s, const Tensor& k, const Tensor& r, const Tensor* b, std::int64_t u) {
  Vec z(4 * u);
  Vec xk = vecmat(x, k, 0, 4 * u), hr = vecmat(s[0], r, 0, 4 * u);
  for (std::int64_t j = 0; j < 4 * u; ++j) z[j] = xk[j] + hr[j] + bias_at(b, j);
  Vec h(u), c(u);
  for (std::int64_t j = 0; j < u; ++j) {
    const float i = sigmoid(z[j]), f = sigmoid(z[u + j]), g = std::tanh(z[2 * u + j]), o = sigmoid(z[3 * u + j]);
    c[j] = f * s[1][j] + i * g;
    h[j] = o * std::tanh(c[j]);
  }
  s = {h, c};
}

void gru_step(const Vec& x, std::vector<Vec>& s, const Tensor& k, const Tensor& r, const Tensor& b, std::int64_t u,
              bool reset_after) {
  const Vec& hp = s[0];
  Vec xk = vecmat(x, k, 0, 3 * u);
  auto in_bias = [&](std::int64_t j) { return b[j]; };  // row 0 for reset_after, the vector otherwise
  auto rec_bias = [&](std::int64_t j) { return reset_after ? b[3 * u + j] : 0.0f; };
  Vec hr = vecmat(hp, r, 0, 3 * u);
  Vec z(u), rr(u), h(u);
  for (std::int64_t j = 0; j < u; ++j) {
    z[j] = sigmoid(xk[j] + in_bias(j) + hr[j] + rec_bias(j));
    rr[j] = sigmoid(xk[u + j] + in_bias(u + j) + hr[u + j] + rec_bias(u + j));
  }
  Vec rec_h(u);
  if (reset_after) {
    for (std::int64_t j = 0; j < u; ++j) rec_h[j] = rr[j] * (hr[2 * u + j] + rec_bias(2 * u + j));
  } else {
    Vec rh(u);
    for (std::int64_t j = 0; j < u; ++j) rh[j] = rr[j] * hp[j];
    rec_h = vecmat(rh, r, 2 * u, u);
  }
  for (std::int64_t j = 0; j < u; ++j) {
    const float hh = std::tanh(xk[2 * u + j] + in_bias(2 * u + j) + rec_h[j]);
    h[j] = z[j] * hp[j] + (1.0f - z[j]) * hh;
  }
  s[0] = h;
}

void check_close(const Tensor& got, const Shape& shape, const std::function<float(std::int64_t)>& expected,
                 const std::string& what) {
  BOOST_TEST_CONTEXT(what) {
    BOOST_REQUIRE(got.shape() == shape);
    for (std::int64_t i = 0; i < got.size(); ++i) BOOST_CHECK_CLOSE_FRACTION(got[i] + 10.0f, expected(i) + 10.0f, 1e-6);
  }
}

std::vector<Tensor> run(Layer& layer, const Tensor& x, std::optional<Tensor> mask = std::nullopt) {
  CallArgs args({x});
  if (mask) args.masks = {*mask};
  return layer(args);
}

Tensor bool_mask(Shape shape, std::initializer_list<bool> values) {
  std::vector<bool> v(values);
  Tensor m(std::move(shape), DType::bool_);
  for (std::size_t i = 0; i < v.size(); ++i) m.data_as<bool>()[i] = v[i];
  return m;
}

constexpr std::int64_t kBatch = 2, kSteps = 3, kFeatures = 3, kUnits = 2;

}  // namespace

BOOST_AUTO_TEST_CASE(simple_rnn_two_samples_against_the_formula) {
  for (const bool backwards : {false, true}) {
    auto layer =
        layer_from("SimpleRNN", std::string(R"({"units": 2, "return_sequences": true, "activation": "relu",)") +
                                    R"( "go_backwards": )" + (backwards ? "true" : "false") + "}");
    layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
    const Tensor k = weights({kFeatures, kUnits}, 0.1f), r = weights({kUnits, kUnits}, 0.7f),
                 b = weights({kUnits}, 1.3f);
    layer->set_weights({k, r, b});
    const Tensor x = weights({kBatch, kSteps, kFeatures}, 2.0f);
    const Tensor y = run(*layer, x)[0];
    Tensor expected({kBatch, kSteps, kUnits});
    for (std::int64_t s = 0; s < kBatch; ++s) {
      std::vector<Vec> st{Vec(kUnits, 0.0f)};
      for (std::int64_t k2 = 0; k2 < kSteps; ++k2) {
        const std::int64_t t = backwards ? kSteps - 1 - k2 : k2;
        simple_rnn_step(row(x, s, t), st, k, r, &b, kUnits, [](float v) { return std::max(v, 0.0f); });
        // Outputs in processing order, as Keras gives them for go_backwards.
        for (std::int64_t j = 0; j < kUnits; ++j) expected.at({s, k2, j}) = st[0][j];
      }
    }
    check_close(
        y, expected.shape(), [&](std::int64_t i) { return expected[i]; }, backwards ? "go_backwards" : "forwards");
  }
}

BOOST_AUTO_TEST_CASE(lstm_states_and_unit_forget_bias) {
  auto layer = layer_from("LSTM", R"({"units": 2, "return_sequences": true, "return_state": true})");
  layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
  // A fresh LSTM's bias: zeros, ones for the forget gate (unit_forget_bias), zeros.
  const Tensor fresh = layer->get_weights()[2];
  BOOST_CHECK(fresh == Tensor({8}, {0, 0, 1, 1, 0, 0, 0, 0}));
  BOOST_CHECK_EQUAL(layer->weights()[0]->path(), "lstm_cell/kernel");

  const Tensor k = weights({kFeatures, 4 * kUnits}, 0.3f), r = weights({kUnits, 4 * kUnits}, 0.9f),
               b = weights({4 * kUnits}, 0.2f);
  layer->set_weights({k, r, b});
  const Tensor x = weights({kBatch, kSteps, kFeatures}, 1.0f);
  auto out = run(*layer, x);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);  // sequence, h, c
  Tensor seq({kBatch, kSteps, kUnits}), h({kBatch, kUnits}), c({kBatch, kUnits});
  for (std::int64_t s = 0; s < kBatch; ++s) {
    std::vector<Vec> st{Vec(kUnits, 0.0f), Vec(kUnits, 0.0f)};
    for (std::int64_t t = 0; t < kSteps; ++t) {
      lstm_step(row(x, s, t), st, k, r, &b, kUnits);
      for (std::int64_t j = 0; j < kUnits; ++j) seq.at({s, t, j}) = st[0][j];
    }
    for (std::int64_t j = 0; j < kUnits; ++j) {
      h.at({s, j}) = st[0][j];
      c.at({s, j}) = st[1][j];
    }
  }
  check_close(
      out[0], seq.shape(), [&](std::int64_t i) { return seq[i]; }, "sequence");
  check_close(
      out[1], h.shape(), [&](std::int64_t i) { return h[i]; }, "h");
  check_close(
      out[2], c.shape(), [&](std::int64_t i) { return c[i]; }, "c");
  BOOST_CHECK_EQUAL(layer->compute_output_shape({PartialShape{std::nullopt, 7, kFeatures}}).size(), 3u);

  // An initial state replaces the zeros.
  CallArgs with_state({x});
  with_state.tensor_kwargs["initial_state"] = {Tensor({kBatch, kUnits}, 0.5f), Tensor({kBatch, kUnits}, -0.25f)};
  auto started = (*layer)(with_state);
  std::vector<Vec> st{Vec(kUnits, 0.5f), Vec(kUnits, -0.25f)};
  lstm_step(row(x, 0, 0), st, k, r, &b, kUnits);
  BOOST_CHECK_CLOSE_FRACTION(started[0].at({0, 0, 1}), st[0][1], 1e-5);
  CallArgs wrong({x});
  wrong.tensor_kwargs["initial_state"] = {Tensor({kBatch, kUnits})};
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*layer)(wrong); }), "expects 2 initial state tensor(s), got 1"));
}

BOOST_AUTO_TEST_CASE(gru_reset_after_both_ways_and_without_bias) {
  for (const bool reset_after : {true, false}) {
    BOOST_TEST_CONTEXT("reset_after=" << reset_after) {
      auto layer =
          layer_from("GRU", std::string(R"({"units": 2, "reset_after": )") + (reset_after ? "true" : "false") + "}");
      layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
      const Shape bias_shape = reset_after ? Shape{2, 3 * kUnits} : Shape{3 * kUnits};
      BOOST_CHECK(layer->weights()[2]->shape() == bias_shape);
      const Tensor k = weights({kFeatures, 3 * kUnits}, 0.4f), r = weights({kUnits, 3 * kUnits}, 1.1f),
                   b = weights(bias_shape, 0.6f);
      layer->set_weights({k, r, b});
      const Tensor x = weights({kBatch, kSteps, kFeatures}, 3.0f);
      const Tensor y = run(*layer, x)[0];
      Tensor expected({kBatch, kUnits});
      for (std::int64_t s = 0; s < kBatch; ++s) {
        std::vector<Vec> st{Vec(kUnits, 0.0f)};
        for (std::int64_t t = 0; t < kSteps; ++t) gru_step(row(x, s, t), st, k, r, b, kUnits, reset_after);
        for (std::int64_t j = 0; j < kUnits; ++j) expected.at({s, j}) = st[0][j];
      }
      check_close(
          y, expected.shape(), [&](std::int64_t i) { return expected[i]; }, "last output");
    }
  }
  auto no_bias = layer_from("GRU", R"({"units": 2, "use_bias": false, "reset_after": false})");
  no_bias->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
  BOOST_CHECK_EQUAL(no_bias->weights().size(), 2u);
  const Tensor k = weights({kFeatures, 3 * kUnits}, 0.4f), r = weights({kUnits, 3 * kUnits}, 1.1f);
  no_bias->set_weights({k, r});
  const Tensor x = weights({1, 1, kFeatures}, 0.5f);
  std::vector<Vec> st{Vec(kUnits, 0.0f)};
  gru_step(row(x, 0, 0), st, k, r, Tensor({3 * kUnits}), kUnits, false);
  check_close(
      run(*no_bias, x)[0], {1, kUnits}, [&](std::int64_t i) { return st[0][i]; }, "no bias");
}

BOOST_AUTO_TEST_CASE(masked_middle_step_keeps_state_and_repeats_output) {
  for (const bool zero_output : {false, true}) {
    BOOST_TEST_CONTEXT("zero_output_for_mask=" << zero_output) {
      auto layer =
          layer_from("LSTM", std::string(R"({"units": 2, "return_sequences": true, "zero_output_for_mask": )") +
                                 (zero_output ? "true" : "false") + "}");
      layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
      const Tensor k = weights({kFeatures, 4 * kUnits}, 0.3f), r = weights({kUnits, 4 * kUnits}, 0.9f),
                   b = weights({4 * kUnits}, 0.2f);
      layer->set_weights({k, r, b});
      const Tensor x = weights({kBatch, kSteps, kFeatures}, 1.0f);
      // Sample 0: middle step masked; sample 1: first step masked.
      const Tensor mask = bool_mask({kBatch, kSteps}, {true, false, true, false, true, true});
      const Tensor y = run(*layer, x, mask)[0];
      for (std::int64_t s = 0; s < kBatch; ++s) {
        std::vector<Vec> st{Vec(kUnits, 0.0f), Vec(kUnits, 0.0f)};
        Vec previous(kUnits, 0.0f);
        for (std::int64_t t = 0; t < kSteps; ++t) {
          const bool on = mask.data_as<bool>()[s * kSteps + t];
          if (on) lstm_step(row(x, s, t), st, k, r, &b, kUnits);
          for (std::int64_t j = 0; j < kUnits; ++j) {
            const float want = on ? st[0][j] : (zero_output ? 0.0f : previous[j]);
            BOOST_CHECK_CLOSE_FRACTION(y.at({s, t, j}) + 10.0f, want + 10.0f, 1e-6);
          }
          previous = st[0];
        }
      }
      // The layer consumes the mask and gives none (Keras's supports_masking=False).
      CallArgs args({x});
      args.masks = {mask};
      auto out = (*layer)(args);
      BOOST_CHECK(!layer->compute_mask(args, out)[0].has_value());
      // A mask of the wrong shape is refused.
      BOOST_CHECK(contains(error_of<ValueError>([&] {
                             run(*layer, x, bool_mask({1, 2}, {true, true}));
                           }),
                           "expects a mask of shape (2, 3)"));
    }
  }
}

BOOST_AUTO_TEST_CASE(bidirectional_merge_modes) {
  const Tensor x = weights({kBatch, kSteps, kFeatures}, 0.25f);
  const Tensor kf = weights({kFeatures, kUnits}, 0.1f), rf = weights({kUnits, kUnits}, 0.7f),
               bf = weights({kUnits}, 1.3f);
  const Tensor kb = weights({kFeatures, kUnits}, 2.1f), rb = weights({kUnits, kUnits}, 0.2f),
               bb = weights({kUnits}, 0.9f);
  // Reference: forward outputs in time order, backward outputs re-reversed to time order.
  Tensor fwd({kBatch, kSteps, kUnits}), bwd({kBatch, kSteps, kUnits});
  auto tanh_fn = [](float v) { return std::tanh(v); };
  for (std::int64_t s = 0; s < kBatch; ++s) {
    std::vector<Vec> f{Vec(kUnits, 0.0f)}, b{Vec(kUnits, 0.0f)};
    for (std::int64_t t = 0; t < kSteps; ++t) {
      simple_rnn_step(row(x, s, t), f, kf, rf, &bf, kUnits, tanh_fn);
      simple_rnn_step(row(x, s, kSteps - 1 - t), b, kb, rb, &bb, kUnits, tanh_fn);
      for (std::int64_t j = 0; j < kUnits; ++j) {
        fwd.at({s, t, j}) = f[0][j];
        bwd.at({s, kSteps - 1 - t, j}) = b[0][j];
      }
    }
  }
  const Shape seq{kBatch, kSteps, kUnits};
  auto at = [&](const Tensor& t, std::int64_t i) { return t[i]; };
  struct Case {
    std::string mode;
    std::function<float(std::int64_t)> expected;
    Shape shape;
  };
  const std::vector<Case> cases = {
      {R"("sum")", [&](std::int64_t i) { return at(fwd, i) + at(bwd, i); }, seq},
      {R"("mul")", [&](std::int64_t i) { return at(fwd, i) * at(bwd, i); }, seq},
      {R"("ave")", [&](std::int64_t i) { return (at(fwd, i) + at(bwd, i)) / 2.0f; }, seq},
      {R"("concat")",
       [&](std::int64_t i) {
         const std::int64_t j = i % (2 * kUnits), base = (i / (2 * kUnits)) * kUnits;
         return j < kUnits ? at(fwd, base + j) : at(bwd, base + j - kUnits);
       },
       {kBatch, kSteps, 2 * kUnits}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.mode) {
      // No backward_layer: a copy of the layer going backwards, named as Keras names it.
      auto layer =
          layer_from("Bidirectional", R"({"name": "bi", "merge_mode": )" + c.mode +
                                          R"(, "layer": {"module": "keras.layers", "class_name": "SimpleRNN",)"
                                          R"( "config": {"name": "rnn", "units": 2, "return_sequences": true}}})");
      auto& bi = dynamic_cast<Bidirectional&>(*layer);
      BOOST_CHECK_EQUAL(bi.forward_layer()->name(), "forward_rnn");
      BOOST_CHECK_EQUAL(bi.backward_layer()->name(), "backward_rnn");
      BOOST_CHECK(bi.backward_layer()->recurrent_options().go_backwards);
      BOOST_CHECK(bi.forward_layer()->recurrent_options().zero_output_for_mask);  // forced to return_sequences
      layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
      layer->set_weights({kf, rf, bf, kb, rb, bb});
      check_close(run(*layer, x)[0], c.shape, c.expected, "merged");
      const auto config = layer->get_config();
      BOOST_CHECK((keys_of(config) ==
                   std::vector<std::string>{"name", "trainable", "dtype", "merge_mode", "layer", "backward_layer"}));
    }
  }
  // merge_mode None: both sequences, and the states of each with return_state.
  auto both =
      layer_from("Bidirectional", R"({"merge_mode": null, "layer": {"module": "keras.layers", "class_name":)"
                                  R"( "SimpleRNN", "config": {"name": "r", "units": 2, "return_sequences": true,)"
                                  R"( "return_state": true}}})");
  both->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
  both->set_weights({kf, rf, bf, kb, rb, bb});
  auto out = run(*both, x);
  BOOST_REQUIRE_EQUAL(out.size(), 4u);  // y, y_rev, forward state, backward state
  check_close(
      out[0], seq, [&](std::int64_t i) { return fwd[i]; }, "forward");
  check_close(
      out[1], seq, [&](std::int64_t i) { return bwd[i]; }, "backward (time order)");
  // The backward state is its last processed step: time step 0.
  check_close(
      out[3], {kBatch, kUnits}, [&](std::int64_t i) { return bwd[(i / kUnits) * kSteps * kUnits + i % kUnits]; },
      "backward state");
  BOOST_CHECK_EQUAL(both->compute_output_shape({PartialShape{std::nullopt, kSteps, kFeatures}}).size(), 4u);
  BOOST_CHECK(serialize_layer(*both).at("config").at("merge_mode").is_null());
}

BOOST_AUTO_TEST_CASE(embedding_lookup_mask_and_out_of_range_ids) {
  auto layer = layer_from("Embedding", R"({"name": "emb", "input_dim": 4, "output_dim": 3, "mask_zero": true})");
  layer->maybe_build({PartialShape{std::nullopt, 3}});
  const Tensor table = weights({4, 3}, 0.5f);
  layer->set_weights({table});
  const std::vector<std::int32_t> ids{3, 0, 1, 2, 2, 0};
  const Tensor x = Tensor::from_values<std::int32_t>({2, 3}, ids);
  CallArgs args({x});
  auto out = (*layer)(args);
  BOOST_REQUIRE(out[0].shape() == (Shape{2, 3, 3}));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::int64_t j = 0; j < 3; ++j) {
      BOOST_CHECK_EQUAL(out[0][static_cast<std::int64_t>(i) * 3 + j], table[ids[i] * 3 + j]);
    }
  }
  auto masks = layer->compute_mask(args, out);
  BOOST_REQUIRE(masks[0].has_value());
  BOOST_CHECK(*masks[0] == bool_mask({2, 3}, {true, false, true, true, true, false}));
  // int64 ids too; an id outside [0, input_dim) names the layer, the id and the range.
  const std::vector<std::int64_t> wide{1, 3};
  BOOST_CHECK((*layer)(Tensor::from_values<std::int64_t>({1, 2}, wide)).shape() == (Shape{1, 2, 3}));
  for (std::int32_t bad : {4, -1}) {
    const std::vector<std::int32_t> v{0, bad};
    const std::string message = error_of<ValueError>([&] { (*layer)(Tensor::from_values<std::int32_t>({1, 2}, v)); });
    BOOST_CHECK(contains(message, "Layer 'emb' (Embedding, input_dim=4)"));
    BOOST_CHECK(contains(message, "index " + std::to_string(bad) + " at position 1"));
    BOOST_CHECK(contains(message, "expected 0 <= index < 4"));
  }
  // Without mask_zero there is no mask.
  auto plain = layer_from("Embedding", R"({"input_dim": 4, "output_dim": 3})");
  CallArgs plain_args({x});
  auto plain_out = (*plain)(plain_args);
  BOOST_CHECK(!plain->compute_mask(plain_args, plain_out)[0].has_value());
  BOOST_CHECK((keys_of(plain->get_config()) ==
               std::vector<std::string>{"name", "trainable", "dtype", "input_dim", "output_dim",
                                        "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
                                        "embeddings_constraint", "mask_zero", "quantization_config"}));
}

BOOST_AUTO_TEST_CASE(cells_are_layers_and_write_keras_configs) {
  auto cell = layer_from("LSTMCell", R"({"name": "c", "units": 2})");
  CallArgs args({weights({kBatch, kFeatures}, 0.3f)});
  auto out = (*cell)(args);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);  // output, h, c
  BOOST_CHECK(out[0] == out[1]);
  BOOST_CHECK((keys_of(cell->get_config()) == std::vector<std::string>{"name",
                                                                       "trainable",
                                                                       "dtype",
                                                                       "units",
                                                                       "activation",
                                                                       "recurrent_activation",
                                                                       "use_bias",
                                                                       "unit_forget_bias",
                                                                       "kernel_initializer",
                                                                       "recurrent_initializer",
                                                                       "bias_initializer",
                                                                       "kernel_regularizer",
                                                                       "recurrent_regularizer",
                                                                       "bias_regularizer",
                                                                       "kernel_constraint",
                                                                       "recurrent_constraint",
                                                                       "bias_constraint",
                                                                       "dropout",
                                                                       "recurrent_dropout",
                                                                       "seed"}));
  auto gru_cell = layer_from("GRUCell", R"({"units": 3, "reset_after": false})");
  BOOST_CHECK(gru_cell->get_config().at("reset_after") == false);
  auto simple_cell = layer_from("SimpleRNNCell", R"({"units": 3})");
  BOOST_CHECK(!simple_cell->get_config().contains("recurrent_activation"));
  // SimpleRNN accepts `seed` but leaves it out of its config, as Keras does.
  auto simple = layer_from("SimpleRNN", R"({"units": 3, "seed": 4})");
  BOOST_CHECK(!simple->get_config().contains("seed"));
  // An explicit null activation is the identity, written back as "linear".
  auto linear = layer_from("SimpleRNN", R"({"units": 1, "activation": null})");
  BOOST_CHECK(linear->get_config().at("activation") == "linear");
  // The weights of an RNN layer live on its cell, under the attribute `cell`.
  auto lstm = layer_from("LSTM", R"({"units": 2})");
  BOOST_REQUIRE_EQUAL(lstm->layer_attributes().size(), 1u);
  BOOST_CHECK_EQUAL(lstm->layer_attributes()[0].name, "cell");
}

BOOST_AUTO_TEST_CASE(config_errors_name_the_key) {
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("LSTM", R"({"return_sequences": true})"); }), "units"));
  const std::string zero = error_of<ConfigError>([] { layer_from("GRU", R"({"units": 0})"); });
  BOOST_CHECK(contains(zero, "units"));
  BOOST_CHECK(contains(zero, "expected a positive integer, got 0"));
  const std::string stateful = error_of<ValueError>([] {
    layer_from("LSTM", R"({"units": 2, "stateful": true})")->maybe_build({PartialShape{std::nullopt, 4, 3}});
  });
  BOOST_CHECK(contains(stateful, "stateful"));
  BOOST_CHECK(
      contains(error_of<ConfigError>([] { layer_from("SimpleRNN", R"({"units": 2, "dropout": 1.5})"); }), "dropout"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("GRU", R"({"units": 2, "reset_after": "yes"})"); }),
                       "reset_after"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("LSTM", R"({"units": 2, "implementation": 3})"); }),
                       "implementation"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("LSTM", R"({"units": 2, "bogus": 1})"); }), "bogus"));
  BOOST_CHECK(contains(error_of<ConfigError>([] {
                         layer_from("Bidirectional", R"({"merge_mode": "max", "layer": {"module": "keras.layers",)"
                                                     R"( "class_name": "LSTM", "config": {"units": 2}}})");
                       }),
                       "Invalid merge mode. Received: max"));
  BOOST_CHECK(contains(error_of<ConfigError>([] {
                         layer_from("Bidirectional",
                                    R"({"layer": {"module": "keras.layers", "class_name": "LSTM",)"
                                    R"( "config": {"units": 2}}, "backward_layer": {"module":)"
                                    R"( "keras.layers", "class_name": "LSTM", "config": {"units": 2}}})");
                       }),
                       "different `go_backwards` value"));
  BOOST_CHECK(contains(error_of<NotSupportedError>([] {
                         layer_from("Bidirectional",
                                    R"({"layer": {"module": "keras.layers", "class_name": "Embedding",)"
                                    R"( "config": {"input_dim": 2, "output_dim": 2}}})");
                       }),
                       "Bidirectional wraps a recurrent layer"));
  const std::string dims =
      error_of<ConfigError>([] { layer_from("Embedding", R"({"input_dim": -3, "output_dim": 2})"); });
  BOOST_CHECK(contains(dims, "input_dim"));
  BOOST_CHECK(contains(dims, "must be a positive integer"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("Embedding", R"({"output_dim": 2})"); }), "input_dim"));
  BOOST_CHECK(contains(error_of<NotSupportedError>(
                           [] { layer_from("Embedding", R"({"input_dim": 2, "output_dim": 2, "lora_rank": 4})"); }),
                       "lora_rank"));
}

BOOST_AUTO_TEST_CASE(masking_zeroes_masked_steps_and_gives_the_mask) {
  auto layer = layer_from("Masking", R"({"name": "m", "mask_value": 0.5})");
  // Sample 0: step 1 is all mask_value; sample 1: step 0 only partly.
  const Tensor x({2, 2, 2}, {1, 2, 0.5f, 0.5f, 0.5f, 3, 4, 5});
  CallArgs args({x});
  auto out = (*layer)(args);
  BOOST_CHECK(out[0] == Tensor({2, 2, 2}, {1, 2, 0, 0, 0.5f, 3, 4, 5}));
  auto masks = layer->compute_mask(args, out);
  BOOST_REQUIRE(masks[0].has_value());
  BOOST_CHECK(*masks[0] == bool_mask({2, 2}, {true, false, true, true}));
  BOOST_CHECK((keys_of(layer->get_config()) == std::vector<std::string>{"name", "trainable", "dtype", "mask_value"}));
  BOOST_CHECK(layer->get_config().at("mask_value") == 0.5);
  BOOST_CHECK(layer_from("Masking", "{}")->get_config().at("mask_value").is_double());  // 0.0, as Keras writes it
}
