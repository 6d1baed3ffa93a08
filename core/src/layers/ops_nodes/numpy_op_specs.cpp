// keras.src.ops.numpy (and keras.src.ops.core Cast) Operation classes as graph nodes.
// Results follow Keras's dtypes where kplug can: comparisons and logical ops give bool,
// integer operands keep an integer result through the arithmetic that keeps it in numpy.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/compare.hpp"
#include "kplug/ops/cumulative.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/image.hpp"
#include "kplug/ops/indexing.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/ops/nn.hpp"
#include "kplug/ops/normalization.hpp"
#include "kplug/ops/reduce.hpp"
#include "kplug/ops/shape.hpp"
#include "layers/ops_nodes/op_node.hpp"

#include <cmath>

namespace kplug::layers::op_nodes {
namespace {

constexpr const char* kNumpy = "keras.src.ops.numpy";
using Operands = std::vector<Tensor>;
// Plain function pointers: an ops:: function's name picks its overload (ops::add has an
// out-parameter one), so the tables below name it instead of wrapping it in a lambda.
using Unary = Tensor (*)(const Tensor&);
using Binary = Tensor (*)(const Tensor&, const Tensor&);

Tensor f32(const Tensor& t) { return t.dtype() == DType::float32 ? t : ops::cast(t, DType::float32); }
bool integral(const Tensor& t) { return is_integer(t.dtype()) || t.dtype() == DType::bool_; }

// The integer dtype a numpy op keeps when every operand is an integer (or bool), else none.
std::optional<DType> integer_result(const Operands& in) {
  std::optional<DType> dtype;
  for (const auto& t : in) {
    if (!integral(t)) return std::nullopt;
    if (is_integer(t.dtype()) && (!dtype || t.rank() > 0)) dtype = t.dtype();
  }
  return dtype.value_or(DType::int32);
}
Tensor keep_integer(const Tensor& result, const Operands& in) {
  const auto dtype = integer_result(in);
  return dtype ? ops::cast(result, *dtype) : result;
}

OpParam param(std::string key, boost::json::value default_value) { return {std::move(key), std::move(default_value)}; }
OpParam required(std::string key) { return {std::move(key), nullptr, true}; }

OpSpec unary(std::string name, Unary f, bool keeps_integer) {
  return {kNumpy, std::move(name), {}, 1, [f, keeps_integer](const OpNode&, const Operands& in) {
            const Tensor r = f(f32(in[0]));
            return keeps_integer ? keep_integer(r, in) : r;
          }};
}

OpSpec binary(std::string name, Binary f, bool keeps_integer) {
  return {kNumpy, std::move(name), {}, 2, [f, keeps_integer](const OpNode&, const Operands& in) {
            const Tensor r = f(f32(in[0]), f32(in[1]));
            return keeps_integer ? keep_integer(r, in) : r;
          }};
}

OpSpec comparison(std::string name, ops::CompareOp op) {
  return {kNumpy, std::move(name), {}, 2, [op](const OpNode&, const Operands& in) {
            return ops::compare(in[0], in[1], op);
          }};
}

OpSpec logical(std::string name, ops::LogicalOp op) {
  return {kNumpy, std::move(name), {}, 2, [op](const OpNode&, const Operands& in) {
            return ops::logical(in[0], in[1], op);
          }};
}

ops::Axes axes_of(const std::optional<std::vector<std::int64_t>>& axes) {
  return axes ? ops::Axes(*axes) : ops::Axes{};
}

// numpy reduces nothing over an empty axis tuple; kplug's Axes{} means every axis.
bool reduces_nothing(const std::optional<std::vector<std::int64_t>>& axes) { return axes && axes->empty(); }

using Reduce = Tensor (*)(const Tensor&, const ops::Axes&, bool);
OpSpec reduction(std::string name, std::vector<OpParam> params, Reduce f, bool keeps_integer, bool boolean = false) {
  return {kNumpy, std::move(name), std::move(params), 1,
          [f, keeps_integer, boolean](const OpNode& node, const Operands& in) {
            const auto axes = node.axes_argument("axis");
            const bool keepdims = node.bool_argument("keepdims");
            if (reduces_nothing(axes)) return boolean ? ops::cast(in[0], DType::bool_) : in[0];
            if (boolean) return f(in[0], axes_of(axes), keepdims);
            const Tensor r = f(f32(in[0]), axes_of(axes), keepdims);
            return keeps_integer ? keep_integer(r, in) : r;
          }};
}

// Max/Min: `initial` joins the reduction (numpy's initial=).
OpSpec extremum(std::string name, Reduce f, Binary combine) {
  return {kNumpy,
          std::move(name),
          {param("axis", nullptr), param("keepdims", false), param("initial", nullptr)},
          1,
          [f, combine](const OpNode& node, const Operands& in) {
            const auto axes = node.axes_argument("axis");
            const bool keepdims = node.bool_argument("keepdims");
            Tensor r = reduces_nothing(axes) ? f32(in[0]) : f(f32(in[0]), axes_of(axes), keepdims);
            if (!node.argument("initial").is_null()) r = combine(r, Tensor::scalar(node.float_argument("initial")));
            return keep_integer(r, in);
          }};
}

// Cumsum/Cumprod: `dtype` or the input's (bool counts as int32).
using Cumulative = Tensor (*)(const Tensor&, std::optional<std::int64_t>);
OpSpec cumulative(std::string name, Cumulative f) {
  return {kNumpy,
          std::move(name),
          {param("axis", nullptr), param("dtype", nullptr)},
          1,
          [f](const OpNode& node, const Operands& in) {
            const Tensor r = f(f32(in[0]), node.optional_int_argument("axis"));
            DType dtype = in[0].dtype() == DType::bool_ ? DType::int32 : in[0].dtype();
            if (auto d = node.dtype_argument("dtype")) dtype = *d;
            return dtype == DType::float32 ? r : ops::cast(r, dtype);
          }};
}

// Axes of an expand_dims / squeeze normalised for `rank`, sorted.
std::vector<std::int64_t> normalized(const OpNode& node, std::vector<std::int64_t> axes, std::int64_t rank) {
  for (auto& a : axes) {
    if (a < -rank || a >= rank) {
      throw ValueError(node.where() + ": axis " + std::to_string(a) + " is out of range for rank " +
                       std::to_string(rank));
    }
    if (a < 0) a += rank;
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

Tensor expand_dims(const OpNode& node, const Tensor& x) {
  const auto axes = node.axes_argument("axis");
  if (!axes) throw ValueError(node.where() + ": `axis` is required");
  const auto out_rank = x.rank() + static_cast<std::int64_t>(axes->size());
  Tensor r = x;
  for (std::int64_t a : normalized(node, *axes, out_rank)) r = r.expand_dims(a);
  return r;
}

Tensor squeeze(const OpNode& node, const Tensor& x) {
  const auto axes = node.axes_argument("axis");
  if (!axes) return x.squeeze();
  auto list = normalized(node, *axes, x.rank());
  Tensor r = x;
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    if (r.dim(*it) != 1) {
      throw ValueError(node.where() + ": cannot select an axis to squeeze out which has size not equal to one (axis " +
                       std::to_string(*it) + " of shape " + shape_repr(x.shape()) + ")");
    }
    r = r.squeeze(*it);
  }
  return r;
}

Tensor reshape(const OpNode& node, const Tensor& x) {
  const auto shape = node.axes_argument("newshape");
  if (!shape) throw ValueError(node.where() + ": `newshape` is required");
  return x.reshape(Shape(shape->begin(), shape->end()));
}

Tensor transpose(const OpNode& node, const Tensor& x) {
  const auto axes = node.axes_argument("axes");
  return axes ? ops::permute(x, *axes) : ops::transpose(x);
}

Tensor filled_like(const OpNode& node, const Tensor& x, float value) {
  const DType dtype = node.dtype_argument("dtype").value_or(x.dtype());
  return ops::cast(Tensor(x.shape(), value), dtype);
}

Tensor round_to(const OpNode& node, const Tensor& x, const Operands& in) {
  const std::int64_t decimals = node.int_argument("decimals");
  if (decimals == 0) return keep_integer(ops::round(f32(x)), in);
  const float scale = std::pow(10.0f, static_cast<float>(decimals));
  return keep_integer(ops::multiply(ops::round(ops::multiply(f32(x), scale)), 1.0f / scale), in);
}

Tensor repeat(const OpNode& node, const Tensor& x) {
  const auto axis = node.optional_int_argument("axis");
  const boost::json::value& repeats = node.argument("repeats");
  if (!repeats.is_int64() && !repeats.is_uint64()) {
    node.unsupported("repeats=" + json::excerpt(repeats) + " is not supported (one integer only)");
  }
  return ops::repeat(axis ? x : x.reshape({x.size()}), node.int_argument("repeats"), axis.value_or(0));
}

Tensor flip(const OpNode& node, const Tensor& x) {
  const auto axes = node.axes_argument("axis");
  Tensor r = x;
  if (!axes) {
    for (std::int64_t a = 0; a < x.rank(); ++a) r = ops::flip(r, a);
  } else {
    for (std::int64_t a : *axes) r = ops::flip(r, a);
  }
  return r;
}

Tensor argextremum(const OpNode& node, const Tensor& x, bool is_max) {
  const auto axis = node.optional_int_argument("axis");
  const bool keepdims = node.bool_argument("keepdims");
  const Tensor flat = axis ? f32(x) : f32(x).reshape({x.size()});
  Tensor r = is_max ? ops::argmax(flat, axis.value_or(0)) : ops::argmin(flat, axis.value_or(0));
  if (keepdims) {
    if (axis) {
      r = r.expand_dims(x.normalize_axis(*axis));
    } else {
      r = r.reshape(Shape(static_cast<std::size_t>(x.rank()), 1));
    }
  }
  return ops::cast(r, DType::int32);
}

Tensor moments_of(const OpNode& node, const Tensor& x, bool standard_deviation) {
  const auto axes = node.axes_argument("axis");
  const bool keepdims = node.bool_argument("keepdims");
  std::vector<std::int64_t> list;
  if (axes) {
    list = *axes;
  } else {
    for (std::int64_t a = 0; a < x.rank(); ++a) list.push_back(a);
  }
  const Tensor variance = ops::moments(f32(x), ops::Axes(list), keepdims).variance;
  return standard_deviation ? ops::sqrt(variance) : variance;
}

// Element-wise arithmetic on two operands.
void add_arithmetic(std::vector<OpSpec>& s) {
  s.push_back(binary("Add", ops::add, true));
  s.push_back(binary("Subtract", ops::subtract, true));
  s.push_back(binary("Multiply", ops::multiply, true));
  s.push_back(binary("Divide", ops::divide, false));
  s.push_back(binary("TrueDivide", ops::divide, false));
  s.push_back(binary("Power", ops::power, true));
  s.push_back(binary("Maximum", ops::maximum, true));
  s.push_back(binary("Minimum", ops::minimum, true));
  s.push_back(binary(
      "FloorDivide", [](const Tensor& a, const Tensor& b) { return ops::floor(ops::divide(a, b)); }, true));
  // numpy's mod: a - floor(a / b) * b (the sign of the divisor).
  s.push_back(binary(
      "Mod",
      [](const Tensor& a, const Tensor& b) {
        return ops::subtract(a, ops::multiply(ops::floor(ops::divide(a, b)), b));
      },
      true));
}

// Element-wise functions of one operand.
void add_unary_math(std::vector<OpSpec>& s) {
  s.push_back(unary("Negative", ops::negative, true));
  s.push_back(unary("Absolute", ops::abs, true));
  s.push_back(unary("Abs", ops::abs, true));
  s.push_back(unary("Square", ops::square, true));
  s.push_back(unary("Sign", ops::sign, true));
  s.push_back(unary("Sqrt", ops::sqrt, false));
  s.push_back(unary("Exp", ops::exp, false));
  s.push_back(unary("Expm1", ops::expm1, false));
  s.push_back(unary("Log", ops::log, false));
  s.push_back(unary("Log1p", ops::log1p, false));
  s.push_back(unary("Reciprocal", ops::reciprocal, false));
  s.push_back(unary("Tanh", ops::tanh, false));
  s.push_back(unary("Sin", ops::sin, false));
  s.push_back(unary("Cos", ops::cos, false));
  s.push_back(unary("Floor", ops::floor, false));
  s.push_back(unary("Ceil", ops::ceil, false));
  s.push_back({kNumpy, "Round", {param("decimals", 0)}, 1, [](const OpNode& node, const Operands& in) {
                 return round_to(node, in[0], in);
               }});
  s.push_back({kNumpy, "Clip", {required("x_min"), required("x_max")}, 1, [](const OpNode& node, const Operands& in) {
                 return keep_integer(ops::clip(f32(in[0]), node.float_argument("x_min"), node.float_argument("x_max")),
                                     in);
               }});
}

// Comparisons and logic: bool results.
void add_comparison_and_logic(std::vector<OpSpec>& s) {
  using ops::CompareOp;
  using ops::LogicalOp;
  s.push_back(comparison("Equal", CompareOp::equal));
  s.push_back(comparison("NotEqual", CompareOp::not_equal));
  s.push_back(comparison("Greater", CompareOp::greater));
  s.push_back(comparison("GreaterEqual", CompareOp::greater_equal));
  s.push_back(comparison("Less", CompareOp::less));
  s.push_back(comparison("LessEqual", CompareOp::less_equal));
  s.push_back(logical("LogicalAnd", LogicalOp::logical_and));
  s.push_back(logical("LogicalOr", LogicalOp::logical_or));
  s.push_back(logical("LogicalXor", LogicalOp::logical_xor));
  s.push_back({kNumpy, "LogicalNot", {}, 1, [](const OpNode&, const Operands& in) { return ops::logical_not(in[0]); }});
  s.push_back({kNumpy, "Where", {}, 3, [](const OpNode&, const Operands& in) {
                 return ops::where(f32(in[0]), f32(in[1]), f32(in[2]));
               }});
}

// Reductions and cumulative ops over axes.
void add_reductions(std::vector<OpSpec>& s) {
  const std::vector<OpParam> axis_keepdims{param("axis", nullptr), param("keepdims", false)};
  s.push_back(reduction("Sum", axis_keepdims, ops::sum, true));
  s.push_back(reduction("Mean", axis_keepdims, ops::mean, false));
  s.push_back(
      reduction("Prod", {param("axis", nullptr), param("keepdims", false), param("dtype", nullptr)}, ops::prod, true));
  s.push_back(extremum("Max", ops::max, ops::maximum));
  s.push_back(extremum("Min", ops::min, ops::minimum));
  s.push_back(reduction("Any", axis_keepdims, ops::any, false, true));
  s.push_back(reduction("All", axis_keepdims, ops::all, false, true));
  s.push_back({kNumpy, "Var", axis_keepdims, 1,
               [](const OpNode& node, const Operands& in) { return moments_of(node, in[0], false); }});
  s.push_back({kNumpy, "Std", axis_keepdims, 1,
               [](const OpNode& node, const Operands& in) { return moments_of(node, in[0], true); }});
  s.push_back({kNumpy, "Argmax", axis_keepdims, 1,
               [](const OpNode& node, const Operands& in) { return argextremum(node, in[0], true); }});
  s.push_back({kNumpy, "Argmin", axis_keepdims, 1,
               [](const OpNode& node, const Operands& in) { return argextremum(node, in[0], false); }});
  // Cumulative.
  s.push_back(cumulative("Cumsum", ops::cumsum));
  s.push_back(cumulative("Cumprod", ops::cumprod));
}

// Shape and layout.
void add_shape_ops(std::vector<OpSpec>& s) {
  s.push_back({kNumpy, "Reshape", {required("newshape")}, 1, [](const OpNode& node, const Operands& in) {
                 return reshape(node, in[0]);
               }});
  s.push_back({kNumpy, "Transpose", {param("axes", nullptr)}, 1, [](const OpNode& node, const Operands& in) {
                 return transpose(node, in[0]);
               }});
  s.push_back({kNumpy, "ExpandDims", {required("axis")}, 1, [](const OpNode& node, const Operands& in) {
                 return expand_dims(node, in[0]);
               }});
  s.push_back({kNumpy, "Squeeze", {param("axis", nullptr)}, 1, [](const OpNode& node, const Operands& in) {
                 return squeeze(node, in[0]);
               }});
  s.push_back({kNumpy,
               "Moveaxis",
               {required("source"), required("destination")},
               1,
               [](const OpNode& node, const Operands& in) {
                 return ops::moveaxis(in[0], node.int_argument("source"), node.int_argument("destination"));
               }});
  s.push_back(
      {kNumpy, "Swapaxes", {required("axis1"), required("axis2")}, 1, [](const OpNode& node, const Operands& in) {
         std::vector<std::int64_t> perm;
         for (std::int64_t a = 0; a < in[0].rank(); ++a) perm.push_back(a);
         std::swap(perm[static_cast<std::size_t>(in[0].normalize_axis(node.int_argument("axis1")))],
                   perm[static_cast<std::size_t>(in[0].normalize_axis(node.int_argument("axis2")))]);
         return ops::permute(in[0], perm);
       }});
  s.push_back({kNumpy, "Concatenate", {param("axis", 0)}, 0, [](const OpNode& node, const Operands& in) {
                 return ops::concatenate(in, node.int_argument("axis"));
               }});
  s.push_back({kNumpy, "Stack", {param("axis", 0)}, 0, [](const OpNode& node, const Operands& in) {
                 return ops::stack(in, node.int_argument("axis"));
               }});
  s.push_back(
      {kNumpy, "Repeat", {required("repeats"), param("axis", nullptr)}, 1, [](const OpNode& node, const Operands& in) {
         return repeat(node, in[0]);
       }});
  s.push_back({kNumpy, "Flip", {param("axis", nullptr)}, 1, [](const OpNode& node, const Operands& in) {
                 return flip(node, in[0]);
               }});
  s.push_back({kNumpy, "OnesLike", {param("dtype", nullptr)}, 1, [](const OpNode& node, const Operands& in) {
                 return filled_like(node, in[0], 1.0f);
               }});
  s.push_back({kNumpy, "ZerosLike", {param("dtype", nullptr)}, 1, [](const OpNode& node, const Operands& in) {
                 return filled_like(node, in[0], 0.0f);
               }});
}

// Matmul, and keras.ops.cast (keras.src.ops.core).
void add_matmul_and_cast(std::vector<OpSpec>& s) {
  s.push_back(
      {kNumpy, "Matmul", {}, 2, [](const OpNode&, const Operands& in) { return ops::matmul(f32(in[0]), f32(in[1])); }});
  s.push_back({"keras.src.ops.core", "Cast", {required("dtype")}, 1, [](const OpNode& node, const Operands& in) {
                 const auto dtype = node.dtype_argument("dtype");
                 if (!dtype) throw ValueError(node.where() + ": `dtype` must be a dtype name, got None");
                 return ops::cast(in[0], *dtype);
               }});
}

}  // namespace

const std::vector<OpSpec>& numpy_op_specs() {
  static const std::vector<OpSpec> specs = [] {
    std::vector<OpSpec> s;
    add_arithmetic(s);
    add_unary_math(s);
    add_comparison_and_logic(s);
    add_reductions(s);
    add_shape_ops(s);
    add_matmul_and_cast(s);
    return s;
  }();
  return specs;
}

}  // namespace kplug::layers::op_nodes
