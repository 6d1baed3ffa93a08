// Execution plans (issue 21): predict through a plan gives what the layers' calls give, on the
// fixtures and on graphs that stress the storage planning (views as outputs, a tensor read by
// several layers, an input that is also an output); plans follow assigned weights and a
// Sequential's new layers; models with a layer that offers no step run layer by layer.
#define BOOST_TEST_MODULE execution_plan
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/models/model.hpp"
#include "kplug/models/sequential.hpp"
#include "kplug/ops.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/serialization.hpp"
#include "model_support.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <thread>

using namespace kplug;

namespace {

Tensor random_tensor(Shape shape, unsigned seed) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (float& v : t.values()) v = uniform(rng);
  return t;
}

// The layers' own calls, as predict ran them before plans.
std::vector<Tensor> layer_by_layer(const Model& model, const std::vector<Tensor>& inputs) {
  CallArgs args(inputs);
  return const_cast<Model&>(model)(args);
}

// A Sequential's layers called one by one, no fusion: the reference for its fused chains.
std::vector<Tensor> unfused(const Model& model, const Tensor& x) {
  Tensor y = x;
  for (const LayerPtr& layer : model.layers()) {
    CallArgs args({y});
    y = (*layer)(args).front();
  }
  return {y};
}

void check_same(const std::vector<Tensor>& got, const std::vector<Tensor>& want, const std::string& what) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_REQUIRE_MESSAGE(got[i].shape() == want[i].shape(), what << ": output " << i << " shape");
    float d = 0.0f;
    for (std::int64_t k = 0; k < got[i].size(); ++k) d = std::max(d, std::abs(got[i].data()[k] - want[i].data()[k]));
    BOOST_CHECK_MESSAGE(d <= 1e-5f, what << ": output " << i << " differs by " << d);
  }
}

ModelPtr load_fixture(const std::string& name) {
  const auto dir = test::model_dir(name);
  ModelPtr model = model_from_json(test::read_text(dir / "model.json"));
  model->load_weights(*saving::read_weights_file((dir / "model.weights.h5").string()));
  return model;
}

std::string input_layer(const std::string& name, const std::string& shape) {
  return R"({"module": "keras.layers", "class_name": "InputLayer", "name": ")" + name +
         R"(", "config": {"batch_shape": )" + shape + R"(, "dtype": "float32", "name": ")" + name +
         R"("}, "inbound_nodes": []})";
}

using test::graph_layer;
using test::tensor_ref;

std::string functional(const std::vector<std::string>& layers, const std::string& inputs, const std::string& outputs) {
  std::string list;
  for (const auto& l : layers) list += (list.empty() ? "" : ", ") + l;
  return R"({"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "f", "trainable": true, "layers": [)" +
         list + R"(], "input_layers": )" + inputs + R"(, "output_layers": )" + outputs + "}}";
}

void randomize(const Model& model, unsigned seed) {
  for (const VariablePtr& v : model.weights()) v->assign(random_tensor(v->value().shape(), seed++));
}

}  // namespace

BOOST_AUTO_TEST_CASE(fixtures_run_planned_as_their_layers_do) {
  // The last three nest models (one called twice): their layers are planned in the outer plan.
  for (const std::string name : {"mlp_seq", "big_mlp_1000", "big_functional_300", "rnn", "cnn",
                                 "nested_functional_once", "siamese_functional", "siamese_sequential"}) {
    const ModelPtr model = load_fixture(name);
    const auto io = json::parse(test::read_text(test::model_dir(name) / "io.json"));
    std::vector<Tensor> inputs;
    for (auto& in : test::read_io(io, "inputs")) inputs.push_back(in.value);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(model->has_execution_plan(inputs));
      check_same(model->predict(inputs), layer_by_layer(*model, inputs), name);
      check_same(model->predict(inputs), layer_by_layer(*model, inputs), name + " (again)");
      // A smaller batch than the rows: plans for both batch shapes.
      check_same(model->predict(inputs, 2), layer_by_layer(*model, inputs), name + " in batches of 2");
    }
  }
}

// A nested model's weights are its layers': assigning them remakes the outer plan.
BOOST_AUTO_TEST_CASE(plans_follow_a_nested_models_weights) {
  const ModelPtr model = load_fixture("siamese_functional");
  const auto io = json::parse(test::read_text(test::model_dir("siamese_functional") / "io.json"));
  std::vector<Tensor> inputs;
  for (auto& in : test::read_io(io, "inputs")) inputs.push_back(in.value);
  const std::vector<Tensor> before = model->predict(inputs);
  randomize(*model, 40);
  const std::vector<Tensor> after = model->predict(inputs);
  BOOST_TEST(!(after.front() == before.front()));
  check_same(after, layer_by_layer(*model, inputs), "siamese after assign");
  BOOST_TEST(model->has_execution_plan(inputs));
}

BOOST_AUTO_TEST_CASE(plans_follow_assigned_weights) {
  const ModelPtr model = load_fixture("mlp_seq");
  const Tensor x = random_tensor({3, model->input_layers().front()->batch_shape()[1].value()}, 7);
  const Tensor before = model->predict({x}).front();
  randomize(*model, 100);
  const Tensor after = model->predict({x}).front();
  BOOST_TEST(!(after == before));
  check_same({after}, layer_by_layer(*model, {x}), "after assign");
  BOOST_TEST(model->has_execution_plan({x}));
}

// Outputs that are views (Dropout, Flatten of a Dense), the same tensor twice, a model input
// returned as is, a tensor read by three layers, an Add of a tensor with itself, Concatenate on
// a middle axis and of a tensor with itself.
BOOST_AUTO_TEST_CASE(storage_planning_cases) {
  const ModelPtr model = model_from_json(functional(
      {input_layer("x", "[null, 2, 3]"),
       graph_layer("Dense", "d1", R"("units": 4, "activation": "gelu")", tensor_ref("x")),
       graph_layer("Dense", "d2", R"("units": 4, "activation": "tanh")", tensor_ref("d1")),
       graph_layer("Add", "self_add", "", "[" + tensor_ref("d2") + ", " + tensor_ref("d2") + "]"),
       graph_layer("Add", "three", "",
                   "[" + tensor_ref("d1") + ", " + tensor_ref("d2") + ", " + tensor_ref("self_add") + "]"),
       graph_layer("LayerNormalization", "ln", R"("axis": -1, "epsilon": 0.001)", tensor_ref("three")),
       graph_layer("Dropout", "drop", R"("rate": 0.5)", tensor_ref("ln")),
       graph_layer("Flatten", "flat", "", tensor_ref("d1")),
       graph_layer("Concatenate", "cat", R"("axis": 1)",
                   "[" + tensor_ref("d1") + ", " + tensor_ref("d2") + ", " + tensor_ref("d1") + "]"),
       graph_layer("Concatenate", "cat_last", "", "[" + tensor_ref("cat") + ", " + tensor_ref("cat") + "]")},
      R"([["x", 0, 0]])", R"([["drop", 0, 0], ["flat", 0, 0], ["drop", 0, 0], ["x", 0, 0], ["cat_last", 0, 0]])"));
  randomize(*model, 1);
  const Tensor x = random_tensor({5, 2, 3}, 3);
  BOOST_TEST(model->has_execution_plan({x}));
  check_same(model->predict({x}), layer_by_layer(*model, {x}), "views and shared tensors");
}

// The recurrent loop as one step: LSTM and GRU (reset_after) forwards and backwards, with
// and without sequences, over an Embedding.
BOOST_AUTO_TEST_CASE(recurrent_layers_as_steps) {
  for (const std::string options :
       {R"("return_sequences": true, "go_backwards": false)", R"("return_sequences": false, "go_backwards": true)",
        R"("return_sequences": true, "go_backwards": true)"}) {
    const ModelPtr model = model_from_json(functional(
        {R"({"module": "keras.layers", "class_name": "InputLayer", "name": "ids", "config": {"batch_shape": [null, 7], "dtype": "int32", "name": "ids"}, "inbound_nodes": []})",
         graph_layer("Embedding", "emb", R"("input_dim": 20, "output_dim": 5)", tensor_ref("ids")),
         graph_layer("LSTM", "lstm", R"("units": 4, "return_sequences": true, "go_backwards": true)",
                     tensor_ref("emb")),
         graph_layer("GRU", "gru", R"("units": 3, "recurrent_activation": "hard_sigmoid", )" + options,
                     tensor_ref("lstm"))},
        R"([["ids", 0, 0]])", R"([["gru", 0, 0]])"));
    randomize(*model, 11);
    Tensor ids({4, 7}, DType::int32);
    for (std::int64_t i = 0; i < ids.size(); ++i)
      ids.data_as<std::int32_t>()[i] = static_cast<std::int32_t>((i * 7) % 20);
    BOOST_TEST_CONTEXT(options) {
      BOOST_TEST(model->has_execution_plan({ids}));
      check_same(model->predict({ids}), layer_by_layer(*model, {ids}), "LSTM + GRU");
      // An id out of range: the Embedding's own message.
      ids.data_as<std::int32_t>()[9] = 20;
      BOOST_CHECK_EXCEPTION(model->predict({ids}), ValueError, [](const ValueError& e) {
        return std::string(e.what()).find("Layer 'emb' (Embedding, input_dim=20): index 20 at position 9") !=
               std::string::npos;
      });
    }
  }
}

void check_identical(const std::vector<Tensor>& got, const std::vector<Tensor>& want, const std::string& what) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) BOOST_CHECK_MESSAGE(got[i] == want[i], what << ": output " << i);
}

// SimpleRNN (activations with a kernel, relu, and one without, gelu) and GRU without
// reset_after, forwards and backwards, with and without sequences, stacked: the same bits as
// their calls.
BOOST_AUTO_TEST_CASE(simple_rnn_and_gru_reset_before_as_steps) {
  for (const std::string options :
       {R"("return_sequences": true, "go_backwards": false)", R"("return_sequences": false, "go_backwards": true)",
        R"("return_sequences": true, "go_backwards": true)", R"("return_sequences": false, "go_backwards": false)"}) {
    const ModelPtr model = model_from_json(
        functional({input_layer("x", "[null, 6, 3]"),
                    graph_layer("SimpleRNN", "s1", R"("units": 4, "return_sequences": true, "activation": "relu")",
                                tensor_ref("x")),
                    graph_layer("SimpleRNN", "s2", R"("units": 5, "return_sequences": true, "activation": "gelu")",
                                tensor_ref("s1")),
                    graph_layer("GRU", "g", R"("units": 3, "reset_after": false, )" + options, tensor_ref("s2")),
                    graph_layer("GRU", "g_no_bias",
                                R"("units": 2, "reset_after": false, "use_bias": false, )" + options, tensor_ref("s2")),
                    graph_layer("SimpleRNN", "s3", R"("units": 2, )" + options, tensor_ref("s1"))},
                   R"([["x", 0, 0]])", R"([["g", 0, 0], ["g_no_bias", 0, 0], ["s3", 0, 0]])"));
    randomize(*model, 21);
    const Tensor x = random_tensor({3, 6, 3}, 22);
    BOOST_TEST_CONTEXT(options) {
      BOOST_TEST(model->has_execution_plan({x}));
      check_identical(model->predict({x}), layer_by_layer(*model, {x}), "SimpleRNN + GRU");
      // Another batch size: the products' last bits may differ (docs/performance.md).
      check_same(model->predict({x}, 1), layer_by_layer(*model, {x}), "in batches of 1");
    }
  }
}

// Bidirectional over SimpleRNN, GRU (both resets) and LSTM, every merge, with and without
// sequences: the same bits as its call. With return_state it runs layer by layer.
BOOST_AUTO_TEST_CASE(bidirectional_as_step) {
  const std::string inner[] = {R"("class_name": "SimpleRNN", "config": {"name": "r", "units": 3)",
                               R"("class_name": "GRU", "config": {"name": "r", "units": 3, "reset_after": false)",
                               R"("class_name": "GRU", "config": {"name": "r", "units": 3)",
                               R"("class_name": "LSTM", "config": {"name": "r", "units": 3)"};
  for (const std::string& layer : inner) {
    for (const std::string merge : {"\"concat\"", "\"sum\"", "\"mul\"", "\"ave\"", "null"}) {
      for (const std::string sequences : {"true", "false"}) {
        const std::string config = R"("merge_mode": )" + merge + R"(, "layer": {"module": "keras.layers", )" + layer +
                                   R"(, "return_sequences": )" + sequences + "}}";
        const bool two = merge == "null";
        const ModelPtr model = model_from_json(
            functional({input_layer("x", "[null, 5, 2]"), graph_layer("Bidirectional", "bi", config, tensor_ref("x"))},
                       R"([["x", 0, 0]])", two ? R"([["bi", 0, 0], ["bi", 0, 1]])" : R"([["bi", 0, 0]])"));
        randomize(*model, 31);
        const Tensor x = random_tensor({4, 5, 2}, 32);
        BOOST_TEST_CONTEXT(config) {
          BOOST_TEST(model->has_execution_plan({x}));
          check_identical(model->predict({x}), layer_by_layer(*model, {x}), "Bidirectional");
        }
      }
    }
  }
  const ModelPtr with_state = model_from_json(functional(
      {input_layer("x", "[null, 5, 2]"),
       graph_layer(
           "Bidirectional", "bi",
           R"("layer": {"module": "keras.layers", "class_name": "GRU", "config": {"name": "r", "units": 3, "return_state": true}})",
           tensor_ref("x"))},
      R"([["x", 0, 0]])", R"([["bi", 0, 0], ["bi", 0, 1], ["bi", 0, 2]])"));
  randomize(*with_state, 33);
  const Tensor x = random_tensor({2, 5, 2}, 34);
  BOOST_TEST(!with_state->has_execution_plan({x}));
  check_same(with_state->predict({x}), layer_by_layer(*with_state, {x}), "Bidirectional with return_state");
}

// Convolutions as steps: fused chains (a zero padding folded in, conv, batch norm, activation
// layers, a residual Add), convolutions alone (an activation oneDNN does not fuse applied
// after), pooling of every kind, zero padding, batch norm and activation layers on their own.
BOOST_AUTO_TEST_CASE(convolutions_and_pooling_as_steps) {
  const ModelPtr model = model_from_json(functional(
      {input_layer("x", "[null, 9, 8, 3]"),
       graph_layer("Conv2D", "c1", R"("filters": 6, "kernel_size": [3, 3], "padding": "same", "activation": "relu")",
                   tensor_ref("x")),
       graph_layer("BatchNormalization", "bn1", R"("epsilon": 0.001)", tensor_ref("c1")),
       graph_layer("ReLU", "r1", R"("max_value": 6.0)", tensor_ref("bn1")),
       graph_layer("Conv2D", "c2", R"("filters": 6, "kernel_size": [1, 1], "use_bias": false)", tensor_ref("r1")),
       graph_layer("Add", "res", "", "[" + tensor_ref("r1") + ", " + tensor_ref("c2") + "]"),
       graph_layer("ZeroPadding2D", "pad", R"("padding": [[0, 1], [1, 1]])", tensor_ref("res")),
       graph_layer("DepthwiseConv2D", "dw", R"("kernel_size": [3, 3], "strides": [2, 2], "depth_multiplier": 2)",
                   tensor_ref("pad")),
       graph_layer("MaxPooling2D", "mp", R"("pool_size": [2, 2], "strides": [1, 1], "padding": "same")",
                   tensor_ref("dw")),
       graph_layer("AveragePooling2D", "ap", R"("pool_size": [3, 2], "strides": [1, 2], "padding": "same")",
                   tensor_ref("mp")),
       graph_layer("Conv2D", "c3", R"("filters": 4, "kernel_size": [2, 2], "activation": "softmax")", tensor_ref("ap")),
       graph_layer("ReLU", "r2", R"("threshold": 0.1, "negative_slope": 0.2)", tensor_ref("c3")),
       graph_layer("Activation", "gelu", R"("activation": "gelu")", tensor_ref("r2")),
       graph_layer("GlobalAveragePooling2D", "gap", R"("keepdims": true)", tensor_ref("gelu")),
       graph_layer("GlobalMaxPooling2D", "gmp", "", tensor_ref("mp"))},
      R"([["x", 0, 0]])", R"([["gap", 0, 0], ["gmp", 0, 0], ["c1", 0, 0]])"));
  randomize(*model, 21);
  for (const VariablePtr& v : model->weights()) {  // variances must be positive
    if (v->name() == "moving_variance") v->assign(ops::add(ops::abs(v->value()), Tensor::scalar(0.5f)));
  }
  const Tensor x = random_tensor({2, 9, 8, 3}, 22);
  BOOST_TEST(model->has_execution_plan({x}));
  check_same(model->predict({x}), layer_by_layer(*model, {x}), "convolutions and pooling");
  check_same(model->predict({x}, 1), layer_by_layer(*model, {x}), "in batches of 1");

  // A Sequential's fused chain (Conv1D, BatchNormalization, Activation), then pooling.
  auto seq = model_from_json(
      R"({"module": "keras", "class_name": "Sequential", "config": {"name": "s", "trainable": true, "layers": [)"
      R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 12, 2], "dtype": "float32", "name": "x"}}, )"
      R"({"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "c", "filters": 3, "kernel_size": [3], "padding": "causal"}}, )"
      R"({"module": "keras.layers", "class_name": "BatchNormalization", "config": {"name": "bn"}}, )"
      R"({"module": "keras.layers", "class_name": "Activation", "config": {"name": "a", "activation": "tanh"}}, )"
      R"({"module": "keras.layers", "class_name": "ZeroPadding1D", "config": {"name": "z", "padding": [1, 2]}}, )"
      R"({"module": "keras.layers", "class_name": "AveragePooling1D", "config": {"name": "p", "pool_size": [2]}}, )"
      R"({"module": "keras.layers", "class_name": "ZeroPadding1D", "config": {"name": "z2", "padding": [0, 1]}}, )"
      R"({"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "c2", "filters": 2, "kernel_size": [2], "padding": "same", "activation": "relu"}}, )"
      R"({"module": "keras.layers", "class_name": "GlobalMaxPooling1D", "config": {"name": "g"}}]}})");
  randomize(*seq, 23);
  for (const VariablePtr& v : seq->weights()) {
    if (v->name() == "moving_variance") v->assign(ops::add(ops::abs(v->value()), Tensor::scalar(0.5f)));
  }
  const Tensor s = random_tensor({3, 12, 2}, 24);
  BOOST_TEST(seq->has_execution_plan({s}));
  check_same(seq->predict({s}), layer_by_layer(*seq, {s}), "Sequential conv chain");
  check_same(seq->predict({s}), unfused(*seq, s), "Sequential conv chain, each layer alone");
  // Weights assigned after planning: the fused chain's folded kernel is made again.
  const std::vector<Tensor> before = seq->predict({s});
  randomize(*seq, 31);
  for (const VariablePtr& v : seq->weights()) {
    if (v->name() == "moving_variance") v->assign(ops::add(ops::abs(v->value()), Tensor::scalar(0.5f)));
  }
  const std::vector<Tensor> after = seq->predict({s});
  BOOST_TEST(!(after.front() == before.front()));
  check_same(after, layer_by_layer(*seq, {s}), "Sequential conv chain after assign");
}

// Merges that broadcast (a squeeze-and-excitation Multiply, a lower-rank input Keras expands
// after the batch axis, a three-input Average, Maximum and Minimum each way round), cropping
// and nearest upsampling channels last and first, Reshape with -1, RepeatVector, a Softmax layer
// and a Dense with softmax, Rescaling per channel, Identity.
BOOST_AUTO_TEST_CASE(broadcasting_merges_and_reshaping_as_steps) {
  const auto pair = [](const std::string& a, const std::string& b) {
    return "[" + tensor_ref(a) + ", " + tensor_ref(b) + "]";
  };
  const ModelPtr model = model_from_json(functional(
      {input_layer("x", "[null, 4, 6, 3]"),
       input_layer("v", "[null, 3]"),
       graph_layer("GlobalAveragePooling2D", "gap", R"("keepdims": true)", tensor_ref("x")),
       graph_layer("Multiply", "se", "", pair("x", "gap")),
       graph_layer("Subtract", "sub", "", pair("se", "v")),
       graph_layer("Average", "avg", "",
                   "[" + tensor_ref("se") + ", " + tensor_ref("x") + ", " + tensor_ref("sub") + "]"),
       graph_layer("Maximum", "mx", "", pair("x", "gap")),
       graph_layer("Minimum", "mn", "", pair("gap", "x")),
       graph_layer("Cropping2D", "crop", R"("cropping": [[1, 0], [2, 1]])", tensor_ref("avg")),
       graph_layer("UpSampling2D", "up", R"("size": [2, 3])", tensor_ref("crop")),
       graph_layer("Cropping2D", "crop_cf", R"("cropping": [[0, 1], [1, 1]], "data_format": "channels_first")",
                   tensor_ref("x")),
       graph_layer("UpSampling2D", "up_cf", R"("size": [2, 3], "data_format": "channels_first")",
                   tensor_ref("crop_cf")),
       graph_layer("Reshape", "flat", R"("target_shape": [-1, 3])", tensor_ref("up")),
       graph_layer("Cropping1D", "crop1", R"("cropping": [1, 2])", tensor_ref("flat")),
       graph_layer("RepeatVector", "rep", R"("n": 2)", tensor_ref("v")),
       graph_layer("UpSampling1D", "up1", R"("size": 2)", tensor_ref("rep")),
       graph_layer("Softmax", "sm", "", tensor_ref("up1")),
       graph_layer("Rescaling", "rescale", R"("scale": [0.5, -2.0, 3.0], "offset": 0.25)", tensor_ref("mx")),
       graph_layer("Identity", "same", "", tensor_ref("rescale")),
       graph_layer("Dense", "dsm", R"("units": 5, "activation": "softmax")", tensor_ref("v"))},
      R"([["x", 0, 0], ["v", 0, 0]])",
      R"([["up", 0, 0], ["crop1", 0, 0], ["same", 0, 0], ["mn", 0, 0], ["up_cf", 0, 0], ["sm", 0, 0], ["dsm", 0, 0]])"));
  randomize(*model, 21);
  const std::vector<Tensor> inputs{random_tensor({2, 4, 6, 3}, 11), random_tensor({2, 3}, 12)};
  BOOST_TEST(model->has_execution_plan(inputs));
  const std::vector<Tensor> planned = model->predict(inputs), called = layer_by_layer(*model, inputs);
  BOOST_REQUIRE_EQUAL(planned.size(), called.size());
  for (std::size_t i = 0; i < planned.size(); ++i) BOOST_TEST((planned[i] == called[i]), "output " << i);
  BOOST_TEST(planned[0].shape() == (Shape{2, 6, 9, 3}));
  BOOST_TEST(planned[4].shape() == (Shape{2, 4, 10, 3}));

  // An Add whose first two inputs broadcast to less than the output runs through call().
  const ModelPtr partial = model_from_json(functional(
      {input_layer("x", "[null, 4, 3]"),
       graph_layer("GlobalAveragePooling1D", "g", R"("keepdims": true)", tensor_ref("x")),
       graph_layer("Add", "add", "", "[" + tensor_ref("g") + ", " + tensor_ref("g") + ", " + tensor_ref("x") + "]")},
      R"([["x", 0, 0]])", R"([["add", 0, 0]])"));
  const Tensor x = random_tensor({2, 4, 3}, 13);
  BOOST_TEST(!partial->has_execution_plan({x}));
  check_same(partial->predict({x}), layer_by_layer(*partial, {x}), "Add broadcast late");
}

// Transposed convolutions as steps (oneDNN's deconvolution): strides, output padding, dilation,
// a stride beyond the kernel, a fused activation and one applied after, 1-D to 3-D.
BOOST_AUTO_TEST_CASE(transposed_convolutions_as_steps) {
  const ModelPtr model = model_from_json(functional(
      {input_layer("x", "[null, 5, 7, 3]"),
       graph_layer("Conv2DTranspose", "t1",
                   R"("filters": 4, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "activation": "relu")",
                   tensor_ref("x")),
       graph_layer(
           "Conv2DTranspose", "t2",
           R"("filters": 3, "kernel_size": [3, 2], "strides": [2, 3], "output_padding": [1, 2], "activation": "softmax")",
           tensor_ref("t1")),
       graph_layer("Conv2DTranspose", "t3",
                   R"("filters": 2, "kernel_size": [1, 1], "strides": [2, 2], "padding": "same", "use_bias": false)",
                   tensor_ref("t1")),
       graph_layer("Conv2DTranspose", "t4", R"("filters": 2, "kernel_size": [3, 3], "dilation_rate": [2, 1])",
                   tensor_ref("x"))},
      R"([["x", 0, 0]])", R"([["t2", 0, 0], ["t3", 0, 0], ["t4", 0, 0]])"));
  randomize(*model, 41);
  const Tensor x = random_tensor({2, 5, 7, 3}, 42);
  BOOST_TEST(model->has_execution_plan({x}));
  check_same(model->predict({x}), layer_by_layer(*model, {x}), "Conv2DTranspose");
  check_same(model->predict({x}, 1), layer_by_layer(*model, {x}), "Conv2DTranspose in batches of 1");

  const ModelPtr one = model_from_json(functional(
      {input_layer("x", "[null, 9, 2]"),
       graph_layer("Conv1DTranspose", "t", R"("filters": 3, "kernel_size": [4], "strides": [3], "activation": "tanh")",
                   tensor_ref("x"))},
      R"([["x", 0, 0]])", R"([["t", 0, 0]])"));
  randomize(*one, 43);
  const Tensor s = random_tensor({3, 9, 2}, 44);
  BOOST_TEST(one->has_execution_plan({s}));
  check_same(one->predict({s}), layer_by_layer(*one, {s}), "Conv1DTranspose");

  const ModelPtr three = model_from_json(
      functional({input_layer("x", "[null, 3, 4, 5, 2]"),
                  graph_layer("Conv3DTranspose", "t",
                              R"("filters": 2, "kernel_size": [2, 3, 2], "strides": [2, 1, 2], "padding": "same")",
                              tensor_ref("x"))},
                 R"([["x", 0, 0]])", R"([["t", 0, 0]])"));
  randomize(*three, 45);
  const Tensor v = random_tensor({2, 3, 4, 5, 2}, 46);
  BOOST_TEST(three->has_execution_plan({v}));
  check_same(three->predict({v}), layer_by_layer(*three, {v}), "Conv3DTranspose");

  // channels_first declines: the model runs layer by layer.
  const ModelPtr first = model_from_json(functional(
      {input_layer("x", "[null, 3, 5, 7]"),
       graph_layer("Conv2DTranspose", "t",
                   R"("filters": 2, "kernel_size": [3, 3], "strides": [2, 2], "data_format": "channels_first")",
                   tensor_ref("x"))},
      R"([["x", 0, 0]])", R"([["t", 0, 0]])"));
  randomize(*first, 47);
  const Tensor f = random_tensor({2, 3, 5, 7}, 48);
  BOOST_TEST(!first->has_execution_plan({f}));
  check_same(first->predict({f}), layer_by_layer(*first, {f}), "Conv2DTranspose channels_first");
}

// Separable convolutions as steps: the depthwise then the pointwise convolution, the intermediate
// in the step's workspace; a fused activation and one applied after.
BOOST_AUTO_TEST_CASE(separable_convolutions_as_steps) {
  const ModelPtr model = model_from_json(functional(
      {input_layer("x", "[null, 9, 8, 3]"),
       graph_layer(
           "SeparableConv2D", "s1",
           R"("filters": 5, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "depth_multiplier": 2, "activation": "relu")",
           tensor_ref("x")),
       graph_layer(
           "SeparableConv2D", "s2",
           R"("filters": 4, "kernel_size": [2, 3], "dilation_rate": [2, 1], "activation": "softmax", "use_bias": false)",
           tensor_ref("s1"))},
      R"([["x", 0, 0]])", R"([["s2", 0, 0], ["s1", 0, 0]])"));
  randomize(*model, 51);
  const Tensor x = random_tensor({2, 9, 8, 3}, 52);
  BOOST_TEST(model->has_execution_plan({x}));
  check_same(model->predict({x}), layer_by_layer(*model, {x}), "SeparableConv2D");
  check_same(model->predict({x}, 1), layer_by_layer(*model, {x}), "SeparableConv2D in batches of 1");

  const ModelPtr one = model_from_json(functional(
      {input_layer("x", "[null, 11, 4]"),
       graph_layer("SeparableConv1D", "s",
                   R"("filters": 3, "kernel_size": [3], "strides": [3], "padding": "same", "activation": "tanh")",
                   tensor_ref("x"))},
      R"([["x", 0, 0]])", R"([["s", 0, 0]])"));
  randomize(*one, 53);
  const Tensor s = random_tensor({3, 11, 4}, 54);
  BOOST_TEST(one->has_execution_plan({s}));
  check_same(one->predict({s}), layer_by_layer(*one, {s}), "SeparableConv1D");
  // Weights assigned after planning: the plan's convolutions are made again.
  const std::vector<Tensor> before = one->predict({s});
  randomize(*one, 55);
  const std::vector<Tensor> after = one->predict({s});
  BOOST_TEST(!(after.front() == before.front()));
  check_same(after, layer_by_layer(*one, {s}), "SeparableConv1D after assign");
}

BOOST_AUTO_TEST_CASE(a_layer_without_a_step_runs_the_model_layer_by_layer) {
  const ModelPtr model = model_from_json(
      functional({input_layer("x", "[null, 4]"), graph_layer("Dense", "d", R"("units": 3)", tensor_ref("x")),
                  graph_layer("UnitNormalization", "un", "", tensor_ref("d"))},
                 R"([["x", 0, 0]])", R"([["un", 0, 0]])"));
  randomize(*model, 2);
  const Tensor x = random_tensor({2, 4}, 4);
  BOOST_TEST(!model->has_execution_plan({x}));
  check_same(model->predict({x}), layer_by_layer(*model, {x}), "UnitNormalization");
}

BOOST_AUTO_TEST_CASE(a_sequential_replans_after_add) {
  auto model = std::dynamic_pointer_cast<Sequential>(model_from_json(
      R"({"module": "keras", "class_name": "Sequential", "config": {"name": "s", "trainable": true, "layers": [)"
      R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "dtype": "float32", "name": "x"}}, )"
      R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 3, "activation": "relu"}}]}})"));
  BOOST_REQUIRE(model);
  const Tensor x = random_tensor({2, 3}, 5);
  BOOST_TEST(model->has_execution_plan({x}));
  check_same(model->predict({x}), layer_by_layer(*model, {x}), "one Dense");
  model->add(deserialize_as<Layer>(json::parse(
      R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "d2", "units": 2, "activation": "sigmoid"}})")));
  randomize(*model, 9);
  const Tensor two = model->predict({x}).front();
  BOOST_TEST(two.shape() == (Shape{2, 2}));
  check_same({two}, layer_by_layer(*model, {x}), "two Dense");
  BOOST_TEST(model->has_execution_plan({x}));
}

BOOST_AUTO_TEST_CASE(concurrent_predicts_share_a_plan) {
  const ModelPtr model = load_fixture("big_functional_300");
  const auto io = json::parse(test::read_text(test::model_dir("big_functional_300") / "io.json"));
  const Tensor x = test::read_io(io, "inputs").front().value;
  const Tensor want = layer_by_layer(*model, {x}).front();
  std::vector<std::thread> workers;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) wrong[static_cast<std::size_t>(t)] += !(model->predict({x}).front() == want);
    });
  }
  for (auto& w : workers) w.join();
  for (int w : wrong) BOOST_TEST(w == 0);
}
