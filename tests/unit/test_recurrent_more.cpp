// RNN over cells and stacked cells, TimeDistributed and Bidirectional's states (issue 10):
// options the fixtures do not cover (return_state, go_backwards, masks, initial states, stacks
// of different cells), checked against Keras's formulas worked out here in plain scalar code.
// ConvLSTM's are in test_conv_lstm.cpp.
#define BOOST_TEST_MODULE recurrent_more
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/models/model.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "recurrent_support.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

using namespace kplug;
using namespace kplug::layers;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

using test::bool_mask;
using test::check_close;
using test::kBatch;
using test::keys_of;
using test::layer_from;
using test::run;
using test::sigmoid;
using test::values;

std::string cell_json(const std::string& class_name, const std::string& config) {
  return R"({"module": "keras.layers", "class_name": ")" + class_name + R"(", "config": )" + config + "}";
}

// ---- scalar reference maths, one sample at a time ----
using Vec = std::vector<float>;

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

constexpr std::int64_t kSteps = 4, kFeatures = 3;

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

// ---- TimeDistributed ----

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
