// RNN over cells and stacked cells, ConvLSTM1D/2D, TimeDistributed and Bidirectional's
// states (issue 10): options the fixtures do not cover (return_state, go_backwards, masks,
// initial states, stacks of different cells, strides/dilation/valid padding, channels_first),
// checked against Keras's formulas worked out here in plain scalar code.
#define BOOST_TEST_MODULE recurrent_more
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/models/model.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

using namespace kplug;
using namespace kplug::layers;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

using test::layer_from;

std::string cell_json(const std::string& class_name, const std::string& config) {
  return R"({"module": "keras.layers", "class_name": ")" + class_name + R"(", "config": )" + config + "}";
}

std::vector<std::string> keys_of(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& item : o) keys.emplace_back(item.key());
  return keys;
}

// Deterministic small values in (-0.8, 0.8).
Tensor values(Shape shape, float phase) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = 0.8f * std::sin(1.7f * static_cast<float>(i) + phase);
  return t;
}

Tensor bool_mask(Shape shape, std::initializer_list<bool> v) {
  std::vector<bool> list(v);
  Tensor m(std::move(shape), DType::bool_);
  for (std::size_t i = 0; i < list.size(); ++i) m.data_as<bool>()[i] = list[i];
  return m;
}

void check_close(const Tensor& got, const Tensor& want, const std::string& what) {
  BOOST_TEST_CONTEXT(what) {
    BOOST_REQUIRE_MESSAGE(got.shape() == want.shape(),
                          "shape " + shape_repr(got.shape()) + " vs " + shape_repr(want.shape()));
    for (std::int64_t i = 0; i < got.size(); ++i) BOOST_CHECK_CLOSE_FRACTION(got[i] + 10.0f, want[i] + 10.0f, 2e-6);
  }
}

// ---- scalar reference maths, one sample at a time ----
using Vec = std::vector<float>;

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// v @ m[:, c0:c0+w]
Vec vecmat(const Vec& v, const Tensor& m, std::int64_t c0, std::int64_t w) {
  Vec out(static_cast<std::size_t>(w), 0.0f);
  for (std::int64_t j = 0; j < w; ++j) {
    for (std::size_t i = 0; i < v.size(); ++i) out[j] += v[i] * m.at({static_cast<std::int64_t>(i), c0 + j});
  }
  return out;
}

// A dense cell's weights and its step on one sample: states in, states out.
struct RefCell {
  enum Kind { simple, lstm, gru } kind;
  std::int64_t units;
  Tensor k, r, b;
  bool reset_after = true;
  std::function<float(float)> act = [](float v) { return std::tanh(v); };

  std::size_t state_count() const { return kind == lstm ? 2 : 1; }
  void step(const Vec& x, std::vector<Vec>& s) const {
    const std::int64_t u = units;
    if (kind == simple) {
      Vec xk = vecmat(x, k, 0, u), hr = vecmat(s[0], r, 0, u), h(u);
      for (std::int64_t j = 0; j < u; ++j) h[j] = act(xk[j] + b[j] + hr[j]);
      s[0] = h;
    } else if (kind == lstm) {
      Vec xk = vecmat(x, k, 0, 4 * u), hr = vecmat(s[0], r, 0, 4 * u), h(u), c(u);
      for (std::int64_t j = 0; j < u; ++j) {
        auto z = [&](std::int64_t g) { return xk[g * u + j] + hr[g * u + j] + b[g * u + j]; };
        const float i = sigmoid(z(0)), f = sigmoid(z(1)), g = std::tanh(z(2)), o = sigmoid(z(3));
        c[j] = f * s[1][j] + i * g;
        h[j] = o * std::tanh(c[j]);
      }
      s = {h, c};
    } else {
      const Vec& hp = s[0];
      Vec xk = vecmat(x, k, 0, 3 * u), hr = vecmat(hp, r, 0, 3 * u), h(u), z(u), rr(u);
      auto in_b = [&](std::int64_t j) { return b[j]; };
      auto rec_b = [&](std::int64_t j) { return reset_after ? b[3 * u + j] : 0.0f; };
      for (std::int64_t j = 0; j < u; ++j) {
        z[j] = sigmoid(xk[j] + in_b(j) + hr[j] + rec_b(j));
        rr[j] = sigmoid(xk[u + j] + in_b(u + j) + hr[u + j] + rec_b(u + j));
      }
      Vec rec(u);
      if (reset_after) {
        for (std::int64_t j = 0; j < u; ++j) rec[j] = rr[j] * (hr[2 * u + j] + rec_b(2 * u + j));
      } else {
        Vec rh(u);
        for (std::int64_t j = 0; j < u; ++j) rh[j] = rr[j] * hp[j];
        rec = vecmat(rh, r, 2 * u, u);
      }
      for (std::int64_t j = 0; j < u; ++j) {
        const float hh = std::tanh(xk[2 * u + j] + in_b(2 * u + j) + rec[j]);
        h[j] = z[j] * hp[j] + (1.0f - z[j]) * hh;
      }
      s[0] = h;
    }
  }
};

// A stack of reference cells over one sample's sequence, as Keras's RNN + backend.rnn do it:
// returns the outputs in processing order and leaves the final states in `states`.
std::vector<Vec> run_stack(const std::vector<RefCell>& cells, const std::vector<Vec>& xs,
                           std::vector<std::vector<Vec>>& states, const std::vector<bool>& mask, bool backwards,
                           bool zero_output) {
  std::vector<Vec> outputs;
  const std::size_t steps = xs.size();
  for (std::size_t k = 0; k < steps; ++k) {
    const std::size_t t = backwards ? steps - 1 - k : k;
    if (!mask.empty() && !mask[t]) {
      const Vec previous = states.back()[0];
      outputs.push_back(zero_output ? Vec(previous.size(), 0.0f) : previous);
      continue;
    }
    Vec in = xs[t];
    for (std::size_t c = 0; c < cells.size(); ++c) {
      cells[c].step(in, states[c]);
      in = states[c][0];
    }
    outputs.push_back(in);
  }
  return outputs;
}

std::vector<Vec> sequence_of(const Tensor& x, std::int64_t b) {  // x (batch, time, features)
  std::vector<Vec> out;
  for (std::int64_t t = 0; t < x.dim(1); ++t) {
    Vec v(static_cast<std::size_t>(x.dim(2)));
    for (std::int64_t f = 0; f < x.dim(2); ++f) v[f] = x.at({b, t, f});
    out.push_back(v);
  }
  return out;
}

constexpr std::int64_t kBatch = 2, kSteps = 4, kFeatures = 3;

// SimpleRNNCell(3, relu) -> GRUCell(2, reset_after=False) -> LSTMCell(2).
std::vector<RefCell> three_cells() {
  RefCell a{RefCell::simple, 3, values({kFeatures, 3}, 0.1f), values({3, 3}, 0.4f), values({3}, 0.9f)};
  a.act = [](float v) { return std::max(v, 0.0f); };
  RefCell b{RefCell::gru, 2, values({3, 6}, 1.2f), values({2, 6}, 0.3f), values({6}, 2.2f)};
  b.reset_after = false;
  RefCell c{RefCell::lstm, 2, values({2, 8}, 0.7f), values({2, 8}, 1.9f), values({8}, 0.5f)};
  return {a, b, c};
}

const std::string kThreeCells = "[" + cell_json("SimpleRNNCell", R"({"units": 3, "activation": "relu"})") + ", " +
                                cell_json("GRUCell", R"({"units": 2, "reset_after": false})") + ", " +
                                cell_json("LSTMCell", R"({"units": 2})") + "]";

std::vector<Tensor> weights_of(const std::vector<RefCell>& cells) {
  std::vector<Tensor> w;
  for (const auto& c : cells) w.insert(w.end(), {c.k, c.r, c.b});
  return w;
}

std::vector<std::vector<Vec>> zero_states(const std::vector<RefCell>& cells) {
  std::vector<std::vector<Vec>> s;
  for (const auto& c : cells) s.emplace_back(c.state_count(), Vec(static_cast<std::size_t>(c.units), 0.0f));
  return s;
}

std::vector<Tensor> run(Layer& layer, const Tensor& x, std::optional<Tensor> mask = std::nullopt,
                        std::vector<Tensor> initial = {}) {
  CallArgs args({x});
  if (mask) args.masks = {*mask};
  if (!initial.empty()) args.tensor_kwargs["initial_state"] = std::move(initial);
  return layer(args);
}

}  // namespace

BOOST_AUTO_TEST_CASE(rnn_over_stacked_cells_of_three_kinds) {
  const auto cells = three_cells();
  const Tensor x = values({kBatch, kSteps, kFeatures}, 0.3f);
  for (const bool backwards : {false, true}) {
    BOOST_TEST_CONTEXT("go_backwards=" << backwards) {
      auto layer = layer_from("RNN", std::string(R"({"name": "rnn", "return_sequences": true, "return_state": true,)") +
                                         R"( "go_backwards": )" + (backwards ? "true" : "false") + R"(, "cell": )" +
                                         kThreeCells + "}");
      layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
      layer->set_weights(weights_of(cells));
      auto out = run(*layer, x);
      BOOST_REQUIRE_EQUAL(out.size(), 5u);  // sequence, then the states: simple h, gru h, lstm h, lstm c
      Tensor seq({kBatch, kSteps, 2});
      std::vector<Tensor> states{Tensor({kBatch, 3}), Tensor({kBatch, 2}), Tensor({kBatch, 2}), Tensor({kBatch, 2})};
      for (std::int64_t b = 0; b < kBatch; ++b) {
        auto st = zero_states(cells);
        auto outputs = run_stack(cells, sequence_of(x, b), st, {}, backwards, false);
        for (std::int64_t t = 0; t < kSteps; ++t) {
          for (std::int64_t j = 0; j < 2; ++j) seq.at({b, t, j}) = outputs[t][j];
        }
        const std::vector<const Vec*> flat{&st[0][0], &st[1][0], &st[2][0], &st[2][1]};
        for (std::size_t i = 0; i < flat.size(); ++i) {
          for (std::size_t j = 0; j < flat[i]->size(); ++j) {
            states[i].at({b, static_cast<std::int64_t>(j)}) = (*flat[i])[j];
          }
        }
      }
      check_close(out[0], seq, "sequence (processing order)");
      for (std::size_t i = 0; i < states.size(); ++i) check_close(out[i + 1], states[i], "state " + std::to_string(i));
      const auto shapes = layer->compute_output_shape({PartialShape{std::nullopt, kSteps, kFeatures}});
      BOOST_REQUIRE_EQUAL(shapes.size(), 5u);
      BOOST_CHECK(shapes[0] == (PartialShape{std::nullopt, kSteps, 2}));
      BOOST_CHECK(shapes[1] == (PartialShape{std::nullopt, 3}));
    }
  }
}

BOOST_AUTO_TEST_CASE(rnn_masks_and_initial_states_through_a_stack) {
  auto cells = three_cells();
  cells.erase(cells.begin() + 1);  // SimpleRNNCell(3) -> LSTMCell(2) needs a (3, 8) kernel
  cells[1].k = values({3, 8}, 0.2f);
  const std::string stack = "[" + cell_json("SimpleRNNCell", R"({"units": 3, "activation": "relu"})") + ", " +
                            cell_json("LSTMCell", R"({"units": 2})") + "]";
  const Tensor x = values({kBatch, kSteps, kFeatures}, 1.1f);
  // Sample 0: steps 1 and 2 masked; sample 1: the first step masked.
  const Tensor mask = bool_mask({kBatch, kSteps}, {true, false, false, true, false, true, true, true});
  const std::vector<Tensor> initial{values({kBatch, 3}, 0.6f), values({kBatch, 2}, 1.6f), values({kBatch, 2}, 2.6f)};
  for (const bool zero_output : {false, true}) {
    for (const bool backwards : {false, true}) {
      BOOST_TEST_CONTEXT("zero_output_for_mask=" << zero_output << " go_backwards=" << backwards) {
        auto layer = layer_from("RNN", std::string(R"({"return_sequences": true, "zero_output_for_mask": )") +
                                           (zero_output ? "true" : "false") + R"(, "go_backwards": )" +
                                           (backwards ? "true" : "false") + R"(, "cell": )" + stack + "}");
        layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
        layer->set_weights(weights_of(cells));
        const Tensor y = run(*layer, x, mask, initial)[0];
        Tensor want({kBatch, kSteps, 2});
        for (std::int64_t b = 0; b < kBatch; ++b) {
          std::vector<std::vector<Vec>> st(2);
          for (std::int64_t i = 0; i < 3; ++i) {
            const Tensor& s = initial[static_cast<std::size_t>(i)];
            Vec v(static_cast<std::size_t>(s.dim(1)));
            for (std::int64_t j = 0; j < s.dim(1); ++j) v[j] = s.at({b, j});
            st[i == 0 ? 0 : 1].push_back(v);
          }
          std::vector<bool> m;
          for (std::int64_t t = 0; t < kSteps; ++t) m.push_back(mask.data_as<bool>()[b * kSteps + t]);
          auto outputs = run_stack(cells, sequence_of(x, b), st, m, backwards, zero_output);
          for (std::int64_t t = 0; t < kSteps; ++t) {
            for (std::int64_t j = 0; j < 2; ++j) want.at({b, t, j}) = outputs[t][j];
          }
        }
        check_close(y, want, "masked sequence");
      }
    }
  }
  // A wrong number of initial states names both counts.
  auto layer = layer_from("RNN", R"({"cell": )" + stack + "}");
  BOOST_CHECK(contains(error_of<ValueError>([&] { run(*layer, x, std::nullopt, {initial[0]}); }),
                       "expects 3 initial state tensor(s), got 1"));
}

BOOST_AUTO_TEST_CASE(rnn_config_weights_and_errors) {
  auto layer = layer_from("RNN", R"({"name": "r", "cell": )" + kThreeCells + "}");
  layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
  const auto config = layer->get_config();
  BOOST_CHECK((keys_of(config) == std::vector<std::string>{"name", "trainable", "dtype", "return_sequences",
                                                           "return_state", "go_backwards", "stateful", "unroll",
                                                           "zero_output_for_mask", "cell"}));
  // The list was stacked; the stack writes its cells, each built on its predecessor's output.
  const auto& cell = config.at("cell").as_object();
  BOOST_CHECK_EQUAL(cell.at("class_name").as_string(), "StackedRNNCells");
  const auto& cells = cell.at("config").at("cells").as_array();
  BOOST_REQUIRE_EQUAL(cells.size(), 3u);
  BOOST_CHECK(cells[1].at("build_config").at("input_shape") == json::parse("[null, 3]"));
  BOOST_CHECK(cells[2].at("build_config").at("input_shape") == json::parse("[null, 2]"));
  // Weights: each cell's kernel, recurrent_kernel, bias, in order; a round trip keeps the config.
  const auto w = layer->weights();
  BOOST_REQUIRE_EQUAL(w.size(), 9u);
  BOOST_CHECK(w[3]->shape() == (Shape{3, 6}));  // GRU kernel on the SimpleRNN's 3 units
  BOOST_CHECK(w[5]->shape() == (Shape{6}));     // reset_after=False bias
  BOOST_CHECK(w[6]->shape() == (Shape{2, 8}));
  BOOST_CHECK(serialize_layer(*layer_from("RNN", json::write(config))).at("config") == boost::json::value(config));
  const auto attrs = layer->layer_attributes();
  BOOST_REQUIRE_EQUAL(attrs.size(), 1u);
  BOOST_CHECK_EQUAL(attrs[0].name, "cell");
  const auto stack_attrs = attrs[0].layers[0]->layer_attributes();
  BOOST_REQUIRE_EQUAL(stack_attrs.size(), 1u);
  BOOST_CHECK_EQUAL(stack_attrs[0].name, "cells");
  BOOST_CHECK(stack_attrs[0].is_list);

  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("RNN", R"({"return_sequences": true})"); }), "cell"));
  const std::string not_cell = error_of<NotSupportedError>(
      [] { layer_from("RNN", R"({"cell": )" + cell_json("Dense", R"({"units": 2})") + "}"); });
  BOOST_CHECK(contains(not_cell, "expected a recurrent cell"));
  BOOST_CHECK(contains(not_cell, "Dense"));
  BOOST_CHECK(contains(not_cell, "cell"));
  // stateful=True needs a static batch size, as in Keras.
  BOOST_CHECK(contains(error_of<ValueError>([] {
                         layer_from("RNN",
                                    R"({"stateful": true, "cell": )" + cell_json("LSTMCell", R"({"units": 2})") + "}")
                             ->maybe_build({PartialShape{std::nullopt, 4, 3}});
                       }),
                       "stateful"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("StackedRNNCells", R"({"cells": []})"); }), "cells"));
  BOOST_CHECK(contains(
      error_of<ConfigError>([] { layer_from("RNN", R"({"cell": )" + cell_json("LSTMCell", "{}") + "}"); }), "units"));
  // Inputs of the wrong width are refused with the expected shape.
  auto single = layer_from("RNN", R"({"cell": )" + cell_json("GRUCell", R"({"units": 2})") + "}");
  single->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         run(*single, values({1, 2, 5}, 0.0f));
                       }),
                       "expects inputs of shape (None, None, 3), got (1, 2, 5)"));
}

BOOST_AUTO_TEST_CASE(stacked_cells_called_as_a_layer) {
  auto stack = layer_from("StackedRNNCells", R"({"cells": )" + kThreeCells + "}");
  const auto cells = three_cells();
  stack->maybe_build({PartialShape{std::nullopt, kFeatures}});
  stack->set_weights(weights_of(cells));
  const Tensor x = values({kBatch, kFeatures}, 0.8f);
  CallArgs args({x});
  auto out = (*stack)(args);  // [output, simple h, gru h, lstm h, lstm c], from zero states
  BOOST_REQUIRE_EQUAL(out.size(), 5u);
  for (std::int64_t b = 0; b < kBatch; ++b) {
    auto st = zero_states(cells);
    auto outputs = run_stack(cells, {sequence_of(x.reshape({kBatch, 1, kFeatures}), b)[0]}, st, {}, false, false);
    for (std::int64_t j = 0; j < 2; ++j) {
      BOOST_CHECK_CLOSE_FRACTION(out[0].at({b, j}) + 10.0f, outputs[0][j] + 10.0f, 2e-6);
      BOOST_CHECK_CLOSE_FRACTION(out[4].at({b, j}) + 10.0f, st[2][1][j] + 10.0f, 2e-6);
    }
  }
}

// ---- ConvLSTM ----

namespace {

// Keras's conv on one channels_last sample (spatial..., in) with "same" or "valid" padding:
// out (spatial'..., filters). Spatial rank 1 or 2 (a rank-1 sample is given as (1, w, in)).
Tensor conv_ref(const Tensor& x, const Tensor& kernel, std::array<std::int64_t, 2> strides,
                std::array<std::int64_t, 2> dilation, bool same) {
  const std::int64_t h = x.dim(0), w = x.dim(1), cin = x.dim(2);
  const std::int64_t kh = kernel.dim(0), kw = kernel.dim(1), f = kernel.dim(3);
  auto out_len = [&](std::int64_t n, std::int64_t k, std::int64_t s, std::int64_t d) {
    const std::int64_t span = (k - 1) * d + 1;
    return same ? (n + s - 1) / s : (n - span) / s + 1;
  };
  const std::int64_t oh = out_len(h, kh, strides[0], dilation[0]), ow = out_len(w, kw, strides[1], dilation[1]);
  auto pad_before = [&](std::int64_t n, std::int64_t o, std::int64_t k, std::int64_t s, std::int64_t d) {
    return same ? std::max<std::int64_t>((o - 1) * s + (k - 1) * d + 1 - n, 0) / 2 : 0;
  };
  const std::int64_t ph = pad_before(h, oh, kh, strides[0], dilation[0]);
  const std::int64_t pw = pad_before(w, ow, kw, strides[1], dilation[1]);
  Tensor out({oh, ow, f});
  for (std::int64_t i = 0; i < oh; ++i) {
    for (std::int64_t j = 0; j < ow; ++j) {
      for (std::int64_t o = 0; o < f; ++o) {
        float acc = 0.0f;
        for (std::int64_t a = 0; a < kh; ++a) {
          for (std::int64_t b = 0; b < kw; ++b) {
            const std::int64_t y = i * strides[0] + a * dilation[0] - ph, z = j * strides[1] + b * dilation[1] - pw;
            if (y < 0 || y >= h || z < 0 || z >= w) continue;
            for (std::int64_t c = 0; c < cin; ++c) acc += x.at({y, z, c}) * kernel.at({a, b, c, o});
          }
        }
        out.at({i, j, o}) = acc;
      }
    }
  }
  return out;
}

// One ConvLSTM2D sample (time, h, w, in) -> (outputs per step in processing order, h, c).
struct ConvRef {
  std::vector<Tensor> outputs;
  Tensor h, c;
};
ConvRef conv_lstm_ref(const Tensor& seq, const Tensor& k, const Tensor& r, const Tensor& bias,
                      std::array<std::int64_t, 2> strides, std::array<std::int64_t, 2> dilation, bool same,
                      bool backwards) {
  const std::int64_t steps = seq.dim(0), f = r.dim(2);
  ConvRef ref;
  for (std::int64_t n = 0; n < steps; ++n) {
    const std::int64_t t = backwards ? steps - 1 - n : n;
    const Tensor x = seq.slice_rows(t, t + 1).reshape({seq.dim(1), seq.dim(2), seq.dim(3)});
    Tensor zx = conv_ref(x, k, strides, dilation, same);
    if (n == 0) {
      ref.h = Tensor({zx.dim(0), zx.dim(1), f});
      ref.c = ref.h;
    }
    const Tensor zh = conv_ref(ref.h, r, {1, 1}, {1, 1}, true);
    Tensor h2 = ref.h, c2 = ref.c;
    for (std::int64_t p = 0; p < zx.dim(0) * zx.dim(1); ++p) {
      for (std::int64_t o = 0; o < f; ++o) {
        auto z = [&](std::int64_t g) {
          return zx[p * 4 * f + g * f + o] + zh[p * 4 * f + g * f + o] + bias[g * f + o];
        };
        const float i = sigmoid(z(0)), fg = sigmoid(z(1)), g = std::tanh(z(2)), og = sigmoid(z(3));
        c2[p * f + o] = fg * ref.c[p * f + o] + i * g;
        h2[p * f + o] = og * std::tanh(c2[p * f + o]);
      }
    }
    ref.h = h2;
    ref.c = c2;
    ref.outputs.push_back(h2.clone());
  }
  return ref;
}

}  // namespace

BOOST_AUTO_TEST_CASE(conv_lstm2d_strides_dilation_padding_states_and_channels_first) {
  struct Case {
    std::string options;
    std::array<std::int64_t, 2> strides, dilation;
    bool same, backwards, channels_first;
  };
  const std::vector<Case> cases{
      {R"("strides": [2, 1], "padding": "valid")", {2, 1}, {1, 1}, false, false, false},
      {R"("dilation_rate": 2, "padding": "same", "go_backwards": true)", {1, 1}, {2, 2}, true, true, false},
      {R"("strides": 2, "padding": "SAME", "data_format": "channels_first")", {2, 2}, {1, 1}, true, false, true},
  };
  const std::int64_t steps = 3, rows = 5, cols = 4, in = 2, filters = 3;
  const Tensor k = values({2, 3, in, 4 * filters}, 0.2f), r = values({2, 3, filters, 4 * filters}, 1.4f),
               bias = values({4 * filters}, 2.5f);
  const Tensor x = values({kBatch, steps, rows, cols, in}, 0.9f);
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.options) {
      auto layer = layer_from("ConvLSTM2D", R"({"filters": 3, "kernel_size": [2, 3], "return_sequences": true,)"
                                            R"( "return_state": true, )" +
                                                c.options + "}");
      const Tensor input = c.channels_first ? ops::moveaxis(x, -1, 2) : x;
      const auto shapes = layer->compute_output_shape({PartialShape::known(input.shape())});
      BOOST_REQUIRE_EQUAL(shapes.size(), 3u);
      layer->maybe_build({PartialShape{std::nullopt, steps, input.dim(2), input.dim(3), input.dim(4)}});
      BOOST_REQUIRE_EQUAL(layer->weights().size(), 3u);
      BOOST_CHECK(layer->weights()[0]->shape() == k.shape());
      layer->set_weights({k, r, bias});
      auto out = run(*layer, input);
      BOOST_REQUIRE_EQUAL(out.size(), 3u);
      for (std::size_t i = 0; i < 3; ++i) BOOST_CHECK(shapes[i].compatible_with(out[i].shape()));
      for (std::int64_t b = 0; b < kBatch; ++b) {
        const Tensor seq = x.slice_rows(b, b + 1).reshape({steps, rows, cols, in});
        const ConvRef ref = conv_lstm_ref(seq, k, r, bias, c.strides, c.dilation, c.same, c.backwards);
        Tensor got_seq = out[0].slice_rows(b, b + 1), got_h = out[1].slice_rows(b, b + 1);
        Tensor got_c = out[2].slice_rows(b, b + 1);
        if (c.channels_first) {
          got_seq = ops::moveaxis(got_seq, 2, -1);
          got_h = ops::moveaxis(got_h, 1, -1);
          got_c = ops::moveaxis(got_c, 1, -1);
        }
        check_close(got_seq.reshape(Shape{steps, ref.h.dim(0), ref.h.dim(1), filters}), ops::stack(ref.outputs, 0),
                    "sequence of sample " + std::to_string(b));
        check_close(got_h.reshape(ref.h.shape()), ref.h, "h");
        check_close(got_c.reshape(ref.c.shape()), ref.c, "c");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(conv_lstm1d_masks) {
  const std::int64_t steps = 3, width = 5, in = 2, filters = 2;
  auto layer = layer_from("ConvLSTM1D", R"({"name": "c1", "filters": 2, "kernel_size": 3, "padding": "same"})");
  layer->maybe_build({PartialShape{std::nullopt, steps, width, in}});
  const Tensor k = values({3, in, 4 * filters}, 0.4f), r = values({3, filters, 4 * filters}, 1.0f),
               bias = values({4 * filters}, 0.1f);
  layer->set_weights({k, r, bias});
  const Tensor x = values({kBatch, steps, width, in}, 0.5f);
  // Sample 0: the last step masked (its state stays); sample 1: nothing masked.
  const Tensor mask = bool_mask({kBatch, steps}, {true, true, false, true, true, true});
  const Tensor y = run(*layer, x, mask)[0];
  BOOST_REQUIRE(y.shape() == (Shape{kBatch, width, filters}));
  for (std::int64_t b = 0; b < kBatch; ++b) {
    // A 1-D sample is a 2-D one with one row.
    const std::int64_t used = b == 0 ? 2 : 3;
    const Tensor seq = x.slice_rows(b, b + 1).reshape({steps, 1, width, in}).slice_rows(0, used);
    const ConvRef ref = conv_lstm_ref(seq, k.reshape({1, 3, in, 4 * filters}), r.reshape({1, 3, filters, 4 * filters}),
                                      bias, {1, 1}, {1, 1}, true, false);
    check_close(y.slice_rows(b, b + 1).reshape({width, filters}), ref.h.reshape({width, filters}),
                "last output of sample " + std::to_string(b));
  }
}

BOOST_AUTO_TEST_CASE(conv_lstm1d_config_in_keras_order) {
  auto layer = layer_from("ConvLSTM1D", R"({"name": "c1", "filters": 2, "kernel_size": 3, "padding": "same"})");
  const auto config = layer->get_config();
  BOOST_CHECK((keys_of(config) == std::vector<std::string>{"name",
                                                           "trainable",
                                                           "dtype",
                                                           "return_sequences",
                                                           "return_state",
                                                           "go_backwards",
                                                           "stateful",
                                                           "unroll",
                                                           "zero_output_for_mask",
                                                           "filters",
                                                           "kernel_size",
                                                           "strides",
                                                           "padding",
                                                           "data_format",
                                                           "dilation_rate",
                                                           "activation",
                                                           "recurrent_activation",
                                                           "use_bias",
                                                           "kernel_initializer",
                                                           "recurrent_initializer",
                                                           "bias_initializer",
                                                           "unit_forget_bias",
                                                           "kernel_regularizer",
                                                           "recurrent_regularizer",
                                                           "bias_regularizer",
                                                           "activity_regularizer",
                                                           "kernel_constraint",
                                                           "recurrent_constraint",
                                                           "bias_constraint",
                                                           "dropout",
                                                           "recurrent_dropout",
                                                           "seed"}));
  BOOST_CHECK(config.at("kernel_size") == json::parse("[3]"));
  // A fresh cell's bias: zeros, ones for the forget gate.
  auto fresh = layer_from("ConvLSTM1D", R"({"filters": 1, "kernel_size": 1})");
  fresh->maybe_build({PartialShape{std::nullopt, 2, 3, 1}});
  BOOST_CHECK(fresh->get_weights()[2] == Tensor({4}, {0, 1, 0, 0}));
}

BOOST_AUTO_TEST_CASE(conv_lstm_config_and_shape_errors) {
  BOOST_CHECK(contains(error_of<ConfigError>([] {
                         layer_from("ConvLSTM2D",
                                    R"({"filters": 2, "kernel_size": 2, "strides": 2, "dilation_rate": 2})");
                       }),
                       "dilation_rate"));
  BOOST_CHECK(contains(error_of<ConfigError>([] {
                         layer_from("ConvLSTM2D", R"({"filters": 2, "kernel_size": 2, "padding": "causal"})");
                       }),
                       "padding"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("ConvLSTM2D", R"({"kernel_size": 2})"); }), "filters"));
  BOOST_CHECK(contains(error_of<ValueError>([] {
                         layer_from("ConvLSTM1D", R"({"filters": 2, "kernel_size": 2, "stateful": true})")
                             ->maybe_build({PartialShape{std::nullopt, 4, 5, 2}});
                       }),
                       "stateful"));
  auto two_d = layer_from("ConvLSTM2D", R"({"filters": 2, "kernel_size": 2})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         two_d->maybe_build({PartialShape{std::nullopt, 3, 4, 2}});
                       }),
                       "expects inputs of rank 5"));
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         two_d->maybe_build({PartialShape{std::nullopt, 3, std::nullopt, 4, 2}});
                       }),
                       "static input shapes for the spatial dimension"));
}

// ---- TimeDistributed ----

BOOST_AUTO_TEST_CASE(conv_lstm3d_of_depth_one_is_a_conv_lstm2d) {
  // A 3-D sample of depth 1 under a kernel of depth 1 convolves as its 2-D slice does.
  const std::int64_t steps = 3, h = 4, w = 3, in = 2, filters = 2;
  auto layer = layer_from("ConvLSTM3D", R"({"filters": 2, "kernel_size": [1, 2, 2], "strides": [1, 2, 1],
                                            "padding": "same", "return_sequences": true})");
  BOOST_CHECK_EQUAL(layer->class_name(), "ConvLSTM3D");
  layer->maybe_build({PartialShape{std::nullopt, steps, 1, h, w, in}});
  const Tensor k = values({2, 2, in, 4 * filters}, 0.3f), r = values({2, 2, filters, 4 * filters}, 0.8f),
               bias = values({4 * filters}, 0.2f);
  layer->set_weights({k.reshape({1, 2, 2, in, 4 * filters}), r.reshape({1, 2, 2, filters, 4 * filters}), bias});
  const Tensor x = values({kBatch, steps, 1, h, w, in}, 0.7f);
  const Tensor y = run(*layer, x)[0];
  BOOST_REQUIRE(y.shape() == (Shape{kBatch, steps, 1, 2, 3, filters}));
  for (std::int64_t b = 0; b < kBatch; ++b) {
    const ConvRef ref =
        conv_lstm_ref(x.slice_rows(b, b + 1).reshape({steps, h, w, in}), k, r, bias, {2, 1}, {1, 1}, true, false);
    const Tensor outputs = y.slice_rows(b, b + 1).reshape({steps, 2, 3, filters});
    for (std::int64_t t = 0; t < steps; ++t) {
      check_close(outputs.slice_rows(t, t + 1).reshape({2, 3, filters}), ref.outputs[static_cast<std::size_t>(t)],
                  "sample " + std::to_string(b) + " step " + std::to_string(t));
    }
  }
  BOOST_CHECK(layer->get_config().at("kernel_size") == json::parse("[1, 2, 2]"));
}

BOOST_AUTO_TEST_CASE(time_distributed_lstm_gets_the_folded_mask) {
  // TimeDistributed(LSTM) over (batch, time, inner_time, features) with a 3-D mask: each
  // (sample, step) is an LSTM run over inner_time with its own mask row.
  const std::int64_t outer = 3, inner = 4, features = 2, units = 2;
  auto layer = layer_from("TimeDistributed",
                          R"({"name": "td", "layer": )" + cell_json("LSTM", R"({"name": "l", "units": 2})") + "}");
  layer->maybe_build({PartialShape{std::nullopt, outer, inner, features}});
  RefCell lstm{RefCell::lstm, units, values({features, 8}, 0.3f), values({units, 8}, 1.3f), values({8}, 2.3f)};
  layer->set_weights({lstm.k, lstm.r, lstm.b});
  const Tensor x = values({kBatch, outer, inner, features}, 0.7f);
  Tensor mask({kBatch, outer, inner}, DType::bool_);
  for (std::int64_t i = 0; i < mask.size(); ++i) mask.data_as<bool>()[i] = (i * 7) % 5 != 2;
  CallArgs args({x});
  args.masks = {mask};
  auto out = (*layer)(args);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  Tensor want({kBatch, outer, units});
  for (std::int64_t b = 0; b < kBatch; ++b) {
    for (std::int64_t t = 0; t < outer; ++t) {
      const Tensor seq = x.slice_rows(b, b + 1).reshape({outer, inner, features}).slice_rows(t, t + 1);
      std::vector<std::vector<Vec>> st{{Vec(units, 0.0f), Vec(units, 0.0f)}};
      std::vector<bool> m;
      for (std::int64_t s = 0; s < inner; ++s) m.push_back(mask.data_as<bool>()[(b * outer + t) * inner + s]);
      auto outputs = run_stack({lstm}, sequence_of(seq, 0), st, m, false, false);
      for (std::int64_t j = 0; j < units; ++j) want.at({b, t, j}) = outputs.back()[j];
    }
  }
  check_close(out[0], want, "per-step LSTM outputs");
  BOOST_CHECK(!layer->compute_mask(args, out)[0].has_value());
  BOOST_CHECK(layer->compute_output_shape({PartialShape{std::nullopt, outer, inner, features}})[0] ==
              (PartialShape{std::nullopt, outer, units}));
  BOOST_CHECK((keys_of(layer->get_config()) == std::vector<std::string>{"name", "trainable", "dtype", "layer"}));
  BOOST_REQUIRE_EQUAL(layer->layer_attributes().size(), 1u);
  BOOST_CHECK_EQUAL(layer->layer_attributes()[0].name, "layer");

  // Keras's mask checks, and an inner layer with several outputs.
  CallArgs bad({x});
  bad.masks = {bool_mask({kBatch}, {true, true})};
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*layer)(bad); }), "must be at least 2D"));
  bad.masks = {Tensor({kBatch, outer + 1}, DType::bool_)};
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*layer)(bad); }), "incompatible with the input shape"));
  auto states =
      layer_from("TimeDistributed", R"({"layer": )" + cell_json("LSTM", R"({"units": 2, "return_state": true})") + "}");
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*states)(x); }), "to give one output, it gives 3"));
  auto dense = layer_from("TimeDistributed", R"({"layer": )" + cell_json("Dense", R"({"units": 2})") + "}");
  BOOST_CHECK(contains(error_of<ValueError>([&] { (*dense)(values({2, 3}, 0.0f)); }), "at least 3 dimensions"));
  BOOST_CHECK(contains(error_of<ConfigError>([] { layer_from("TimeDistributed", "{}"); }), "layer"));
}

BOOST_AUTO_TEST_CASE(time_distributed_dense_on_rank4_with_a_2d_mask) {
  auto layer = layer_from("TimeDistributed", R"({"layer": )" + cell_json("Dense", R"({"units": 2})") + "}");
  const Tensor x = values({2, 3, 2, 4}, 0.2f);
  layer->maybe_build({PartialShape::known(x.shape())});
  const Tensor k = values({4, 2}, 1.0f), b = values({2}, 3.0f);
  layer->set_weights({k, b});
  CallArgs args({x});
  args.masks = {bool_mask({2, 3}, {true, false, true, true, true, false})};  // Dense ignores it, as in Keras
  const Tensor y = (*layer)(args)[0];
  Tensor want({2, 3, 2, 2});
  for (std::int64_t i = 0; i < 12; ++i) {
    for (std::int64_t o = 0; o < 2; ++o) {
      float acc = b[o];
      for (std::int64_t f = 0; f < 4; ++f) acc += x[i * 4 + f] * k.at({f, o});
      want[i * 2 + o] = acc;
    }
  }
  check_close(y, want, "dense per step");
}

// ---- Bidirectional with states ----

BOOST_AUTO_TEST_CASE(bidirectional_lstm_concat_return_state_and_over_an_rnn) {
  const std::int64_t units = 2;
  RefCell fw{RefCell::lstm, units, values({kFeatures, 8}, 0.1f), values({units, 8}, 0.6f), values({8}, 1.1f)};
  RefCell bw{RefCell::lstm, units, values({kFeatures, 8}, 1.6f), values({units, 8}, 2.1f), values({8}, 2.6f)};
  const Tensor x = values({kBatch, kSteps, kFeatures}, 0.45f);
  const std::vector<std::string> inner{cell_json("LSTM", R"({"name": "l", "units": 2, "return_state": true})"),
                                       cell_json("RNN", R"({"name": "g", "return_state": true, "cell": )" +
                                                            cell_json("LSTMCell", R"({"units": 2})") + "}")};
  for (const auto& layer_config : inner) {
    BOOST_TEST_CONTEXT(layer_config) {
      auto layer = layer_from("Bidirectional", R"({"layer": )" + layer_config + "}");
      layer->maybe_build({PartialShape{std::nullopt, kSteps, kFeatures}});
      layer->set_weights({fw.k, fw.r, fw.b, bw.k, bw.r, bw.b});
      auto out = run(*layer, x);
      BOOST_REQUIRE_EQUAL(out.size(), 5u);  // concat(h_f, h_b), h_f, c_f, h_b, c_b
      Tensor merged({kBatch, 2 * units});
      std::vector<Tensor> states(4, Tensor({kBatch, units}));
      for (std::int64_t b = 0; b < kBatch; ++b) {
        std::vector<std::vector<Vec>> f{{Vec(units, 0.0f), Vec(units, 0.0f)}}, r = f;
        run_stack({fw}, sequence_of(x, b), f, {}, false, false);
        run_stack({bw}, sequence_of(x, b), r, {}, true, false);
        for (std::int64_t j = 0; j < units; ++j) {
          merged.at({b, j}) = f[0][0][j];
          merged.at({b, units + j}) = r[0][0][j];
          states[0].at({b, j}) = f[0][0][j];
          states[1].at({b, j}) = f[0][1][j];
          states[2].at({b, j}) = r[0][0][j];
          states[3].at({b, j}) = r[0][1][j];
        }
      }
      check_close(out[0], merged, "merged");
      for (std::size_t i = 0; i < 4; ++i) check_close(out[i + 1], states[i], "state " + std::to_string(i));
      BOOST_CHECK_EQUAL(layer->compute_output_shape({PartialShape{std::nullopt, kSteps, kFeatures}}).size(), 5u);
    }
  }
}
