// Registers the Keras Operation classes kplug runs as Functional graph nodes, each under
// the internal module Keras writes in configs (`keras.src.ops.numpy`, `.nn`, `.core`).
#include "layers/ops_nodes/register_op_nodes.hpp"

#include "builtins/catalog.hpp"
#include "layers/ops_nodes/get_item.hpp"
#include "layers/ops_nodes/op_node.hpp"

namespace kplug::detail {

namespace {

using layers::op_nodes::ClassName;
using layers::op_nodes::Op;

constexpr std::string_view kNumpy = "keras.src.ops.numpy";

// Each class name written once: it names the Op type and its catalogue entry.
template <ClassName... Names>
void add_ops(CatalogBuilder& builder, std::string_view module) {
  (builder.add_class<Op<Names>>(module, {Names.view()}), ...);
}

}  // namespace

void add_op_nodes(CatalogBuilder& builder) {
  // Element-wise arithmetic and functions.
  add_ops<"Add", "Subtract", "Multiply", "Divide", "TrueDivide", "Power", "Maximum", "Minimum", "FloorDivide", "Mod",
          "Negative", "Absolute", "Abs", "Square", "Sign", "Sqrt", "Exp", "Expm1", "Log", "Log1p", "Reciprocal", "Tanh",
          "Sin", "Cos", "Floor", "Ceil", "Round", "Clip">(builder, kNumpy);
  // Comparisons and logic.
  add_ops<"Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual", "LogicalAnd", "LogicalOr", "LogicalXor",
          "LogicalNot", "Where">(builder, kNumpy);
  // Reductions and cumulative ops.
  add_ops<"Sum", "Mean", "Prod", "Max", "Min", "Any", "All", "Var", "Std", "Argmax", "Argmin", "Cumsum", "Cumprod">(
      builder, kNumpy);
  // Shape and layout, and Matmul.
  add_ops<"Reshape", "Transpose", "ExpandDims", "Squeeze", "Moveaxis", "Swapaxes", "Concatenate", "Stack", "Repeat",
          "Flip", "OnesLike", "ZerosLike", "Matmul">(builder, kNumpy);
  builder.add_class<layers::op_nodes::GetItem>(kNumpy, {"GetItem"});
  add_ops<"Cast">(builder, "keras.src.ops.core");
  add_ops<"Relu", "Relu6", "Sigmoid", "SparseSigmoid", "Softplus", "Softsign", "SparsePlus", "Silu", "LogSigmoid",
          "HardSigmoid", "HardSilu", "Selu", "TanhShrink", "HardTanh", "SoftShrink", "HardShrink", "Squareplus",
          "LeakyRelu", "Elu", "Celu", "Gelu", "Threshold", "Glu", "Softmax", "LogSoftmax", "Sparsemax", "OneHot">(
      builder, "keras.src.ops.nn");
}

}  // namespace kplug::detail
