// tf.keras's TFOpLambda / SlicingOpLambda layers (a TensorFlow function applied to a Keras
// tensor) through the legacy upgrade: each becomes the Keras 3 op node computing the same,
// or a NotSupportedError naming the layer, the function and the JSON path.
//
// The configs below are spelled as tf.keras 2.x wrote them: TFOpLambda's config is Layer's
// (name, trainable, dtype) plus `function` (tensorflow/python/keras/layers/core.py,
// TFOpLambda.get_config); a node keeps the first argument's structure (a single tensor's
// reference is the node itself, tf.concat's list a list of references) and every other
// argument by its TF parameter name in the kwargs, tensors there as [layer, node, tensor]
// triples (engine/node.py, Node.serialize); slices are {"start", "stop", "step"} dicts
// (_slice_to_dict) and Ellipsis {"class_name": "__ellipsis__"}. The entries of
// real_tf_keras_config are copied from a public tf.keras 2.4.0 to_json() text (a transformer
// whose masked loss is written with tf ops; see tests/data/legacy_config/tf_op_lambda/README.md).
#define BOOST_TEST_MODULE tf_op_lambda
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/models/legacy_config.hpp"
#include "kplug/models/model.hpp"
#include "test_support.hpp"

#include <cmath>

using namespace kplug;
using test::contains;
using test::error_of;

namespace {

boost::json::value upgraded(const std::string& text) {
  legacy::UpgradeReport report;
  auto out = legacy::upgrade_model_config(json::parse(text), report);
  legacy::UpgradeReport again;  // a second upgrade changes nothing
  BOOST_CHECK_EQUAL(json::write(legacy::upgrade_model_config(out, again)), json::write(out));
  return out;
}

std::string input_layer(const std::string& name, const std::string& batch_shape) {
  return R"({"class_name": "InputLayer", "config": {"batch_input_shape": )" + batch_shape +
         R"(, "dtype": "float32", "sparse": false, "ragged": false, "name": ")" + name + R"("}, "name": ")" + name +
         R"(", "inbound_nodes": []})";
}

std::string dense(const std::string& name, int units, const std::string& input) {
  return R"({"class_name": "Dense", "config": {"name": ")" + name +
         R"(", "trainable": true, "dtype": "float32", "units": )" + std::to_string(units) +
         R"(, "activation": "linear", "use_bias": true, "kernel_initializer": {"class_name": "GlorotUniform", )"
         R"("config": {"seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, )"
         R"("kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, )"
         R"("kernel_constraint": null, "bias_constraint": null}, "name": ")" +
         name + R"(", "inbound_nodes": [[[")" + input + R"(", 0, 0, {}]]]})";
}

// A TFOpLambda entry (or SlicingOpLambda) calling tf.<function> with this node.
std::string tf_op(const std::string& name, const std::string& function, const std::string& node,
                  const std::string& class_name = "TFOpLambda") {
  return R"({"class_name": ")" + class_name + R"(", "config": {"name": ")" + name +
         R"(", "trainable": true, "dtype": "float32", "function": ")" + function + R"("}, "name": ")" + name +
         R"(", "inbound_nodes": [)" + node + "]}";
}

std::string functional(const std::vector<std::string>& layers, const std::string& inputs, const std::string& outputs) {
  std::string text = R"({"class_name": "Functional", "config": {"name": "model", "layers": [)";
  for (std::size_t i = 0; i < layers.size(); ++i) text += (i ? ", " : "") + layers[i];
  return text + R"(], "input_layers": )" + inputs + R"(, "output_layers": )" + outputs +
         R"(}, "keras_version": "2.11.0", "backend": "tensorflow"})";
}

const boost::json::object& layer_at(const boost::json::value& config, std::size_t i) {
  return config.at("config").at("layers").as_array().at(i).as_object();
}

// a (None, 3) -> dense (4) * 2.0 -> reshape (-1, 2, 2) -+
//             -> dense_1 (4) -> reshape (-1, 2, 2) -----+-> concat(axis=1) -> reduce_mean(axis=1)
//             -> 1.0 - mean (a constant first argument) -> relu, + mean (__operators__.add)
std::string chain_model() {
  return functional(
      {input_layer("a", "[null, 3]"), dense("dense", 4, "a"), dense("dense_1", 4, "a"),
       tf_op("tf.math.multiply", "math.multiply", R"(["dense", 0, 0, {"y": 2.0, "name": null}])"),
       tf_op("tf.reshape", "reshape", R"(["tf.math.multiply", 0, 0, {"shape": [-1, 2, 2], "name": null}])"),
       tf_op("tf.reshape_1", "reshape", R"(["dense_1", 0, 0, {"shape": [-1, 2, 2], "name": null}])"),
       tf_op("tf.concat", "concat",
             R"([["tf.reshape", 0, 0, {"axis": 1, "name": null}], ["tf.reshape_1", 0, 0, {"axis": 1, "name": null}]])"),
       tf_op("tf.math.reduce_mean", "math.reduce_mean", R"(["tf.concat", 0, 0, {"axis": 1}])"),
       tf_op("tf.math.subtract", "math.subtract",
             R"(["_CONSTANT_VALUE", -1, 1.0, {"y": ["tf.math.reduce_mean", 0, 0], "name": null}])"),
       tf_op("tf.nn.relu", "nn.relu", R"(["tf.math.subtract", 0, 0, {}])"),
       tf_op("tf.__operators__.add", "__operators__.add",
             R"(["tf.nn.relu", 0, 0, {"y": ["tf.math.reduce_mean", 0, 0], "name": null}])")},
      R"([["a", 0, 0]])", R"([["tf.math.reduce_mean", 0, 0], ["tf.__operators__.add", 0, 0]])");
}

using Matrix = std::vector<std::vector<float>>;

Matrix dense_by_hand(const Matrix& x, const Matrix& w, const std::vector<float>& b) {
  Matrix y(x.size(), std::vector<float>(b.size()));
  for (std::size_t n = 0; n < x.size(); ++n) {
    for (std::size_t j = 0; j < b.size(); ++j) {
      y[n][j] = b[j];
      for (std::size_t i = 0; i < w.size(); ++i) y[n][j] += x[n][i] * w[i][j];
    }
  }
  return y;
}

Tensor matrix_tensor(const Matrix& m) {
  std::vector<float> values;
  for (const auto& row : m) values.insert(values.end(), row.begin(), row.end());
  return Tensor({static_cast<std::int64_t>(m.size()), static_cast<std::int64_t>(m[0].size())}, std::move(values));
}

}  // namespace

BOOST_AUTO_TEST_CASE(ops_become_keras3_op_nodes) {
  const auto config = upgraded(chain_model());
  // As Keras 3 writes `keras.ops.multiply(x, 2.0)` on a symbolic tensor.
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 3)),
                    R"({"module": "keras.src.ops.numpy", "class_name": "Multiply", "config": )"
                    R"({"name": "tf.math.multiply"}, "registered_name": "Multiply", "name": "tf.math.multiply", )"
                    R"("inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": )"
                    R"({"keras_history": ["dense", 0, 0]}}, 2.0], "kwargs": {}}]})");
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 4).at("config")), R"({"name": "tf.reshape", "newshape": [-1, 2, 2]})");
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 6).at("config")), R"({"name": "tf.concat", "axis": 1})");
  BOOST_CHECK_EQUAL(layer_at(config, 6).at("inbound_nodes").at(0).at("args").as_array().size(), 1u);
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 7).at("config")),
                    R"({"name": "tf.math.reduce_mean", "axis": 1, "keepdims": false})");
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 8).at("inbound_nodes").at(0).at("args").at(0)), "1.0");
  BOOST_CHECK_EQUAL(layer_at(config, 9).at("module").as_string(), "keras.src.ops.nn");
  BOOST_CHECK_EQUAL(layer_at(config, 10).at("class_name").as_string(), "Add");
}

BOOST_AUTO_TEST_CASE(ops_predict_as_computed_by_hand) {
  auto model = model_from_json(chain_model());
  const Matrix w0 = {{1, 0, -1, 2}, {0.5f, 1, 0, -1}, {0, 2, 1, 0}};
  const std::vector<float> b0 = {0.1f, -0.2f, 0.3f, 0};
  const Matrix w1 = {{-1, 1, 0, 0.5f}, {2, 0, 1, 0}, {0, -0.5f, 1, 1}};
  const std::vector<float> b1 = {0, 0.5f, 0, -0.1f};
  model->get_layer("dense")->set_weights({matrix_tensor(w0), Tensor({4}, b0)});
  model->get_layer("dense_1")->set_weights({matrix_tensor(w1), Tensor({4}, b1)});
  const Matrix x = {{1, 2, 3}, {-1, 0.5f, 2}};
  const Matrix d0 = dense_by_hand(x, w0, b0), d1 = dense_by_hand(x, w1, b1);
  // concat((n, 2, 2) of 2*d0, (n, 2, 2) of d1, axis 1) is (n, 4, 2); its mean over axis 1
  // averages, per column c, the values at c and c + 2 of both rows.
  Matrix mean(x.size(), std::vector<float>(2)), sum(x.size(), std::vector<float>(2));
  for (std::size_t n = 0; n < x.size(); ++n) {
    for (std::size_t c = 0; c < 2; ++c) {
      mean[n][c] = (2 * d0[n][c] + 2 * d0[n][c + 2] + d1[n][c] + d1[n][c + 2]) / 4;
      sum[n][c] = std::max(1.0f - mean[n][c], 0.0f) + mean[n][c];
    }
  }
  const auto y = model->predict({matrix_tensor(x)});
  test::check_close(y.at(0), matrix_tensor(mean));
  test::check_close(y.at(1), matrix_tensor(sum));
}

// x[:, 1:3, 0], x[..., tf.newaxis, -1] and x[:, ::-2]: SlicingOpLambda -> keras.ops GetItem.
BOOST_AUTO_TEST_CASE(getitem_slices) {
  const std::string all = R"({"start": null, "stop": null, "step": null})";
  const std::string text = functional(
      {input_layer("x", "[null, 4, 3]"),
       tf_op("tf.__operators__.getitem", "__operators__.getitem",
             R"(["x", 0, 0, {"slice_spec": [)" + all + R"(, {"start": 1, "stop": 3, "step": null}, 0]}])",
             "SlicingOpLambda"),
       tf_op("tf.__operators__.getitem_1", "__operators__.getitem",
             R"(["x", 0, 0, {"slice_spec": [{"class_name": "__ellipsis__"}, null, -1]}])", "SlicingOpLambda"),
       tf_op("tf.__operators__.getitem_2", "__operators__.getitem",
             R"(["x", 0, 0, {"slice_spec": [)" + all + R"(, {"start": null, "stop": null, "step": -2}]}])",
             "SlicingOpLambda")},
      R"([["x", 0, 0]])",
      R"([["tf.__operators__.getitem", 0, 0], ["tf.__operators__.getitem_1", 0, 0], )"
      R"(["tf.__operators__.getitem_2", 0, 0]])");
  const auto config = upgraded(text);
  // As Keras 3 writes x[:, 1:3, 0] (a GetItem whose second argument is the key).
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 1).at("inbound_nodes").at(0).at("args").at(1)),
                    R"([{"class_name": "__slice__", "config": {"start": null, "stop": null, "step": null}}, )"
                    R"({"class_name": "__slice__", "config": {"start": 1, "stop": 3, "step": null}}, 0])");
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 2).at("inbound_nodes").at(0).at("args").at(1)),
                    R"([{"class_name": "__ellipsis__", "config": {}}, null, -1])");
  auto model = model_from_config(config);
  BOOST_CHECK_EQUAL(model->output_shapes().at(0).to_string(), "(None, 2)");
  BOOST_CHECK_EQUAL(model->output_shapes().at(1).to_string(), "(None, 4, 1)");
  BOOST_CHECK_EQUAL(model->output_shapes().at(2).to_string(), "(None, 2, 3)");
  std::vector<float> values(2 * 4 * 3);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  const auto y = model->predict({Tensor({2, 4, 3}, values)});
  auto at = [](int n, int r, int c) { return static_cast<float>(n * 12 + r * 3 + c); };
  test::check_close(y.at(0), Tensor::matrix({{at(0, 1, 0), at(0, 2, 0)}, {at(1, 1, 0), at(1, 2, 0)}}));
  std::vector<float> last, reversed;
  for (int n = 0; n < 2; ++n) {
    for (int r = 0; r < 4; ++r) last.push_back(at(n, r, 2));
    for (int r : {3, 1}) {
      for (int c = 0; c < 3; ++c) reversed.push_back(at(n, r, c));
    }
  }
  test::check_close(y.at(1), Tensor({2, 4, 1}, last));
  test::check_close(y.at(2), Tensor({2, 2, 3}, reversed));
}

// Keyword arguments with TF defaults that differ from keras.ops': written explicitly.
BOOST_AUTO_TEST_CASE(arguments_translated) {
  const std::string text = functional(
      {input_layer("x", "[null, 2, 3]"), tf_op("tf.nn.softmax", "nn.softmax", R"(["x", 0, 0, {"axis": null}])"),
       tf_op("tf.nn.gelu", "nn.gelu", R"(["x", 0, 0, {}])"),
       tf_op("tf.compat.v1.transpose", "compat.v1.transpose", R"(["x", 0, 0, {"perm": [0, 2, 1]}])"),
       tf_op("tf.compat.v1.reduce_max", "compat.v1.reduce_max",
             R"(["x", 0, 0, {"axis": [1, 2], "keepdims": true, "name": null, "reduction_indices": null}])"),
       tf_op("tf.cast", "cast", R"(["x", 0, 0, {"dtype": "int32"}])"),
       tf_op("tf.linalg.matmul", "linalg.matmul",
             R"(["x", 0, 0, {"b": ["tf.compat.v1.transpose", 0, 0], "transpose_b": false, "name": null}])"),
       tf_op("tf.stack", "stack", R"([["x", 0, 0, {"axis": -1}], ["tf.nn.gelu", 0, 0, {"axis": -1}]])"),
       tf_op("tf.expand_dims", "expand_dims", R"(["x", 0, 0, {"axis": 1}])"),
       tf_op("tf.compat.v1.squeeze", "compat.v1.squeeze", R"(["tf.expand_dims", 0, 0, {"axis": [1], "name": null}])")},
      R"([["x", 0, 0]])",
      R"([["tf.nn.softmax", 0, 0], ["tf.nn.gelu", 0, 0], ["tf.compat.v1.reduce_max", 0, 0], ["tf.cast", 0, 0], )"
      R"(["tf.linalg.matmul", 0, 0], ["tf.stack", 0, 0], ["tf.compat.v1.squeeze", 0, 0]])");
  const auto config = upgraded(text);
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 1).at("config")), R"({"name": "tf.nn.softmax", "axis": -1})");
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 2).at("config")), R"({"name": "tf.nn.gelu", "approximate": false})");
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 3).at("config")),
                    R"({"name": "tf.compat.v1.transpose", "axes": [0, 2, 1]})");
  BOOST_CHECK_EQUAL(json::write(layer_at(config, 5).at("config")), R"({"name": "tf.cast", "dtype": "int32"})");
  auto model = model_from_config(config);
  const std::vector<std::string> shapes = {"(None, 2, 3)", "(None, 2, 3)",    "(None, 1, 1)", "(None, 2, 3)",
                                           "(None, 2, 2)", "(None, 2, 3, 2)", "(None, 2, 3)"};
  for (std::size_t i = 0; i < shapes.size(); ++i)
    BOOST_CHECK_EQUAL(model->output_shapes().at(i).to_string(), shapes[i]);
  const Tensor x({1, 2, 3}, std::vector<float>{1, 2, 3, -1, 0.5f, 4});
  const auto y = model->predict({x});
  // softmax over the last axis of row [1, 2, 3]; max over axes 1, 2; x @ x^T.
  const float e = std::exp(1.0f) + std::exp(2.0f) + std::exp(3.0f);
  BOOST_CHECK_CLOSE(y.at(0).values()[0], std::exp(1.0f) / e, 1e-3);
  // exact gelu: x * Phi(x) at 1.
  BOOST_CHECK_CLOSE(y.at(1).values()[0], 0.5f * (1 + std::erf(1 / std::sqrt(2.0f))), 1e-3);
  test::check_close(y.at(2), Tensor({1, 1, 1}, 4.0f));
  BOOST_CHECK(y.at(3).dtype() == DType::int32);
  test::check_close(y.at(4), Tensor({1, 2, 2}, std::vector<float>{14, 12, 12, 17.25f}));
  test::check_close(y.at(6), x);
}

// tf.keras's own entries (a masked mean of a per-token loss): tf.cast, tf.math.multiply with
// a constant and a tensor `y`, tf.math.reduce_sum without axis, tf.math.truediv.
BOOST_AUTO_TEST_CASE(real_tf_keras_config) {
  auto model = model_from_json(test::read_text(test::data_dir() / "legacy_config" / "tf_op_lambda" / "model.json"));
  // loss (2, 3) masked where input_2 != 0: sum(loss * mask) / sum(mask) * 0.5.
  const Tensor loss({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  const Tensor tokens({2, 3}, std::vector<float>{7, 0, 1, 0, 0, 2});
  CallArgs args({loss, tokens});
  const auto y = (*model)(args);
  BOOST_CHECK_CLOSE(y.at(0).values()[0], (1 + 3 + 6) / 3.0f * 0.5f, 1e-4);
}

BOOST_AUTO_TEST_CASE(refusals_name_layer_function_and_path) {
  auto refused = [](const std::string& entry) {
    return error_of<NotSupportedError>([&] {
      upgraded(functional({input_layer("x", "[null, 2, 2]"), entry}, R"([["x", 0, 0]])", R"([["op", 0, 0]])"));
    });
  };
  const auto unknown = refused(tf_op("op", "image.extract_patches", R"(["x", 0, 0, {}])"));
  BOOST_CHECK_MESSAGE(contains(unknown,
                               "config.layers[1].config.function: layer 'op' (TFOpLambda calling "
                               "tf.image.extract_patches)"),
                      unknown);
  BOOST_CHECK_MESSAGE(contains(unknown, "'math.multiply'") && contains(unknown, "'__operators__.getitem'"), unknown);
  const auto typo = refused(tf_op("op", "math.reduce_meen", R"(["x", 0, 0, {}])"));
  BOOST_CHECK_MESSAGE(contains(typo, "Did you mean 'math.reduce_mean'"), typo);
  const auto transposed =
      refused(tf_op("op", "linalg.matmul", R"(["x", 0, 0, {"b": ["x", 0, 0], "transpose_b": true}])"));
  BOOST_CHECK_MESSAGE(contains(transposed, "config.layers[1].inbound_nodes[0]: layer 'op'") &&
                          contains(transposed, "`transpose_b`=true is not supported"),
                      transposed);
  const auto tensor_shape = refused(tf_op("op", "reshape", R"(["x", 0, 0, {"shape": ["x", 0, 0]}])"));
  BOOST_CHECK_MESSAGE(contains(tensor_shape, "a tensor as `shape` is not supported"), tensor_shape);
  const auto deprecated =
      refused(tf_op("op", "compat.v1.reduce_sum", R"(["x", 0, 0, {"reduction_indices": 1, "name": null}])"));
  BOOST_CHECK_MESSAGE(contains(deprecated, "`reduction_indices`=1 is not supported"), deprecated);
  const auto unexpected = refused(tf_op("op", "math.reduce_sum", R"(["x", 0, 0, {"keep_dims": true}])"));
  BOOST_CHECK_MESSAGE(contains(unexpected, "unexpected argument `keep_dims`") && contains(unexpected, "'keepdims'"),
                      unexpected);
  const auto strided = refused(
      tf_op("op", "__operators__.getitem",
            R"(["x", 0, 0, {"slice_spec": {"start": ["x", 0, 0], "stop": null, "step": null}}])", "SlicingOpLambda"));
  BOOST_CHECK_MESSAGE(contains(strided, "SlicingOpLambda calling tf.__operators__.getitem") &&
                          contains(strided, "slice_spec: layer 'op'"),
                      strided);
  // Verbatim from the public tf.keras config: `x != 0` lost its `other` when tf.keras saved it.
  const auto lost = refused(tf_op("op", "__operators__.ne", R"(["x", 0, 0, {}])"));
  BOOST_CHECK_MESSAGE(contains(lost, "the call's argument `other` is missing from the node"), lost);
}
