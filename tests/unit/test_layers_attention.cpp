// The attention family (issue 10) beyond the Keras fixtures: EinsumDense with ellipses,
// MultiHeadAttention with value_dim != key_dim, a multi-dim output_shape, masks,
// attention_axes and returned scores, Attention/AdditiveAttention masks,
// GroupQueryAttention's shared kv heads, masks and gate (issue 20), each against a naive
// reference written here from Keras's formulas; and clear errors.
#define BOOST_TEST_MODULE layers_attention
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/attention.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <vector>

using namespace kplug;
using namespace kplug::layers;

namespace {

using kplug::test::check_close;
using kplug::test::contains;
using kplug::test::error_of;

using test::layer_from;

std::string config_of(const Layer& layer) { return json::write(layer.get_config()); }

Tensor pattern(const Shape& shape, float seed, float scale = 1.0f) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = scale * std::sin(static_cast<float>(i) * 0.37f + seed);
  return t;
}

// Gives every weight of `layer` a distinct pattern; returns them in weights() order.
std::vector<Tensor> fill_weights(Layer& layer) {
  std::vector<Tensor> values;
  float seed = 0.5f;
  for (const auto& w : layer.weights()) values.push_back(pattern(w->shape(), seed += 0.9f, 0.6f));
  layer.set_weights(values);
  return values;
}

// ---- naive multi-head attention over rank-3 inputs (B, T, D) ----
struct MhaWeights {
  Tensor wq, bq, wk, bk, wv, bv, wo, bo;  // wo (N, Hv, O...) flattened to O; biases may be empty
  bool bias = true;
};

// x (B, T, D) . w (D, N, H) + b (N, H) -> (B, T, N, H), flat.
std::vector<float> project(const Tensor& x, const Tensor& w, const Tensor* b) {
  const std::int64_t B = x.dim(0), T = x.dim(1), D = x.dim(2), NH = w.size() / D;
  std::vector<float> out(static_cast<std::size_t>(B * T * NH));
  for (std::int64_t i = 0; i < B * T; ++i)
    for (std::int64_t j = 0; j < NH; ++j) {
      float s = b ? (*b)[j] : 0.0f;
      for (std::int64_t d = 0; d < D; ++d) s += x[i * D + d] * w[d * NH + j];
      out[static_cast<std::size_t>(i * NH + j)] = s;
    }
  return out;
}

// mask (B, T, S) of 0/1 or empty; `zero_masked` as Keras's Softmax-layer path.
Tensor naive_mha(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const MhaWeights& w, std::int64_t N,
                 std::int64_t H, std::int64_t Hv, const std::vector<float>& mask, bool zero_masked,
                 std::vector<float>* probs_out = nullptr) {
  const std::int64_t B = q_in.dim(0), T = q_in.dim(1), S = k_in.dim(1);
  const auto Q = project(q_in, w.wq, w.bias ? &w.bq : nullptr);
  const auto K = project(k_in, w.wk, w.bias ? &w.bk : nullptr);
  const auto V = project(v_in, w.wv, w.bias ? &w.bv : nullptr);
  const std::int64_t O = w.wo.size() / (N * Hv);
  Tensor out({B, T, O});
  std::vector<float> ctx(static_cast<std::size_t>(N * Hv));
  if (probs_out) probs_out->assign(static_cast<std::size_t>(B * N * T * S), 0.0f);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t t = 0; t < T; ++t) {
      for (std::int64_t n = 0; n < N; ++n) {
        std::vector<double> score(static_cast<std::size_t>(S));
        double mx = -1e30;
        for (std::int64_t s = 0; s < S; ++s) {
          double d = 0;
          for (std::int64_t h = 0; h < H; ++h)
            d += Q[static_cast<std::size_t>(((b * T + t) * N + n) * H + h)] *
                 K[static_cast<std::size_t>(((b * S + s) * N + n) * H + h)];
          d /= std::sqrt(static_cast<double>(H));
          const bool keep = mask.empty() || mask[static_cast<std::size_t>((b * T + t) * S + s)] != 0.0f;
          score[static_cast<std::size_t>(s)] = keep ? d : -1e9;
          mx = std::max(mx, score[static_cast<std::size_t>(s)]);
        }
        double total = 0;
        for (auto& sc : score) total += (sc = std::exp(sc - mx));
        for (std::int64_t s = 0; s < S; ++s) {
          double p = score[static_cast<std::size_t>(s)] / total;
          if (zero_masked && !mask.empty() && mask[static_cast<std::size_t>((b * T + t) * S + s)] == 0.0f) p = 0;
          score[static_cast<std::size_t>(s)] = p;
          if (probs_out) (*probs_out)[static_cast<std::size_t>(((b * N + n) * T + t) * S + s)] = static_cast<float>(p);
        }
        for (std::int64_t h = 0; h < Hv; ++h) {
          double c = 0;
          for (std::int64_t s = 0; s < S; ++s)
            c += score[static_cast<std::size_t>(s)] * V[static_cast<std::size_t>(((b * S + s) * N + n) * Hv + h)];
          ctx[static_cast<std::size_t>(n * Hv + h)] = static_cast<float>(c);
        }
      }
      for (std::int64_t o = 0; o < O; ++o) {
        float s = w.bias ? w.bo[o] : 0.0f;
        for (std::int64_t j = 0; j < N * Hv; ++j) s += ctx[static_cast<std::size_t>(j)] * w.wo[j * O + o];
        out[(b * T + t) * O + o] = s;
      }
    }
  return out;
}

MhaWeights mha_weights(const std::vector<Tensor>& v, bool bias) {
  MhaWeights w;
  w.bias = bias;
  if (bias) {
    w.wq = v[0], w.bq = v[1], w.wk = v[2], w.bk = v[3], w.wv = v[4], w.bv = v[5], w.wo = v[6], w.bo = v[7].flatten();
  } else {
    w.wq = v[0], w.wk = v[1], w.wv = v[2], w.wo = v[3];
  }
  return w;
}

std::vector<Tensor> run(Layer& layer, CallArgs& args) { return layer(args); }

// A key/value projection's kv heads repeated for the query heads they serve (head n uses
// kv head n / repeats): kernel (D, KV, H) -> (D, KV * repeats, H), bias (KV, H) likewise.
Tensor repeat_heads(const Tensor& w, std::int64_t repeats) {
  const bool kernel = w.rank() == 3;
  const std::int64_t D = kernel ? w.dim(0) : 1, KV = w.dim(kernel ? 1 : 0), H = w.dim(kernel ? 2 : 1);
  Tensor out(kernel ? Shape{D, KV * repeats, H} : Shape{KV * repeats, H});
  for (std::int64_t d = 0; d < D; ++d)
    for (std::int64_t n = 0; n < KV * repeats; ++n)
      for (std::int64_t h = 0; h < H; ++h) out[(d * KV * repeats + n) * H + h] = w[(d * KV + n / repeats) * H + h];
  return out;
}

}  // namespace

// ---- EinsumDense ----

BOOST_AUTO_TEST_CASE(einsum_dense_right_ellipsis_bias_broadcasts_over_the_elided_axes) {
  auto layer =
      layer_from("EinsumDense", R"({"name": "e", "equation": "ab...,bc->ac...", "output_shape": 5, "bias_axes": "c"})");
  layer->maybe_build({PartialShape{std::nullopt, 4, 3}});
  BOOST_REQUIRE_EQUAL(layer->weights().size(), 2u);
  BOOST_CHECK(layer->weights()[0]->shape() == (Shape{4, 5}));
  BOOST_CHECK(layer->weights()[1]->shape() == (Shape{5, 1}));  // Keras pads the bias for the elided axis
  const auto w = fill_weights(*layer);
  const Tensor x = pattern({2, 4, 3}, 0.1f);
  const Tensor y = (*layer)(x);
  BOOST_REQUIRE(y.shape() == (Shape{2, 5, 3}));
  for (std::int64_t a = 0; a < 2; ++a)
    for (std::int64_t c = 0; c < 5; ++c)
      for (std::int64_t e = 0; e < 3; ++e) {
        float s = w[1][c];
        for (std::int64_t b = 0; b < 4; ++b) s += x[(a * 4 + b) * 3 + e] * w[0][b * 5 + c];
        BOOST_CHECK_CLOSE(y[(a * 5 + c) * 3 + e], s, 1e-3);
      }
  BOOST_CHECK(layer->compute_output_shape({PartialShape{std::nullopt, 4, 3}})[0] == (PartialShape{std::nullopt, 5, 3}));
  BOOST_CHECK(contains(config_of(*layer), R"("output_shape": [5], "equation": "ab...,bc->ac...")"));
}

BOOST_AUTO_TEST_CASE(einsum_dense_left_ellipsis_any_rank_with_activation) {
  auto layer = layer_from(
      "EinsumDense",
      R"({"name": "e", "equation": "...b,bc->...c", "output_shape": [3], "bias_axes": "c", "activation": "relu"})");
  layer->maybe_build({PartialShape{std::nullopt, 2, 2, 4}});
  BOOST_CHECK(layer->weights()[1]->shape() == (Shape{3}));
  const auto w = fill_weights(*layer);
  const Tensor x = pattern({2, 2, 2, 4}, 0.7f);
  const Tensor y = (*layer)(x);
  BOOST_REQUIRE(y.shape() == (Shape{2, 2, 2, 3}));
  for (std::int64_t i = 0; i < 8; ++i)
    for (std::int64_t c = 0; c < 3; ++c) {
      float s = w[1][c];
      for (std::int64_t b = 0; b < 4; ++b) s += x[i * 4 + b] * w[0][b * 3 + c];
      BOOST_CHECK_CLOSE(y[i * 3 + c] + 1.0f, std::max(s, 0.0f) + 1.0f, 1e-3);
    }
}

BOOST_AUTO_TEST_CASE(einsum_dense_errors_are_keras_messages) {
  auto bad = layer_from("EinsumDense", R"({"equation": "ab->b", "output_shape": 5})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         bad->maybe_build({PartialShape{std::nullopt, 4}});
                       }),
                       "Invalid einsum equation 'ab->b'"));
  auto mismatch = layer_from("EinsumDense", R"({"equation": "abc,cd->abd", "output_shape": [7, 5]})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         mismatch->maybe_build({PartialShape{std::nullopt, 3, 4}});
                       }),
                       "Input shape and output shape do not match at shared dimension 'b'"));
  auto bias = layer_from("EinsumDense", R"({"equation": "ab,bc->ac", "output_shape": 5, "bias_axes": "x"})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         bias->maybe_build({PartialShape{std::nullopt, 4}});
                       }),
                       "Bias dimension 'x' was requested"));
  BOOST_CHECK(contains(error_of<Error>([] {
                         layer_from("EinsumDense", R"({"equation": "ab,bc->ac", "output_shape": 5, "lora_rank": 4})");
                       }),
                       "lora_rank"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("EinsumDense", R"({"output_shape": 5})"); }), "equation"));
}

BOOST_AUTO_TEST_CASE(einsum_dense_activity_regularizer_keeps_the_base_config_place) {
  auto layer = layer_from("EinsumDense", R"({"name": "e", "equation": "ab,bc->ac", "output_shape": 2,
      "activity_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.5}, "registered_name": null}})");
  const std::string config = config_of(*layer);
  BOOST_CHECK(config.find("activity_regularizer") < config.find("output_shape"));
  BOOST_CHECK(!contains(config, R"("activity_regularizer": null)"));
}

// ---- MultiHeadAttention ----

BOOST_AUTO_TEST_CASE(mha_value_dim_output_shape_and_key) {
  // value_dim 3 != key_dim 2, output_shape (2, 3), cross attention with a separate key.
  auto mha = layer_from("MultiHeadAttention",
                        R"({"name": "m", "num_heads": 2, "key_dim": 2, "value_dim": 3, "output_shape": [2, 3]})");
  mha->maybe_build(
      {PartialShape{std::nullopt, 3, 5}, PartialShape{std::nullopt, 4, 6}, PartialShape{std::nullopt, 4, 2}});
  const auto weights = mha->weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 8u);
  BOOST_CHECK(weights[0]->shape() == (Shape{5, 2, 2}));     // query kernel
  BOOST_CHECK(weights[2]->shape() == (Shape{2, 2, 2}));     // key kernel (key dim 2)
  BOOST_CHECK(weights[4]->shape() == (Shape{6, 2, 3}));     // value kernel (value_dim 3)
  BOOST_CHECK(weights[6]->shape() == (Shape{2, 3, 2, 3}));  // output kernel
  BOOST_CHECK(weights[7]->shape() == (Shape{2, 3}));
  const auto w = fill_weights(*mha);
  const Tensor q = pattern({2, 3, 5}, 0.1f), v = pattern({2, 4, 6}, 0.2f), k = pattern({2, 4, 2}, 0.3f);
  CallArgs args({q, v, k});
  const Tensor y = run(*mha, args).front();
  BOOST_REQUIRE(y.shape() == (Shape{2, 3, 2, 3}));
  const Tensor expected = naive_mha(q, k, v, mha_weights(w, true), 2, 2, 3, {}, false);
  check_close(y.reshape({2, 3, 6}), expected, 1e-4f);
  BOOST_CHECK(mha->compute_output_shape({PartialShape{std::nullopt, 3, 5}, PartialShape{std::nullopt, 4, 6}})[0] ==
              (PartialShape{std::nullopt, 3, 2, 3}));
  // Keras's sublayer names and the saving attributes.
  BOOST_CHECK_EQUAL(mha->sublayers()[3]->name(), "attention_output");
  BOOST_CHECK_EQUAL(mha->children().at(3).attribute, "output_dense");
  BOOST_CHECK(contains(json::write(*mha->build_config()), "key_shape"));
}

BOOST_AUTO_TEST_CASE(mha_masks_combine_as_keras) {
  auto mha = layer_from("MultiHeadAttention", R"({"name": "m", "num_heads": 2, "key_dim": 3, "use_bias": false})");
  const Tensor q = pattern({2, 3, 4}, 0.4f), v = pattern({2, 4, 4}, 0.9f);
  mha->maybe_build({PartialShape{std::nullopt, 3, 4}, PartialShape{std::nullopt, 4, 4}});
  const auto w = fill_weights(*mha);
  // query mask [B, T], value mask [B, S], explicit attention_mask [B, T, S], causal.
  const Tensor q_mask = Tensor::matrix({{1, 1, 0}, {1, 1, 1}});
  const Tensor v_mask = Tensor::matrix({{1, 1, 1, 0}, {1, 1, 1, 1}});
  Tensor attention_mask({2, 3, 4}, 1.0f);
  attention_mask.at({1, 2, 0}) = 0.0f;
  attention_mask.at({1, 1, 0}) = 0.0f;
  attention_mask.at({1, 1, 1}) = 0.0f;  // row (b=1, t=1) fully masked with the causal mask
  std::vector<float> combined(2 * 3 * 4);
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t t = 0; t < 3; ++t)
      for (std::int64_t s = 0; s < 4; ++s)
        combined[static_cast<std::size_t>((b * 3 + t) * 4 + s)] =
            q_mask.at({b, t}) * v_mask.at({b, s}) * attention_mask.at({b, t, s}) * (s <= t ? 1.0f : 0.0f);
  for (const bool scores : {false, true}) {
    BOOST_TEST_CONTEXT("return_attention_scores=" << scores) {
      CallArgs args({q, v});
      args.masks = {q_mask, v_mask};
      args.tensor_kwargs["attention_mask"] = {attention_mask};
      args.kwargs["use_causal_mask"] = true;
      args.kwargs["return_attention_scores"] = scores;
      const auto out = run(*mha, args);
      std::vector<float> probs;
      // Keras's rank-4 path (ops.dot_product_attention) leaves fully masked rows uniform;
      // with scores returned it goes through its Softmax layer, which zeroes them.
      const Tensor expected = naive_mha(q, v, v, mha_weights(w, false), 2, 3, 3, combined, scores, &probs);
      check_close(out.front(), expected, 1e-4f);
      BOOST_REQUIRE_EQUAL(out.size(), scores ? 2u : 1u);
      if (scores) {
        BOOST_REQUIRE(out[1].shape() == (Shape{2, 2, 3, 4}));
        check_close(out[1], Tensor({2, 2, 3, 4}, probs), 1e-5f);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(mha_attention_axes_other_than_default) {
  // Rank-4 inputs (B, A, T, D): axes [2] attends over T with A as a batch axis; axes
  // [1, 2] attends over A and T together (one softmax over both).
  const Tensor x = pattern({2, 3, 4, 5}, 0.2f);
  for (const char* axes : {"[2]", "[1, 2]", "2"}) {
    BOOST_TEST_CONTEXT("attention_axes=" << axes) {
      auto mha = layer_from("MultiHeadAttention", std::string(R"({"name": "m", "num_heads": 2, "key_dim": 3,
          "attention_axes": )") + axes + "}");
      mha->maybe_build({PartialShape{std::nullopt, 3, 4, 5}, PartialShape{std::nullopt, 3, 4, 5}});
      const auto w = fill_weights(*mha);
      CallArgs args({x, x});
      const Tensor y = run(*mha, args).front();
      BOOST_REQUIRE(y.shape() == x.shape());
      const bool joint = std::string(axes) == "[1, 2]";
      const Tensor seq = joint ? x.reshape({2, 12, 5}) : x.reshape({6, 4, 5});
      // Rank-5 projections: Keras uses its Softmax layer (no masks here, so no zeroing).
      const Tensor expected = naive_mha(seq, seq, seq, mha_weights(w, true), 2, 3, 3, {}, true);
      check_close(y, expected.reshape(x.shape()), 1e-4f);
      BOOST_CHECK(contains(config_of(*mha), joint ? R"("attention_axes": [1, 2])" : R"("attention_axes": [2])"));
    }
  }
}

BOOST_AUTO_TEST_CASE(mha_config_as_keras_writes_it) {
  auto mha = layer_from("MultiHeadAttention", R"({"name": "m", "num_heads": 2, "key_dim": 4, "output_shape": 6})");
  std::string config = config_of(*mha);
  BOOST_CHECK(contains(config,
                       R"("num_heads": 2, "key_dim": 4, "value_dim": 4, "dropout": 0.0, "use_bias": true, )"
                       R"("use_gate": false, "output_shape": [6], "attention_axes": null, "sliding_window": null, )"));
  BOOST_CHECK(contains(
      config, R"("activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "seed": null})"));
  mha->maybe_build({PartialShape{std::nullopt, 3, 4}, PartialShape{std::nullopt, 3, 4}});
  BOOST_CHECK(contains(config_of(*mha), R"("attention_axes": [1])"));
  BOOST_CHECK_EQUAL(json::write(*mha->build_config()),
                    R"({"shapes_dict": {"query_shape": [null, 3, 4], "value_shape": [null, 3, 4]}})");
}

BOOST_AUTO_TEST_CASE(mha_unsupported_and_invalid_options_are_clear_errors) {
  BOOST_CHECK(contains(error_of<NotSupportedError>([] {
                         layer_from("MultiHeadAttention", R"({"num_heads": 2, "key_dim": 2, "use_gate": true})");
                       }),
                       "use_gate"));
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("MultiHeadAttention", R"({"num_heads": 0, "key_dim": 2})"); }),
                       "num_heads"));
  auto mha = layer_from("MultiHeadAttention", R"({"name": "m", "num_heads": 2, "key_dim": 2, "attention_axes": [2]})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         mha->maybe_build({PartialShape{std::nullopt, 3, 4}, PartialShape{std::nullopt, 3, 4}});
                       }),
                       "attention_axes"));
  auto plain = layer_from("MultiHeadAttention", R"({"name": "p", "num_heads": 1, "key_dim": 2})");
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         plain->maybe_build({PartialShape{std::nullopt, 3, 4}, PartialShape{std::nullopt, 5, 4},
                                             PartialShape{std::nullopt, 6, 4}});
                       }),
                       "All dimensions of `value` and `key`"));
  CallArgs args({pattern({1, 3, 4}, 0), pattern({1, 3, 4}, 1)});
  args.kwargs["use_flash"] = true;
  BOOST_CHECK(contains(error_of<ValueError>([&] { run(*plain, args); }), "use_flash"));
}

// ---- Attention / AdditiveAttention ----

BOOST_AUTO_TEST_CASE(attention_masks_scale_and_scores) {
  auto att = layer_from("Attention", R"({"name": "a", "use_scale": true})");
  const Tensor q = pattern({2, 3, 4}, 0.3f), v = pattern({2, 5, 2}, 0.6f), k = pattern({2, 5, 4}, 0.8f);
  att->maybe_build(
      {PartialShape{std::nullopt, 3, 4}, PartialShape{std::nullopt, 5, 2}, PartialShape{std::nullopt, 5, 4}});
  att->set_weights({Tensor::scalar(0.7f)});
  const Tensor q_mask = Tensor::matrix({{1, 0, 1}, {1, 1, 1}});
  const Tensor v_mask = Tensor::matrix({{1, 1, 0, 1, 0}, {0, 1, 1, 1, 1}});
  CallArgs args({q, v, k});
  args.masks = {q_mask, v_mask, std::nullopt};
  args.kwargs["use_causal_mask"] = true;
  args.kwargs["return_attention_scores"] = true;
  const auto out = run(*att, args);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  Tensor expected({2, 3, 2}), weights({2, 3, 5});
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t t = 0; t < 3; ++t) {
      std::vector<double> s(5);
      double mx = -1e30, total = 0;
      for (std::int64_t j = 0; j < 5; ++j) {
        double d = 0;
        for (std::int64_t c = 0; c < 4; ++c) d += q.at({b, t, c}) * k.at({b, j, c});
        // Keras subtracts 1e9 in float32 (not a replacement): small scores vanish in the rounding.
        float f = static_cast<float>(d) * 0.7f;
        if (v_mask.at({b, j}) == 0 || j > t) f -= 1.0e9f;
        d = f;
        s[static_cast<std::size_t>(j)] = d;
        mx = std::max(mx, d);
      }
      for (auto& x : s) total += (x = std::exp(x - mx));
      for (std::int64_t j = 0; j < 5; ++j)
        weights.at({b, t, j}) = static_cast<float>(s[static_cast<std::size_t>(j)] / total);
      for (std::int64_t c = 0; c < 2; ++c) {
        double o = 0;
        for (std::int64_t j = 0; j < 5; ++j) o += weights.at({b, t, j}) * v.at({b, j, c});
        expected.at({b, t, c}) = q_mask.at({b, t}) == 0 ? 0.0f : static_cast<float>(o);
      }
    }
  check_close(out[0], expected, 1e-5f);
  check_close(out[1], weights, 1e-5f);
}

BOOST_AUTO_TEST_CASE(additive_attention_value_mask_and_config) {
  auto att = layer_from("AdditiveAttention", R"({"name": "a"})");
  BOOST_CHECK(contains(config_of(*att), R"("use_scale": true, "dropout": 0.0, "seed": null})"));
  BOOST_CHECK(!contains(config_of(*att), "score_mode"));
  const Tensor q = pattern({1, 2, 3}, 0.3f), v = pattern({1, 3, 3}, 0.6f);
  att->maybe_build({PartialShape{std::nullopt, 2, 3}, PartialShape{std::nullopt, 3, 3}});
  const Tensor scale = Tensor::vector({0.5f, -1.0f, 2.0f});
  att->set_weights({scale});
  CallArgs args({q, v});
  args.masks = {std::nullopt, Tensor::matrix({{1, 0, 1}})};
  const Tensor y = run(*att, args).front();
  for (std::int64_t t = 0; t < 2; ++t) {
    std::vector<double> s(3);
    double total = 0;
    for (std::int64_t j = 0; j < 3; ++j) {
      double d = 0;
      for (std::int64_t c = 0; c < 3; ++c) d += scale[c] * std::tanh(q.at({0, t, c}) + v.at({0, j, c}));
      s[static_cast<std::size_t>(j)] = j == 1 ? 0.0 : std::exp(d);
      total += s[static_cast<std::size_t>(j)];
    }
    for (std::int64_t c = 0; c < 3; ++c) {
      double o = 0;
      for (std::int64_t j = 0; j < 3; ++j) o += s[static_cast<std::size_t>(j)] / total * v.at({0, j, c});
      BOOST_CHECK_CLOSE(y.at({0, t, c}), o, 1e-3);
    }
  }
  BOOST_CHECK(contains(error_of<Error>([] { layer_from("Attention", R"({"score_mode": "mul"})"); }), "score_mode"));
  CallArgs one({q});
  BOOST_CHECK(contains(error_of<ValueError>([&] { run(*att, one); }), "length 2 or 3"));
}

// ---- GroupQueryAttention ----

BOOST_AUTO_TEST_CASE(gqa_masks_are_top_left_causal_and_a_symmetric_band) {
  // Worked by hand: T = 3 queries, S = 5 keys. Causal is top-left (i sees 0..i); the
  // window-2 band keeps |i - j| < 2; the causal sliding window is both.
  const Tensor causal = ops::causal_mask(3, 5);
  check_close(causal, Tensor({1, 3, 5}, {1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0}));
  const Tensor band = ops::sliding_window_mask(3, 5, 2);
  check_close(band, Tensor({1, 3, 5}, {1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0}));
  check_close(ops::multiply(causal, band), Tensor({1, 3, 5}, {1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0}));
  BOOST_CHECK(contains(error_of<ValueError>([] { ops::sliding_window_mask(3, 3, 0); }), "window"));
}

BOOST_AUTO_TEST_CASE(gqa_shares_each_kv_head_among_its_query_heads) {
  // 4 query heads, 2 kv heads: the same as multi-head attention whose key/value heads are
  // kv heads 0, 0, 1, 1. Causal sliding window (window 2) on a 4-step self-attention, the
  // scores returned (masked positions exactly 0).
  auto gqa = layer_from("GroupQueryAttention", R"({"name": "g", "head_dim": 3, "num_query_heads": 4,
      "num_key_value_heads": 2, "sliding_window": 2})");
  const Tensor x = pattern({2, 4, 5}, 0.3f);
  gqa->maybe_build({PartialShape{std::nullopt, 4, 5}, PartialShape{std::nullopt, 4, 5}});
  const auto w = fill_weights(*gqa);
  BOOST_REQUIRE_EQUAL(w.size(), 8u);
  BOOST_CHECK(w[2].shape() == (Shape{5, 2, 3}));  // key kernel: 2 kv heads
  MhaWeights mw = mha_weights(w, true);
  mw.wk = repeat_heads(w[2], 2), mw.bk = repeat_heads(w[3], 2);
  mw.wv = repeat_heads(w[4], 2), mw.bv = repeat_heads(w[5], 2);
  std::vector<float> mask(2 * 4 * 4);
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t i = 0; i < 4; ++i)
      for (std::int64_t j = 0; j < 4; ++j) mask[static_cast<std::size_t>((b * 4 + i) * 4 + j)] = j <= i && i - j < 2;
  CallArgs args({x, x});
  args.kwargs["use_causal_mask"] = true;
  args.kwargs["return_attention_scores"] = true;
  const auto out = run(*gqa, args);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  std::vector<float> probs;
  check_close(out[0], naive_mha(x, x, x, mw, 4, 3, 3, mask, true, &probs), 1e-4f);
  BOOST_REQUIRE(out[1].shape() == (Shape{2, 4, 4, 4}));
  check_close(out[1], Tensor({2, 4, 4, 4}, probs), 1e-5f);
  BOOST_CHECK_EQUAL(out[1].at({1, 3, 3, 1}), 0.0f);  // |3 - 1| = 2: outside the window
  BOOST_CHECK_EQUAL(out[1].at({0, 0, 1, 2}), 0.0f);  // the future
  BOOST_CHECK_EQUAL(out[1].at({0, 2, 0, 0}), 1.0f);  // step 0 sees itself only
  const boost::json::object kwargs{{"return_attention_scores", true}};
  const auto shapes =
      gqa->compute_output_shape_for_call({PartialShape{std::nullopt, 3, 5}, PartialShape{std::nullopt, 6, 5}}, kwargs);
  BOOST_REQUIRE_EQUAL(shapes.size(), 2u);
  BOOST_CHECK(shapes[1] == (PartialShape{std::nullopt, 4, 3, 6}));
  // Keras's attribute names, the gate absent.
  BOOST_CHECK_EQUAL(gqa->children().at(0).attribute, "_query_dense");
  BOOST_CHECK_EQUAL(gqa->children().at(3).attribute, "_output_dense");
  BOOST_CHECK_EQUAL(gqa->sublayers()[3]->name(), "attention_output");
}

BOOST_AUTO_TEST_CASE(gqa_gate_multiplies_by_the_sigmoid_of_its_projection) {
  auto gqa = layer_from("GroupQueryAttention", R"({"name": "g", "head_dim": 2, "num_query_heads": 2,
      "num_key_value_heads": 1, "use_gate": true, "use_bias": false})");
  const Tensor x = pattern({1, 3, 4}, 0.7f);
  gqa->maybe_build({PartialShape{std::nullopt, 3, 4}, PartialShape{std::nullopt, 3, 4}});
  const auto w = fill_weights(*gqa);  // query, key, gate, value, attention_output kernels
  BOOST_REQUIRE_EQUAL(w.size(), 5u);
  BOOST_CHECK_EQUAL(gqa->children().at(2).attribute, "_gate_dense");
  // Gating the context is gating the output kernel's input: reference with the gate
  // folded per (t, head, h) by hand.
  MhaWeights mw = mha_weights({w[0], w[1], w[3], w[4]}, false);
  mw.wk = repeat_heads(w[1], 2), mw.wv = repeat_heads(w[3], 2);
  const auto gate = project(x, w[2], nullptr);  // (1, 3, 2, 2) flat
  CallArgs args({x, x});
  const Tensor y = run(*gqa, args).front();
  // Context per step from the naive attention with an identity output, then gated.
  MhaWeights ctx_w = mw;
  Tensor eye({2, 2, 4}, 0.0f);
  for (std::int64_t j = 0; j < 4; ++j) eye[j * 4 + j] = 1.0f;
  ctx_w.wo = eye;
  const Tensor ctx = naive_mha(x, x, x, ctx_w, 2, 2, 2, {}, false);  // (1, 3, 4)
  Tensor expected({1, 3, 4}, 0.0f);
  for (std::int64_t t = 0; t < 3; ++t)
    for (std::int64_t o = 0; o < 4; ++o) {
      float s = 0;
      for (std::int64_t j = 0; j < 4; ++j) {
        const float g = 1.0f / (1.0f + std::exp(-gate[static_cast<std::size_t>(t * 4 + j)]));
        s += ctx[t * 4 + j] * g * w[4][j * 4 + o];
      }
      expected[t * 4 + o] = s;
    }
  check_close(y, expected, 1e-4f);
}

BOOST_AUTO_TEST_CASE(gqa_config_and_its_errors_name_the_keys) {
  auto gqa = layer_from("GroupQueryAttention",
                        R"({"name": "g", "head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2})");
  BOOST_CHECK(contains(config_of(*gqa),
                       R"("head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, "use_bias": true, )"
                       R"("use_gate": false, "sliding_window": null, "dropout": 0.0, "kernel_initializer": )"));
  BOOST_CHECK(contains(config_of(*gqa), R"("activity_regularizer": null, "kernel_constraint": null)"));
  const std::string divisible = error_of<Error>(
      [] { layer_from("GroupQueryAttention", R"({"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 3})"); });
  BOOST_CHECK(contains(divisible, "`num_query_heads` must be divisible by `num_key_value_heads`"));
  BOOST_CHECK(contains(divisible, "num_key_value_heads=3"));
  BOOST_CHECK(contains(error_of<Error>([] {
                         layer_from("GroupQueryAttention",
                                    R"({"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 0})");
                       }),
                       "num_key_value_heads=0"));
  BOOST_CHECK(contains(error_of<Error>([] {
                         layer_from("GroupQueryAttention", R"({"head_dim": 3, "num_query_heads": 4,
                             "num_key_value_heads": 2, "sliding_window": 0})");
                       }),
                       "sliding_window=0"));
  BOOST_CHECK(contains(
      error_of<Error>([] { layer_from("GroupQueryAttention", R"({"num_query_heads": 4, "num_key_value_heads": 2})"); }),
      "head_dim"));
  BOOST_CHECK(contains(error_of<Error>([&] {
                         gqa->maybe_build({PartialShape{std::nullopt, 3, 6}, PartialShape{std::nullopt, 5, 4}});
                       }),
                       "The last dimension of `query_shape` and `value_shape` must be equal"));
}
