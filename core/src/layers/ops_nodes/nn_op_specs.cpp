// keras.src.ops.nn activations (and one_hot) as graph nodes, through kplug::activations.
#include "kplug/activations.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/indexing.hpp"
#include "layers/ops_nodes/op_node.hpp"

namespace kplug::layers::op_nodes {
namespace {

constexpr const char* kNn = "keras.src.ops.nn";
using Operands = std::vector<Tensor>;

Tensor f32(const Tensor& t) { return t.dtype() == DType::float32 ? t : ops::cast(t, DType::float32); }
OpParam param(std::string key, boost::json::value default_value) { return {std::move(key), std::move(default_value)}; }
OpParam required(std::string key) { return {std::move(key), nullptr, true}; }

OpSpec activation(std::string name, Tensor (*f)(const Tensor&)) {
  return {kNn, std::move(name), {}, 1, [f](const OpNode&, const Operands& in) { return f(f32(in[0])); }};
}

using WithNode = Tensor (*)(const OpNode&, const Tensor&);
OpSpec activation(std::string name, std::vector<OpParam> params, WithNode f) {
  return {kNn, std::move(name), std::move(params), 1,
          [f](const OpNode& node, const Operands& in) { return f(node, f32(in[0])); }};
}

// Softmax-like ops take an int axis (Keras also accepts a tuple for softmax).
std::int64_t single_axis(const OpNode& node) {
  const auto axes = node.axes_argument("axis");
  if (!axes || axes->size() != 1) {
    node.unsupported("axis=" + json::excerpt(node.argument("axis")) + " is not supported (one integer axis only)");
  }
  return axes->front();
}

}  // namespace

const std::vector<OpSpec>& nn_op_specs() {
  namespace act = kplug::activations;
  static const std::vector<OpSpec> specs = [] {
    std::vector<OpSpec> s;
    s.push_back(activation("Relu", [](const Tensor& x) { return act::relu(x); }));
    s.push_back(activation("Relu6", act::relu6));
    s.push_back(activation("Sigmoid", act::sigmoid));
    s.push_back(activation("SparseSigmoid", act::sparse_sigmoid));
    s.push_back(activation("Softplus", act::softplus));
    s.push_back(activation("Softsign", act::softsign));
    s.push_back(activation("SparsePlus", act::sparse_plus));
    s.push_back(activation("Silu", act::silu));
    s.push_back(activation("LogSigmoid", act::log_sigmoid));
    s.push_back(activation("HardSigmoid", act::hard_sigmoid));
    s.push_back(activation("HardSilu", act::hard_silu));
    s.push_back(activation("Selu", act::selu));
    s.push_back(activation("TanhShrink", act::tanh_shrink));
    s.push_back(activation("HardTanh", act::hard_tanh));
    s.push_back(activation("SoftShrink", {param("threshold", 0.5)}, [](const OpNode& n, const Tensor& x) {
      return act::soft_shrink(x, n.float_argument("threshold"));
    }));
    s.push_back(activation("HardShrink", {param("threshold", 0.5)}, [](const OpNode& n, const Tensor& x) {
      return act::hard_shrink(x, n.float_argument("threshold"));
    }));
    s.push_back(activation("Squareplus", {param("b", 4)},
                           [](const OpNode& n, const Tensor& x) { return act::squareplus(x, n.float_argument("b")); }));
    s.push_back(activation("LeakyRelu", {param("negative_slope", 0.2)}, [](const OpNode& n, const Tensor& x) {
      return act::leaky_relu(x, n.float_argument("negative_slope"));
    }));
    s.push_back(activation("Elu", {param("alpha", 1.0)},
                           [](const OpNode& n, const Tensor& x) { return act::elu(x, n.float_argument("alpha")); }));
    s.push_back(activation("Celu", {param("alpha", 1.0)},
                           [](const OpNode& n, const Tensor& x) { return act::celu(x, n.float_argument("alpha")); }));
    // keras.ops.gelu defaults to the tanh approximation (the activation does not).
    s.push_back(activation("Gelu", {param("approximate", true)}, [](const OpNode& n, const Tensor& x) {
      return act::gelu(x, n.bool_argument("approximate"));
    }));
    s.push_back(activation("Threshold", {required("threshold"), required("default_value")},
                           [](const OpNode& n, const Tensor& x) {
                             return act::threshold(x, n.float_argument("threshold"), n.float_argument("default_value"));
                           }));
    s.push_back(activation("Glu", {param("axis", -1)},
                           [](const OpNode& n, const Tensor& x) { return act::glu(x, n.int_argument("axis")); }));
    s.push_back(activation("Softmax", {param("axis", -1)},
                           [](const OpNode& n, const Tensor& x) { return act::softmax(x, single_axis(n)); }));
    s.push_back(activation("LogSoftmax", {param("axis", -1)},
                           [](const OpNode& n, const Tensor& x) { return act::log_softmax(x, single_axis(n)); }));
    s.push_back(activation("Sparsemax", {param("axis", -1)},
                           [](const OpNode& n, const Tensor& x) { return act::sparsemax(x, single_axis(n)); }));
    s.push_back({kNn,
                 "OneHot",
                 {required("num_classes"), param("axis", -1), param("dtype", nullptr), param("sparse", false)},
                 1,
                 [](const OpNode& n, const Operands& in) {
                   if (n.bool_argument("sparse")) n.unsupported("sparse=True is not supported (dense outputs only)");
                   if (n.int_argument("axis") != -1) n.unsupported("axis other than -1 is not supported");
                   const Tensor r = ops::one_hot(in[0], n.int_argument("num_classes"), n.where());
                   const DType dtype = n.dtype_argument("dtype").value_or(DType::float32);
                   return dtype == DType::float32 ? r : ops::cast(r, dtype);
                 }});
    return s;
  }();
  return specs;
}

}  // namespace kplug::layers::op_nodes
