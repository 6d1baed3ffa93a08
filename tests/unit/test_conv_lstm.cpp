// ConvLSTM1D/2D/3D (issue 10): strides, dilation, valid padding, states, masks and
// channels_first, which the fixtures do not cover, checked against Keras's formulas worked out
// here in plain scalar code; the config in Keras's order and the errors.
#define BOOST_TEST_MODULE conv_lstm
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "recurrent_support.hpp"
#include "test_support.hpp"

#include <array>
#include <cmath>

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

}  // namespace

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
