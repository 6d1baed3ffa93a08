// Keras ops as Functional graph nodes (issue 10): configs written as Keras writes them
// (an Operation's config is its name then its __init__ arguments in order; plain values sit
// in the node's args beside the tensors), numbers worked out by hand, dtypes as Keras's
// (bool comparisons, integer cumsum), the config written back unchanged, and clear errors
// for ops and arguments kplug lacks.
#define BOOST_TEST_MODULE op_nodes
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/models/model.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace kplug;
using test::check_close;
using test::contains;
using test::error_of;

namespace {

std::string input(const std::string& name, const std::string& shape, const std::string& dtype = "float32") {
  return R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": )" + shape +
         R"(, "dtype": ")" + dtype + R"(", "sparse": false, "ragged": false, "name": ")" + name +
         R"(", "optional": false}, "registered_name": null, "name": ")" + name + R"(", "inbound_nodes": []})";
}

// A symbolic tensor argument: the output of `layer`.
std::string ref(const std::string& layer, const std::string& shape, const std::string& dtype = "float32") {
  return R"({"class_name": "__keras_tensor__", "config": {"shape": )" + shape + R"(, "dtype": ")" + dtype +
         R"(", "keras_history": [")" + layer + R"(", 0, 0]}})";
}

// An Operation entry with one node; `config` holds the keys after "name".
std::string op(const std::string& module, const std::string& class_name, const std::string& name,
               const std::string& args, const std::string& config = "") {
  return R"({"module": ")" + module + R"(", "class_name": ")" + class_name + R"(", "config": {"name": ")" + name +
         "\"" + (config.empty() ? "" : ", " + config) + R"(}, "registered_name": ")" + class_name + R"(", "name": ")" +
         name + R"(", "inbound_nodes": [{"args": )" + args + R"(, "kwargs": {}}]})";
}
std::string np(const std::string& class_name, const std::string& name, const std::string& args,
               const std::string& config = "") {
  return op("keras.src.ops.numpy", class_name, name, args, config);
}
std::string nn(const std::string& class_name, const std::string& name, const std::string& args,
               const std::string& config = "") {
  return op("keras.src.ops.nn", class_name, name, args, config);
}

std::string model(const std::vector<std::string>& layers, const std::string& inputs, const std::string& outputs) {
  std::string list;
  for (const auto& l : layers) list += (list.empty() ? "" : ", ") + l;
  return R"({"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "ops", )"
         R"("trainable": true, "layers": [)" +
         list + R"(], "input_layers": )" + inputs + R"(, "output_layers": )" + outputs +
         R"(}, "registered_name": "Functional", "build_config": {"input_shape": null}, "compile_config": {}})";
}

// Loads the model, checks to_json gives the config back, predicts.
std::vector<Tensor> run(const std::string& text, std::vector<Tensor> inputs) {
  ModelPtr m = model_from_json(text);
  BOOST_CHECK(json::parse(m->to_json()) == json::parse(text));
  return m->predict(inputs);
}

Tensor ints(Shape shape, std::vector<std::int32_t> values) {
  return Tensor::from_values<std::int32_t>(std::move(shape), values);
}

std::vector<bool> bools(const Tensor& t) {
  BOOST_REQUIRE(t.dtype() == DType::bool_);
  std::vector<bool> out;
  for (std::int64_t i = 0; i < t.size(); ++i) out.push_back(t.data_as<bool>()[i]);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(arithmetic_with_python_numbers_on_either_side) {
  // y = 1 - (x + 1.0) * 2.0, as `1 - (x + 1.0) * 2.0` on a KerasTensor records it.
  const std::string text = model({input("x", "[null, 3]"), np("Add", "add", "[" + ref("x", "[null, 3]") + ", 1.0]"),
                                  np("Multiply", "multiply", "[" + ref("add", "[null, 3]") + ", 2.0]"),
                                  np("Subtract", "subtract", "[1, " + ref("multiply", "[null, 3]") + "]")},
                                 R"([["x", 0, 0]])", R"(["subtract", 0, 0])");
  auto out = run(text, {Tensor::matrix({{1, 2, 3}, {-1, 0, 0.5f}})});
  check_close(out[0], Tensor::matrix({{-3, -5, -7}, {1, -1, -2}}));
}

BOOST_AUTO_TEST_CASE(mobilenet_v3_hard_sigmoid_as_op_nodes) {
  // keras.applications' hard_sigmoid: relu6(x + 3) * (1 / 6); and ops.hard_sigmoid directly.
  const std::string text =
      model({input("x", "[null, 4]"), np("Add", "add", "[" + ref("x", "[null, 4]") + ", 3.0]"),
             nn("Relu6", "relu6", "[" + ref("add", "[null, 4]") + "]"),
             np("Multiply", "multiply", "[" + ref("relu6", "[null, 4]") + ", 0.16666666666666666]"),
             nn("HardSigmoid", "hard_sigmoid", "[" + ref("x", "[null, 4]") + "]")},
            R"([["x", 0, 0]])", R"([["multiply", 0, 0], ["hard_sigmoid", 0, 0]])");
  auto out = run(text, {Tensor::matrix({{-4, 0, 1.5f, 4}})});
  const Tensor expected = Tensor::matrix({{0, 0.5f, 0.75f, 1}});
  check_close(out[0], expected);
  check_close(out[1], expected);
}

BOOST_AUTO_TEST_CASE(comparisons_logic_and_reductions) {
  const std::string s = "[null, 4]";
  const std::string text =
      model({input("x", s), np("Greater", "greater", "[" + ref("x", s) + ", 0]"),
             np("LogicalNot", "logical_not", "[" + ref("greater", s, "bool") + "]"),
             np("Any", "any", "[" + ref("logical_not", s, "bool") + "]", R"("axis": -1, "keepdims": false)"),
             np("All", "all", "[" + ref("greater", s, "bool") + "]", R"("axis": 1, "keepdims": true)"),
             np("Sum", "sum", "[" + ref("x", s) + "]", R"("axis": [1], "keepdims": true)"),
             np("Max", "max", "[" + ref("x", s) + "]", R"("axis": 1, "keepdims": false, "initial": 2.5)"),
             np("Mean", "mean", "[" + ref("x", s) + "]", R"("axis": -1, "keepdims": false)"),
             np("LessEqual", "less_equal", "[" + ref("x", s) + ", " + ref("x", s) + "]")},
            R"([["x", 0, 0]])",
            R"([["greater", 0, 0], ["logical_not", 0, 0], ["any", 0, 0], ["all", 0, 0], ["sum", 0, 0], )"
            R"(["max", 0, 0], ["mean", 0, 0], ["less_equal", 0, 0]])");
  auto out = run(text, {Tensor::matrix({{1, -2, 3, 0}, {4, 5, 6, 7}})});
  BOOST_CHECK(bools(out[0]) == (std::vector<bool>{true, false, true, false, true, true, true, true}));
  BOOST_CHECK(bools(out[1]) == (std::vector<bool>{false, true, false, true, false, false, false, false}));
  BOOST_CHECK(bools(out[2]) == (std::vector<bool>{true, false}));
  BOOST_CHECK(out[3].shape() == (Shape{2, 1}));
  BOOST_CHECK(bools(out[3]) == (std::vector<bool>{false, true}));
  check_close(out[4], Tensor::matrix({{2}, {22}}));
  check_close(out[5], Tensor::vector({3, 7}));  // max(3, 2.5) and max(7, 2.5)
  check_close(out[6], Tensor::vector({0.5f, 5.5f}));
  BOOST_CHECK(bools(out[7]) == std::vector<bool>(8, true));
}

BOOST_AUTO_TEST_CASE(position_ids_with_cumsum_stay_integers) {
  // positions = cumsum(ones_like(ids), axis=1) - 1, as text models build them.
  const std::string s = "[null, 5]";
  const std::string text = model(
      {input("ids", s, "int32"), np("OnesLike", "ones_like", "[" + ref("ids", s, "int32") + "]", R"("dtype": null)"),
       np("Cumsum", "cumsum", "[" + ref("ones_like", s, "int32") + "]", R"("axis": 1, "dtype": null)"),
       np("Subtract", "subtract", "[" + ref("cumsum", s, "int32") + ", 1]"),
       np("Cumprod", "cumprod", "[" + ref("ids", s, "int32") + "]", R"("axis": null, "dtype": "float32")")},
      R"([["ids", 0, 0]])", R"([["subtract", 0, 0], ["cumprod", 0, 0]])");
  auto out = run(text, {ints({1, 5}, {7, 1, 2, 3, 1})});
  BOOST_REQUIRE(out[0].dtype() == DType::int32);
  for (std::int32_t i = 0; i < 5; ++i) BOOST_CHECK_EQUAL(out[0].data_as<std::int32_t>()[i], i);
  check_close(out[1], Tensor::vector({7, 7, 14, 42, 42}));
}

BOOST_AUTO_TEST_CASE(shape_ops) {
  const std::string text = model(
      {input("x", "[null, 4]"),
       np("Reshape", "reshape", "[" + ref("x", "[null, 4]") + "]", R"("newshape": [-1, 2, 2])"),
       np("Transpose", "transpose", "[" + ref("reshape", "[null, 2, 2]") + "]", R"("axes": [0, 2, 1])"),
       np("ExpandDims", "expand_dims", "[" + ref("transpose", "[null, 2, 2]") + "]", R"("axis": 1)"),
       np("Squeeze", "squeeze", "[" + ref("expand_dims", "[null, 1, 2, 2]") + "]", R"("axis": 1)"),
       np("Concatenate", "concatenate",
          "[[" + ref("squeeze", "[null, 2, 2]") + ", " + ref("reshape", "[null, 2, 2]") + "]]", R"("axis": -1)"),
       np("ZerosLike", "zeros_like", "[" + ref("x", "[null, 4]") + "]", R"("dtype": "int32")"),
       op("keras.src.ops.core", "Cast", "cast", "[" + ref("x", "[null, 4]") + "]", R"("dtype": "int32")")},
      R"([["x", 0, 0]])", R"([["expand_dims", 0, 0], ["concatenate", 0, 0], ["zeros_like", 0, 0], ["cast", 0, 0]])");
  auto out = run(text, {Tensor::matrix({{1, 2, 3, 4.5f}})});
  check_close(out[0], Tensor({1, 1, 2, 2}, {1, 3, 2, 4.5f}));
  check_close(out[1], Tensor({1, 2, 4}, {1, 3, 1, 2, 2, 4.5f, 3, 4.5f}));
  BOOST_CHECK(out[2].dtype() == DType::int32 && out[2].shape() == (Shape{1, 4}));
  BOOST_REQUIRE(out[3].dtype() == DType::int32);
  BOOST_CHECK_EQUAL(out[3].data_as<std::int32_t>()[3], 4);  // truncated toward zero
}

BOOST_AUTO_TEST_CASE(two_tensor_operations_broadcast) {
  const std::string text = model(
      {input("a", "[null, 3]"), input("b", "[null, 1]"),
       np("Maximum", "maximum", "[" + ref("a", "[null, 3]") + ", " + ref("b", "[null, 1]") + "]"),
       np("Greater", "greater", "[" + ref("a", "[null, 3]") + ", " + ref("b", "[null, 1]") + "]"),
       np("Where", "where",
          "[" + ref("greater", "[null, 3]", "bool") + ", " + ref("a", "[null, 3]") + ", " + ref("b", "[null, 1]") +
              "]"),
       np("Power", "power", "[" + ref("a", "[null, 3]") + ", 2]"),
       np("Divide", "divide", "[" + ref("a", "[null, 3]") + ", " + ref("b", "[null, 1]") + "]")},
      R"([["a", 0, 0], ["b", 0, 0]])", R"([["maximum", 0, 0], ["where", 0, 0], ["power", 0, 0], ["divide", 0, 0]])");
  auto out = run(text, {Tensor::matrix({{1, 5, -3}}), Tensor::matrix({{2}})});
  check_close(out[0], Tensor::matrix({{2, 5, 2}}));
  check_close(out[1], Tensor::matrix({{2, 5, 2}}));
  check_close(out[2], Tensor::matrix({{1, 25, 9}}));
  check_close(out[3], Tensor::matrix({{0.5f, 2.5f, -1.5f}}));
}

BOOST_AUTO_TEST_CASE(nn_activations_with_their_arguments) {
  const std::string s = "[null, 3]";
  const std::string text =
      model({input("x", s), nn("Softmax", "softmax", "[" + ref("x", s) + "]", R"("axis": -1)"),
             nn("LeakyRelu", "leaky_relu", "[" + ref("x", s) + "]", R"("negative_slope": 0.1)"),
             nn("Elu", "elu", "[" + ref("x", s) + "]", R"("alpha": 2.0)"), nn("Relu", "relu", "[" + ref("x", s) + "]"),
             nn("Gelu", "gelu", "[" + ref("x", s) + "]", R"("approximate": true)")},
            R"([["x", 0, 0]])",
            R"([["softmax", 0, 0], ["leaky_relu", 0, 0], ["elu", 0, 0], ["relu", 0, 0], ["gelu", 0, 0]])");
  const float ln2 = std::log(2.0f), ln3 = std::log(3.0f);
  auto out = run(text, {Tensor::matrix({{0, ln2, ln3}, {-1, 0, 2}})});
  check_close(out[0].slice_rows(0, 1), Tensor::matrix({{1.0f / 6, 2.0f / 6, 3.0f / 6}}));
  check_close(out[1].slice_rows(1, 2), Tensor::matrix({{-0.1f, 0, 2}}));
  check_close(out[2].slice_rows(1, 2), Tensor::matrix({{2 * (std::exp(-1.0f) - 1), 0, 2}}));
  check_close(out[3].slice_rows(1, 2), Tensor::matrix({{0, 0, 2}}));
  // The tanh form: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
  auto gelu = [](float x) { return 0.5f * x * (1.0f + std::tanh(0.7978845608f * (x + 0.044715f * x * x * x))); };
  check_close(out[4].slice_rows(1, 2), Tensor::matrix({{gelu(-1.0f), 0, gelu(2.0f)}}));
}

BOOST_AUTO_TEST_CASE(default_arguments_are_written_as_keras_writes_them) {
  // A config without `keepdims` reads Keras's default and writes it back.
  const std::string text =
      model({input("x", "[null, 4]"), np("Sum", "sum", "[" + ref("x", "[null, 4]") + "]", R"("axis": 1)")},
            R"([["x", 0, 0]])", R"(["sum", 0, 0])");
  ModelPtr m = model_from_json(text);
  const auto back = json::parse(m->to_json());
  const auto& cfg = back.at("config").at("layers").as_array()[1].at("config").as_object();
  BOOST_CHECK(cfg.at("keepdims") == boost::json::value(false));
  BOOST_CHECK_EQUAL(cfg.begin()->key(), "name");
  BOOST_CHECK_EQUAL(m->predict({Tensor::matrix({{1, 2, 3, 4}})})[0].item(), 10.0f);
}

BOOST_AUTO_TEST_CASE(ops_kplug_lacks_are_clear_errors) {
  const std::string s = "[null, 4]";
  auto load = [&](const std::string& layer) {
    model_from_json(model({input("x", s), layer}, R"([["x", 0, 0]])", R"(["o", 0, 0])"));
  };
  // An Operation class with no kplug node: its name and module.
  const std::string unknown =
      error_of<Error>([&] { load(np("Einsum", "o", "[" + ref("x", s) + "]", R"("subscripts": "ij->j")")); });
  BOOST_CHECK_MESSAGE(contains(unknown, "Einsum") && contains(unknown, "keras.src.ops.numpy"), unknown);
  // An argument form it does not take: the op and the argument.
  const std::string axis =
      error_of<NotSupportedError>([&] { load(nn("Softmax", "o", "[" + ref("x", s) + "]", R"("axis": [0, 1])")); });
  BOOST_CHECK_MESSAGE(contains(axis, "keras.src.ops.nn.Softmax") && contains(axis, "axis"), axis);
  // An unknown config key names itself.
  const std::string key = error_of<Error>([&] { load(np("Sum", "o", "[" + ref("x", s) + "]", R"("axes": 1)")); });
  BOOST_CHECK_MESSAGE(contains(key, "axes"), key);
  // A required __init__ argument missing.
  const std::string missing = error_of<Error>([&] { load(np("Clip", "o", "[" + ref("x", s) + "]", R"("x_min": 0)")); });
  BOOST_CHECK_MESSAGE(contains(missing, "x_max"), missing);
  // The wrong number of positional arguments (plain values are only known to the node: at predict).
  const std::string arity = error_of<NotSupportedError>([&] {
    model_from_json(
        model({input("x", s), np("Add", "o", "[" + ref("x", s) + "]")}, R"([["x", 0, 0]])", R"(["o", 0, 0])"))
        ->predict({Tensor::matrix({{1, 2, 3, 4}})});
  });
  BOOST_CHECK_MESSAGE(contains(arity, "keras.src.ops.numpy.Add") && contains(arity, "expected 2"), arity);
}

BOOST_AUTO_TEST_CASE(get_item_keys_as_keras_writes_them) {
  // x[:, 1:3, 0], x[..., None, 0] and x[-1, ::-2] on a (None, 4, 3) KerasTensor, as Keras 3.16 writes them:
  // a GetItem whose second positional argument is the key.
  const std::string s = "[null, 4, 3]";
  const std::string all = R"({"class_name": "__slice__", "config": {"start": null, "stop": null, "step": null}})";
  const std::string text = model(
      {input("x", s),
       np("GetItem", "get_item",
          "[" + ref("x", s) + ", [" + all +
              R"(, {"class_name": "__slice__", "config": {"start": 1, "stop": 3, "step": null}}, 0]])"),
       np("GetItem", "get_item_1", "[" + ref("x", s) + R"(, [{"class_name": "__ellipsis__", "config": {}}, null, 0]])"),
       np("GetItem", "get_item_2",
          "[" + ref("x", s) +
              R"(, [-1, {"class_name": "__slice__", "config": {"start": null, "stop": null, "step": -2}}]])")},
      R"([["x", 0, 0]])", R"([["get_item", 0, 0], ["get_item_1", 0, 0], ["get_item_2", 0, 0]])");
  ModelPtr m = model_from_json(text);
  BOOST_CHECK_EQUAL(m->output_shapes().at(0).to_string(), "(None, 2)");
  BOOST_CHECK_EQUAL(m->output_shapes().at(1).to_string(), "(None, 4, 1)");
  BOOST_CHECK_EQUAL(m->output_shapes().at(2).to_string(), "(2, 3)");
  std::vector<float> values(2 * 4 * 3);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  auto out = run(text, {Tensor({2, 4, 3}, values)});
  check_close(out[0], Tensor::matrix({{3, 6}, {15, 18}}));
  check_close(out[1], Tensor({2, 4, 1}, std::vector<float>{0, 3, 6, 9, 12, 15, 18, 21}));
  check_close(out[2], Tensor::matrix({{21, 22, 23}, {15, 16, 17}}));
  // An index kplug cannot take (a tensor: advanced indexing) names the op and the index.
  const std::string tensor_key = error_of<NotSupportedError>([&] {
    model_from_json(model({input("x", s), np("GetItem", "o", "[" + ref("x", s) + ", [" + ref("x", s) + "]]")},
                          R"([["x", 0, 0]])", R"(["o", 0, 0])"));
  });
  BOOST_CHECK_MESSAGE(contains(tensor_key, "keras.src.ops.numpy.GetItem") && contains(tensor_key, "__keras_tensor__"),
                      tensor_key);
}
