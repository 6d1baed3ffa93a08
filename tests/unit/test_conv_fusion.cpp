// Fused convolution chains (issue 21): ops::PreparedConv against ops::conv, and models whose
// plan fuses Conv / DepthwiseConv + BatchNormalization + activations + a residual Add, against
// the same layers called one by one; the fused weights follow set_weights.
#define BOOST_TEST_MODULE conv_fusion
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/models/model.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/ops/prepared_conv.hpp"
#include "model_support.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

using namespace kplug;

namespace {

Tensor random_tensor(Shape shape, unsigned seed, float low = -1.0f, float high = 1.0f) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(low, high);
  for (float& v : t.values()) v = uniform(rng);
  return t;
}

float max_difference(const Tensor& a, const Tensor& b) {
  BOOST_REQUIRE(a.shape() == b.shape());
  float d = 0.0f;
  for (std::int64_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a.data()[i] - b.data()[i]));
  return d;
}

// Every variable random (variances positive), seeded.
void randomize(const Model& model, unsigned seed) {
  for (const VariablePtr& v : model.weights()) {
    const bool variance = v->name() == "moving_variance";
    v->assign(random_tensor(v->value().shape(), seed++, variance ? 0.5f : -1.0f, variance ? 2.0f : 1.0f));
  }
}

using test::graph_layer;
using test::tensor_ref;

// in -> conv (3x3 same) -> bn -> ReLU(6) -> Add(in, .) -> depthwise (3x3, x2, stride 2) -> bn ->
// relu -> Dropout -> conv 1x1 (relu6), and a branch reading the first bn's output twice.
std::string functional_json() {
  const std::string input =
      R"({"module": "keras.layers", "class_name": "InputLayer", "name": "in", "config": {"name": "in",)"
      R"( "batch_shape": [null, 9, 9, 4]}, "inbound_nodes": []})";
  const std::string layers[] = {
      input,
      graph_layer("Conv2D", "c1", R"("filters": 4, "kernel_size": [3, 3], "padding": "same", "use_bias": false)",
                  tensor_ref("in")),
      graph_layer("BatchNormalization", "bn1", R"("epsilon": 0.001)", tensor_ref("c1")),
      graph_layer("ReLU", "r1", R"("max_value": 6.0)", tensor_ref("bn1")),
      graph_layer("Add", "add", "", "[" + tensor_ref("in") + ", " + tensor_ref("r1") + "]"),
      graph_layer("DepthwiseConv2D", "d1", R"("kernel_size": [3, 3], "strides": [2, 2], "depth_multiplier": 2)",
                  tensor_ref("add")),
      graph_layer("BatchNormalization", "bn2", R"("center": false)", tensor_ref("d1")),
      graph_layer("Activation", "a2", R"("activation": "relu")", tensor_ref("bn2")),
      graph_layer("Dropout", "drop", R"("rate": 0.5)", tensor_ref("a2")),
      graph_layer("Conv2D", "c3", R"("filters": 3, "kernel_size": [1, 1], "activation": "relu6")", tensor_ref("drop")),
      graph_layer("Conv2D", "c4", R"("filters": 2, "kernel_size": [1, 1])", tensor_ref("add")),
      graph_layer("BatchNormalization", "bn4", "", tensor_ref("c4")),
      graph_layer("Multiply", "twice", "", "[" + tensor_ref("bn4") + ", " + tensor_ref("bn4") + "]"),
  };
  std::string list;
  for (const std::string& l : layers) list += (list.empty() ? "" : ", ") + l;
  return R"({"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "f", "trainable": true, "layers": [)" +
         list + R"(], "input_layers": [["in", 0, 0]], "output_layers": [["c3", 0, 0], ["twice", 0, 0]]}})";
}

// The model's layers called one by one on the plain path.
std::vector<Tensor> functional_by_layer(const Model& m, const Tensor& x) {
  auto call = [&](const char* name, const Tensor& in) { return (*m.get_layer(name))(in); };
  const Tensor r1 = call("r1", call("bn1", call("c1", x)));
  CallArgs add_args({x, r1});
  const Tensor add = (*m.get_layer("add"))(add_args)[0];
  const Tensor out1 = call("c3", call("drop", call("a2", call("bn2", call("d1", add)))));
  const Tensor bn4 = call("bn4", call("c4", add));
  CallArgs twice({bn4, bn4});
  return {out1, (*m.get_layer("twice"))(twice)[0]};
}

void check_functional(const Model& m, const Tensor& x) {
  const std::vector<Tensor> fused = m.predict({x}, x.dim(0));
  const std::vector<Tensor> plain = functional_by_layer(m, x);
  BOOST_REQUIRE_EQUAL(fused.size(), 2u);
  BOOST_TEST(max_difference(fused[0], plain[0]) < 1e-4f);
  BOOST_TEST(max_difference(fused[1], plain[1]) < 1e-4f);
}

}  // namespace

BOOST_AUTO_TEST_CASE(prepared_conv_matches_ops_conv) {
  const Tensor x = random_tensor({2, 7, 8, 6}, 1);
  ops::ConvNdOptions o;
  o.strides = {2, 1};
  o.padding = ops::Padding::same;
  o.groups = 2;
  const Tensor kernel = random_tensor({3, 2, 3, 4}, 2), bias = random_tensor({4}, 3);
  const ops::PreparedConv prepared(kernel, &bias, {o, false, {{ops::ConvPostOp::Kind::clip, 0.0f, 0.5f}}, {}});
  const Tensor expected = ops::conv(x, kernel, o) + bias;
  const Tensor got = prepared.run(x);
  BOOST_TEST(max_difference(got, expected.map([](float v) { return std::min(std::max(v, 0.0f), 0.5f); })) < 1e-5f);
  // Another input shape: its own primitive; the kernel's layout already prepared.
  const Tensor x2 = random_tensor({1, 5, 5, 6}, 4);
  BOOST_TEST(max_difference(prepared.run(x2), (ops::conv(x2, kernel, o) + bias).map([](float v) {
               return std::min(std::max(v, 0.0f), 0.5f);
             })) < 1e-5f);
  BOOST_CHECK_THROW(prepared.run(random_tensor({1, 5, 5, 5}, 4)), ValueError);  // 5 channels, not 6
  BOOST_CHECK_THROW(prepared.run(random_tensor({5, 5, 6}, 4)), ValueError);     // rank 3
}

BOOST_AUTO_TEST_CASE(fused_activations_match_kplugs_within_the_fixture_tolerance) {
  const std::int64_t n = 4801;  // [-12, 12] by 0.005
  Tensor x(Shape{1, n, 1});
  for (std::int64_t i = 0; i < n; ++i) x.data()[i] = -12.0f + 0.005f * static_cast<float>(i);
  const Tensor identity(Shape{1, 1, 1}, 1.0f);
  for (const char* name : {"linear", "relu", "relu6", "sigmoid", "tanh", "silu", "swish", "elu", "gelu"}) {
    const auto post_ops = ops::activation_post_ops(name);
    BOOST_REQUIRE_MESSAGE(post_ops, name);
    const Tensor got = ops::PreparedConv(identity, nullptr, {{}, false, *post_ops, {}}).run(x);
    const Tensor expected = (*builtin_activation(name))(x);
    int bad = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const float e = expected.data()[i];
      bad += !(std::abs(got.data()[i] - e) <= 1e-6f + 1e-5f * std::abs(e));
    }
    BOOST_TEST(bad == 0, name << ": " << bad << " values off");
  }
  BOOST_TEST(!ops::activation_post_ops("softmax"));
  BOOST_TEST(!ops::relu_post_ops(0.0f, std::nullopt, 0.5f));  // a threshold
}

BOOST_AUTO_TEST_CASE(prepared_depthwise_causal_and_sum) {
  const Tensor x = random_tensor({2, 10, 3}, 5), kernel = random_tensor({3, 3, 2}, 6);
  ops::ConvNdOptions o;
  o.padding = ops::Padding::causal;
  o.dilation = {2};
  const Tensor residual = random_tensor({2, 10, 6}, 7);
  const ops::PreparedConv prepared(kernel, nullptr, {o, true, {{ops::ConvPostOp::Kind::sum, 0.0f, 0.0f}}, {}});
  BOOST_TEST(max_difference(prepared.run(x, &residual), ops::depthwise_conv(x, kernel, o) + residual) < 1e-5f);
  BOOST_CHECK_THROW(prepared.run(x), ValueError);  // the sum needs its residual
}

BOOST_AUTO_TEST_CASE(fold_batch_normalization_matches_the_layer_maths) {
  const Tensor kernel = random_tensor({1, 1, 2, 3}, 8), bias = random_tensor({3}, 9);
  const Tensor mean = random_tensor({3}, 10), variance = random_tensor({3}, 11, 0.5f, 2.0f);
  const Tensor gamma = random_tensor({3}, 12), beta = random_tensor({3}, 13);
  const ops::FoldedConv folded =
      ops::fold_batch_normalization(kernel, &bias, mean, variance, &gamma, &beta, 1e-3f, false);
  const Tensor x = random_tensor({1, 4, 4, 2}, 14);
  const Tensor plain =
      ((ops::conv(x, kernel) + bias - mean) / (variance + 1e-3f).map([](float v) { return std::sqrt(v); })) * gamma +
      beta;
  BOOST_TEST(max_difference(ops::conv(x, folded.kernel) + folded.bias, plain) < 1e-5f);
  BOOST_CHECK_THROW(
      ops::fold_batch_normalization(kernel, &bias, random_tensor({2}, 1), variance, nullptr, nullptr, 1e-3f, false),
      ValueError);
}

BOOST_AUTO_TEST_CASE(functional_chains_match_the_layers_and_follow_set_weights) {
  const ModelPtr model = model_from_json(functional_json());
  randomize(*model, 20);
  const Tensor x = random_tensor({3, 9, 9, 4}, 30);
  check_functional(*model, x);
  // New batch norm and kernel values: the folded kernels are made again.
  const LayerPtr bn1 = model->get_layer("bn1");
  std::vector<Tensor> w = bn1->get_weights();
  w[2] = random_tensor(w[2].shape(), 40);
  bn1->set_weights(w);
  const LayerPtr d1 = model->get_layer("d1");
  std::vector<Tensor> dw = d1->get_weights();
  dw[0] = random_tensor(dw[0].shape(), 41);
  d1->set_weights(dw);
  check_functional(*model, x);
  check_functional(*model, random_tensor({1, 9, 9, 4}, 31));  // another batch size
}

BOOST_AUTO_TEST_CASE(sequential_chain_matches_the_layers) {
  const std::string json = R"({"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
    {"module": "keras.layers", "class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 12, 5]}},
    {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "c", "filters": 6, "kernel_size": [3],
      "padding": "causal", "dilation_rate": [2]}},
    {"module": "keras.layers", "class_name": "BatchNormalization", "config": {"name": "bn"}},
    {"module": "keras.layers", "class_name": "GaussianNoise", "config": {"name": "noise", "stddev": 0.5}},
    {"module": "keras.layers", "class_name": "ReLU", "config": {"name": "r", "negative_slope": 0.1}},
    {"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flat"}}]}})";
  const ModelPtr model = model_from_json(json);
  randomize(*model, 50);
  const Tensor x = random_tensor({2, 12, 5}, 60);
  Tensor plain = x;
  for (const char* name : {"c", "bn", "noise", "r", "flat"}) plain = (*model->get_layer(name))(plain);
  BOOST_TEST(max_difference(model->predict({x}, 2)[0], plain) < 1e-4f);
}
