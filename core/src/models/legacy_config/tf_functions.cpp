// TF signatures from the TensorFlow 2.x API (the argument names tf.keras wrote into a
// TFOpLambda node); each maps to the Keras 3 op computing the same for these arguments.
#include "models/legacy_config/tf_functions.hpp"

#include <algorithm>

namespace kplug::legacy::detail {
namespace {

using Role = TfParam::Role;

TfParam operand(std::string name) { return {std::move(name), Role::operand, {}, nullptr, false, false}; }
TfParam option(std::string name, std::string keras_key, boost::json::value tf_default = nullptr) {
  return {std::move(name), Role::option, std::move(keras_key), std::move(tf_default), false, false};
}
TfParam required(std::string name, std::string keras_key) {
  return {std::move(name), Role::option, std::move(keras_key), nullptr, true, false};
}
TfParam with_role(std::string name, Role role) { return {std::move(name), role, {}, nullptr, false, false}; }
TfParam fixed(std::string name, boost::json::value value) {
  return {std::move(name), Role::fixed, {}, std::move(value), false, false};
}

// Every TF function takes `name` last; tf.keras drops it before calling.
TfFunction function(std::vector<std::string> names, std::string op, std::vector<TfParam> params) {
  params.push_back({"name", Role::dropped, {}, nullptr, false, false});
  return {std::move(names), std::move(op), std::move(params)};
}

void add_elementwise(std::vector<TfFunction>& f) {
  const std::pair<std::vector<std::string>, std::string> binary[] = {
      {{"math.add", "__operators__.add"}, "Add"},
      {{"math.subtract"}, "Subtract"},
      {{"math.multiply"}, "Multiply"},
      {{"math.truediv"}, "TrueDivide"},
      {{"math.divide"}, "Divide"},
      {{"math.pow"}, "Power"},
      {{"math.maximum"}, "Maximum"},
      {{"math.minimum"}, "Minimum"},
      {{"math.floordiv"}, "FloorDivide"},
      {{"math.floormod", "math.mod"}, "Mod"},
      {{"math.equal"}, "Equal"},
      {{"math.not_equal"}, "NotEqual"},
      {{"math.greater"}, "Greater"},
      {{"math.greater_equal"}, "GreaterEqual"},
      {{"math.less"}, "Less"},
      {{"math.less_equal"}, "LessEqual"},
      {{"math.logical_and"}, "LogicalAnd"},
      {{"math.logical_or"}, "LogicalOr"},
      {{"math.logical_xor"}, "LogicalXor"},
  };
  for (const auto& [names, op] : binary) f.push_back(function(names, op, {operand("x"), operand("y")}));
  // `==` and `!=` on tensors: element-wise.
  f.push_back(function({"__operators__.eq"}, "Equal", {operand("self"), operand("other")}));
  f.push_back(function({"__operators__.ne"}, "NotEqual", {operand("self"), operand("other")}));
  const std::pair<std::vector<std::string>, std::string> unary[] = {
      {{"math.negative"}, "Negative"},
      {{"math.abs"}, "Absolute"},
      {{"math.exp"}, "Exp"},
      {{"math.log"}, "Log"},
      {{"math.sqrt"}, "Sqrt"},
      {{"math.square"}, "Square"},
      {{"math.tanh", "nn.tanh"}, "Tanh"},
      {{"math.reciprocal"}, "Reciprocal"},
      {{"math.sign"}, "Sign"},
      {{"math.floor"}, "Floor"},
      {{"math.ceil"}, "Ceil"},
      {{"math.round"}, "Round"},
      {{"math.log1p"}, "Log1p"},
      {{"math.expm1"}, "Expm1"},
      {{"math.sin"}, "Sin"},
      {{"math.cos"}, "Cos"},
      {{"math.logical_not"}, "LogicalNot"},
  };
  for (const auto& [names, op] : unary) f.push_back(function(names, op, {operand("x")}));
  f.push_back(function({"clip_by_value"}, "Clip",
                       {operand("t"), required("clip_value_min", "x_min"), required("clip_value_max", "x_max")}));
}

void add_activations(std::vector<TfFunction>& f) {
  f.push_back(function({"math.sigmoid", "nn.sigmoid"}, "Sigmoid", {operand("x")}));
  const std::pair<std::vector<std::string>, std::string> plain[] = {
      {{"nn.relu"}, "Relu"},         {{"nn.relu6"}, "Relu6"}, {{"math.softplus", "nn.softplus"}, "Softplus"},
      {{"nn.softsign"}, "Softsign"}, {{"nn.elu"}, "Elu"},     {{"nn.selu"}, "Selu"},
  };
  for (const auto& [names, op] : plain) f.push_back(function(names, op, {operand("features")}));
  f.push_back(function({"nn.silu", "nn.swish"}, "Silu", {operand("features"), fixed("beta", 1.0)}));
  // TF's default is the exact gelu; keras.ops.gelu's is the tanh approximation.
  f.push_back(function({"nn.gelu"}, "Gelu", {operand("features"), option("approximate", "approximate", false)}));
  f.push_back(function({"nn.leaky_relu"}, "LeakyRelu", {operand("features"), option("alpha", "negative_slope", 0.2)}));
  for (const auto& [names, op] :
       {std::pair<std::vector<std::string>, std::string>{{"nn.softmax", "math.softmax"}, "Softmax"},
        {{"nn.log_softmax", "math.log_softmax"}, "LogSoftmax"}}) {
    TfParam axis = option("axis", "axis", -1);
    axis.null_is_default = true;  // axis=None: the last axis
    f.push_back(function(names, op, {operand("logits"), axis}));
  }
}

void add_reductions(std::vector<TfFunction>& f) {
  const std::pair<std::string, std::string> reductions[] = {
      {"reduce_mean", "Mean"}, {"reduce_sum", "Sum"},   {"reduce_max", "Max"},
      {"reduce_min", "Min"},   {"reduce_prod", "Prod"}, {"reduce_any", "Any"},
      {"reduce_all", "All"},   {"reduce_std", "Std"},   {"reduce_variance", "Var"},
  };
  TfParam keepdims = option("keepdims", "keepdims", false);
  keepdims.null_is_default = true;  // compat.v1's default is None
  for (const auto& [tf_name, op] : reductions) {
    f.push_back(function({"math." + tf_name}, op, {operand("input_tensor"), option("axis", "axis"), keepdims}));
    // TF 1.x's signature: the deprecated reduction_indices / keep_dims only when unused.
    f.push_back(function({"compat.v1." + tf_name, "compat.v1.math." + tf_name}, op,
                         {operand("input_tensor"), option("axis", "axis"), keepdims,
                          fixed("reduction_indices", nullptr), fixed("keep_dims", nullptr)}));
  }
  f.push_back(function({"math.cumsum"}, "Cumsum",
                       {operand("x"), option("axis", "axis", 0), fixed("exclusive", false), fixed("reverse", false)}));
}

void add_shape_ops(std::vector<TfFunction>& f) {
  f.push_back(function({"reshape"}, "Reshape", {operand("tensor"), required("shape", "newshape")}));
  f.push_back(function({"transpose"}, "Transpose", {operand("a"), option("perm", "axes"), fixed("conjugate", false)}));
  f.push_back(function({"compat.v1.transpose"}, "Transpose",
                       {operand("a"), option("perm", "axes"), fixed("conjugate", false)}));
  f.push_back(function({"concat"}, "Concatenate", {with_role("values", Role::operand_list), required("axis", "axis")}));
  f.push_back(function({"stack"}, "Stack", {with_role("values", Role::operand_list), option("axis", "axis", 0)}));
  f.push_back(function({"expand_dims"}, "ExpandDims", {operand("input"), required("axis", "axis")}));
  f.push_back(function({"compat.v1.expand_dims"}, "ExpandDims",
                       {operand("input"), required("axis", "axis"), fixed("dim", nullptr)}));
  f.push_back(function({"squeeze"}, "Squeeze", {operand("input"), option("axis", "axis")}));
  f.push_back(function({"compat.v1.squeeze"}, "Squeeze",
                       {operand("input"), option("axis", "axis"), fixed("squeeze_dims", nullptr)}));
  f.push_back(function({"linalg.matmul", "matmul"}, "Matmul",
                       {operand("a"), operand("b"), fixed("transpose_a", false), fixed("transpose_b", false),
                        fixed("adjoint_a", false), fixed("adjoint_b", false), fixed("a_is_sparse", false),
                        fixed("b_is_sparse", false), fixed("output_type", nullptr)}));
  f.push_back(function({"cast", "dtypes.cast"}, "Cast", {operand("x"), required("dtype", "dtype")}));
  f.push_back(function({"ones_like"}, "OnesLike", {operand("input"), option("dtype", "dtype")}));
  f.push_back(function({"zeros_like"}, "ZerosLike", {operand("input"), option("dtype", "dtype")}));
  TfFunction getitem{{"__operators__.getitem"},
                     "GetItem",
                     {operand("tensor"), with_role("slice_spec", Role::index_key), fixed("var", nullptr)}};
  f.push_back(std::move(getitem));  // tf.keras calls it without `name`
}

const std::vector<TfFunction>& tf_functions() {
  static const std::vector<TfFunction> functions = [] {
    std::vector<TfFunction> f;
    add_elementwise(f);
    add_activations(f);
    add_reductions(f);
    add_shape_ops(f);
    return f;
  }();
  return functions;
}

}  // namespace

const TfFunction* find_tf_function(std::string_view name) {
  for (const auto& f : tf_functions()) {
    if (std::find(f.names.begin(), f.names.end(), name) != f.names.end()) return &f;
  }
  return nullptr;
}

std::vector<std::string> tf_function_names() {
  std::vector<std::string> names;
  for (const auto& f : tf_functions()) names.insert(names.end(), f.names.begin(), f.names.end());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace kplug::legacy::detail
