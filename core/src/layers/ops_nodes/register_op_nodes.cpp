// Registers the Keras Operation classes kplug runs as Functional graph nodes, each under
// the internal module Keras writes in configs (`keras.src.ops.numpy`, `.nn`, `.core`).
#include "layers/ops_nodes/register_op_nodes.hpp"

#include "builtins/catalog.hpp"
#include "layers/ops_nodes/op_node.hpp"

namespace kplug::detail {

void add_op_nodes(CatalogBuilder& builder) {
  using kplug::layers::op_nodes::Op;
  constexpr std::string_view numpy = "keras.src.ops.numpy";
  constexpr std::string_view nn = "keras.src.ops.nn";
  builder.add_class<Op<"Add">>(numpy, {"Add"});
  builder.add_class<Op<"Subtract">>(numpy, {"Subtract"});
  builder.add_class<Op<"Multiply">>(numpy, {"Multiply"});
  builder.add_class<Op<"Divide">>(numpy, {"Divide"});
  builder.add_class<Op<"TrueDivide">>(numpy, {"TrueDivide"});
  builder.add_class<Op<"Power">>(numpy, {"Power"});
  builder.add_class<Op<"Maximum">>(numpy, {"Maximum"});
  builder.add_class<Op<"Minimum">>(numpy, {"Minimum"});
  builder.add_class<Op<"FloorDivide">>(numpy, {"FloorDivide"});
  builder.add_class<Op<"Mod">>(numpy, {"Mod"});
  builder.add_class<Op<"Negative">>(numpy, {"Negative"});
  builder.add_class<Op<"Absolute">>(numpy, {"Absolute"});
  builder.add_class<Op<"Abs">>(numpy, {"Abs"});
  builder.add_class<Op<"Square">>(numpy, {"Square"});
  builder.add_class<Op<"Sign">>(numpy, {"Sign"});
  builder.add_class<Op<"Sqrt">>(numpy, {"Sqrt"});
  builder.add_class<Op<"Exp">>(numpy, {"Exp"});
  builder.add_class<Op<"Expm1">>(numpy, {"Expm1"});
  builder.add_class<Op<"Log">>(numpy, {"Log"});
  builder.add_class<Op<"Log1p">>(numpy, {"Log1p"});
  builder.add_class<Op<"Reciprocal">>(numpy, {"Reciprocal"});
  builder.add_class<Op<"Tanh">>(numpy, {"Tanh"});
  builder.add_class<Op<"Sin">>(numpy, {"Sin"});
  builder.add_class<Op<"Cos">>(numpy, {"Cos"});
  builder.add_class<Op<"Floor">>(numpy, {"Floor"});
  builder.add_class<Op<"Ceil">>(numpy, {"Ceil"});
  builder.add_class<Op<"Round">>(numpy, {"Round"});
  builder.add_class<Op<"Clip">>(numpy, {"Clip"});
  builder.add_class<Op<"Equal">>(numpy, {"Equal"});
  builder.add_class<Op<"NotEqual">>(numpy, {"NotEqual"});
  builder.add_class<Op<"Greater">>(numpy, {"Greater"});
  builder.add_class<Op<"GreaterEqual">>(numpy, {"GreaterEqual"});
  builder.add_class<Op<"Less">>(numpy, {"Less"});
  builder.add_class<Op<"LessEqual">>(numpy, {"LessEqual"});
  builder.add_class<Op<"LogicalAnd">>(numpy, {"LogicalAnd"});
  builder.add_class<Op<"LogicalOr">>(numpy, {"LogicalOr"});
  builder.add_class<Op<"LogicalXor">>(numpy, {"LogicalXor"});
  builder.add_class<Op<"LogicalNot">>(numpy, {"LogicalNot"});
  builder.add_class<Op<"Where">>(numpy, {"Where"});
  builder.add_class<Op<"Sum">>(numpy, {"Sum"});
  builder.add_class<Op<"Mean">>(numpy, {"Mean"});
  builder.add_class<Op<"Prod">>(numpy, {"Prod"});
  builder.add_class<Op<"Max">>(numpy, {"Max"});
  builder.add_class<Op<"Min">>(numpy, {"Min"});
  builder.add_class<Op<"Any">>(numpy, {"Any"});
  builder.add_class<Op<"All">>(numpy, {"All"});
  builder.add_class<Op<"Var">>(numpy, {"Var"});
  builder.add_class<Op<"Std">>(numpy, {"Std"});
  builder.add_class<Op<"Argmax">>(numpy, {"Argmax"});
  builder.add_class<Op<"Argmin">>(numpy, {"Argmin"});
  builder.add_class<Op<"Cumsum">>(numpy, {"Cumsum"});
  builder.add_class<Op<"Cumprod">>(numpy, {"Cumprod"});
  builder.add_class<Op<"Reshape">>(numpy, {"Reshape"});
  builder.add_class<Op<"Transpose">>(numpy, {"Transpose"});
  builder.add_class<Op<"ExpandDims">>(numpy, {"ExpandDims"});
  builder.add_class<Op<"Squeeze">>(numpy, {"Squeeze"});
  builder.add_class<Op<"Moveaxis">>(numpy, {"Moveaxis"});
  builder.add_class<Op<"Swapaxes">>(numpy, {"Swapaxes"});
  builder.add_class<Op<"Concatenate">>(numpy, {"Concatenate"});
  builder.add_class<Op<"Stack">>(numpy, {"Stack"});
  builder.add_class<Op<"Repeat">>(numpy, {"Repeat"});
  builder.add_class<Op<"Flip">>(numpy, {"Flip"});
  builder.add_class<Op<"OnesLike">>(numpy, {"OnesLike"});
  builder.add_class<Op<"ZerosLike">>(numpy, {"ZerosLike"});
  builder.add_class<Op<"Matmul">>(numpy, {"Matmul"});
  builder.add_class<Op<"Cast">>("keras.src.ops.core", {"Cast"});
  builder.add_class<Op<"Relu">>(nn, {"Relu"});
  builder.add_class<Op<"Relu6">>(nn, {"Relu6"});
  builder.add_class<Op<"Sigmoid">>(nn, {"Sigmoid"});
  builder.add_class<Op<"SparseSigmoid">>(nn, {"SparseSigmoid"});
  builder.add_class<Op<"Softplus">>(nn, {"Softplus"});
  builder.add_class<Op<"Softsign">>(nn, {"Softsign"});
  builder.add_class<Op<"SparsePlus">>(nn, {"SparsePlus"});
  builder.add_class<Op<"Silu">>(nn, {"Silu"});
  builder.add_class<Op<"LogSigmoid">>(nn, {"LogSigmoid"});
  builder.add_class<Op<"HardSigmoid">>(nn, {"HardSigmoid"});
  builder.add_class<Op<"HardSilu">>(nn, {"HardSilu"});
  builder.add_class<Op<"Selu">>(nn, {"Selu"});
  builder.add_class<Op<"TanhShrink">>(nn, {"TanhShrink"});
  builder.add_class<Op<"HardTanh">>(nn, {"HardTanh"});
  builder.add_class<Op<"SoftShrink">>(nn, {"SoftShrink"});
  builder.add_class<Op<"HardShrink">>(nn, {"HardShrink"});
  builder.add_class<Op<"Squareplus">>(nn, {"Squareplus"});
  builder.add_class<Op<"LeakyRelu">>(nn, {"LeakyRelu"});
  builder.add_class<Op<"Elu">>(nn, {"Elu"});
  builder.add_class<Op<"Celu">>(nn, {"Celu"});
  builder.add_class<Op<"Gelu">>(nn, {"Gelu"});
  builder.add_class<Op<"Threshold">>(nn, {"Threshold"});
  builder.add_class<Op<"Glu">>(nn, {"Glu"});
  builder.add_class<Op<"Softmax">>(nn, {"Softmax"});
  builder.add_class<Op<"LogSoftmax">>(nn, {"LogSoftmax"});
  builder.add_class<Op<"Sparsemax">>(nn, {"Sparsemax"});
  builder.add_class<Op<"OneHot">>(nn, {"OneHot"});
}

}  // namespace kplug::detail
