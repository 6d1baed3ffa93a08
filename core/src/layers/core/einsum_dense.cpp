// EinsumDense (keras/src/layers/core/einsum_dense.py).
#include "einsum_quantization.hpp"
#include "int4_kernel.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/quantization.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/einsum.hpp"
#include "kplug/ops/quantization.hpp"
#include "kplug/serialization.hpp"

#include <regex>

namespace kplug::layers {
namespace {

using Options = EinsumDense::Options;
using OutputShape = std::vector<std::optional<std::int64_t>>;

std::string dim_repr(const Dim& d) { return d ? std::to_string(*d) : "None"; }

// Keras's `output_shape`: an int or a list (None for unknown dims), held as a tuple.
config::Field<Options> output_shape_field() {
  return config::custom_field<Options>(
      "output_shape",
      [](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        o.output_shape =
            config::Codec<OutputShape>::read(r, k, v.is_array() ? v : boost::json::value(boost::json::array{v}));
      },
      [](const Options& o) { return config::Codec<OutputShape>::write(o.output_shape); }, false);
}

// The terms of an equation as Keras's _analyze_einsum_string matches them ("..." is "0").
struct Terms {
  std::string input, weight, output;
  bool left_elided = false;  // "...X,Y->...Z"
  bool has_ellipsis = false;
};

Terms split_equation(const std::string& equation) {
  const std::string dotted = std::regex_replace(equation, std::regex("\\.\\.\\."), "0");
  static const std::regex plain("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)");
  static const std::regex left("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)");
  static const std::regex right("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0");
  std::smatch m;
  const auto match = [&](const std::regex& re) {  // re.match: anchored at the start only
    return std::regex_search(dotted, m, re, std::regex_constants::match_continuous);
  };
  Terms t;
  if (!match(plain)) {
    if (match(left)) {
      t.left_elided = true;
    } else if (!match(right)) {
      throw ValueError("Invalid einsum equation '" + equation +
                       "'. Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....");
    }
  }
  t.input = m[1];
  t.weight = m[2];
  t.output = m[3];
  t.has_ellipsis = m[0].str().find('0') != std::string::npos;
  return t;
}

// Keras's _analyze_split_string over one input shape: the full output dims and the maps
// from term positions to input and output axes.
class SplitString {
 public:
  SplitString(const Layer& layer, const Options& options, const PartialShape& input_shape)
      : name_(layer.name()), options_(options), terms_(split_equation(options.equation)), input_(input_shape) {
    const auto rank = static_cast<std::int64_t>(input_.rank());
    elided_ = rank - static_cast<std::int64_t>(terms_.input.size());
    if (rank == 0 || elided_ < 0 || (elided_ > 0 && !terms_.has_ellipsis)) {
      fail("with equation '" + options_.equation + "' cannot take an input of shape " + input_.to_string() +
           " (the input term '" + terms_.input + "' needs rank " + std::to_string(terms_.input.size()) + ")");
    }
    out_.assign(options_.output_shape.begin(), options_.output_shape.end());
    out_.insert(out_.begin(), input_[0]);
    if (elided_ > 0 && terms_.left_elided) {
      for (std::int64_t i = 1; i < elided_; ++i) out_.insert(out_.begin() + 1, input_[static_cast<std::size_t>(i)]);
    } else if (elided_ > 0) {
      for (std::int64_t i = rank - elided_; i < rank; ++i) out_.push_back(input_[static_cast<std::size_t>(i)]);
    }
  }

  EinsumDense::Analysis analyze() const {
    check_shared_dims();
    check_output_dims();
    EinsumDense::Analysis a;
    a.kernel_shape = kernel_shape();
    if (options_.bias_axes) a.bias_shape = bias_shape(*options_.bias_axes);
    a.output_shape = PartialShape(out_);
    return a;
  }

 private:
  // Layer::fail's form.
  [[noreturn]] void fail(const std::string& message) const { throw ValueError("Layer '" + name_ + "' " + message); }

  // Python's input_shape[i] with a possibly negative index, for the input term's i-th letter.
  const Dim& input_dim(std::size_t i) const {
    const std::int64_t at =
        terms_.left_elided ? static_cast<std::int64_t>(i) + elided_ - input_.rank() : static_cast<std::int64_t>(i);
    return input_[static_cast<std::size_t>(at < 0 ? static_cast<std::int64_t>(input_.rank()) + at : at)];
  }

  // The output term's i-th letter (shifted past left-elided axes).
  const Dim& output_dim(std::size_t i) const {
    const std::int64_t at = static_cast<std::int64_t>(i) + (terms_.left_elided ? elided_ : 0);
    if (at >= static_cast<std::int64_t>(out_.size())) {
      fail("with equation '" + options_.equation + "': `output_shape` " +
           PartialShape(options_.output_shape).to_string() + " has fewer dims than the output term '" + terms_.output +
           "' needs");
    }
    return out_[static_cast<std::size_t>(at)];
  }

  void check_shared_dims() const {
    for (std::size_t i = 0; i < terms_.input.size(); ++i) {
      const auto o = terms_.output.find(terms_.input[i]);
      if (o == std::string::npos) continue;
      const Dim& in_dim = input_dim(i);
      const Dim& out_dim = output_dim(o);
      if (out_dim && out_dim != in_dim) {
        throw ValueError("Input shape and output shape do not match at shared dimension '" +
                         std::string(1, terms_.input[i]) + "'. Input shape is " + dim_repr(in_dim) +
                         ", and output shape is " + dim_repr(out_dim) + ".");
      }
    }
  }

  void check_output_dims() const {
    for (char dim : terms_.output) {
      if (terms_.input.find(dim) == std::string::npos && terms_.weight.find(dim) == std::string::npos) {
        throw ValueError("Dimension '" + std::string(1, dim) + "' was specified in the output '" + terms_.output +
                         "' but has no corresponding dim in the input spec '" + terms_.input + "' or weight spec '" +
                         terms_.output + "'");
      }
    }
  }

  Shape kernel_shape() const {
    Shape shape;
    for (char dim : terms_.weight) {
      Dim d;
      if (const auto o = terms_.output.find(dim); o != std::string::npos) {
        d = output_dim(o);
      } else if (const auto i = terms_.input.find(dim); i != std::string::npos) {
        d = input_dim(i);
      } else {
        throw ValueError("Weight dimension '" + std::string(1, dim) +
                         "' did not have a match in either the input spec '" + terms_.input + "' or the output spec '" +
                         terms_.output + "'. For this layer, the weight must be fully specified.");
      }
      if (!d) {
        fail("with equation '" + options_.equation + "': the kernel dimension '" + std::string(1, dim) +
             "' is unknown (give it in `output_shape` or the input shape " + input_.to_string() + ")");
      }
      shape.push_back(*d);
    }
    return shape;
  }

  // From the first bias axis in the output term on: its dim where a bias axis, else 1.
  Shape bias_shape(const std::string& bias_axes) const {
    std::size_t first = terms_.output.size();
    for (char c : bias_axes) {
      const auto pos = terms_.output.find(c);
      if (pos == std::string::npos) {
        throw ValueError("Bias dimension '" + std::string(1, c) +
                         "' was requested, but is not part of the output spec '" + terms_.output + "'");
      }
      first = std::min(first, pos);
    }
    Shape bias;
    for (std::size_t i = first; i < terms_.output.size(); ++i) {
      if (bias_axes.find(terms_.output[i]) == std::string::npos) {
        bias.push_back(1);
        continue;
      }
      const Dim& d = output_dim(i);
      if (!d) {
        fail("with equation '" + options_.equation + "': the bias dimension '" + std::string(1, terms_.output[i]) +
             "' is unknown");
      }
      bias.push_back(*d);
    }
    if (!terms_.left_elided) {
      for (std::int64_t i = 0; i < elided_; ++i) bias.push_back(1);
    }
    return bias;
  }

  std::string name_;
  const Options& options_;
  Terms terms_;
  const PartialShape& input_;
  std::int64_t elided_ = 0;
  std::vector<Dim> out_;
};

}  // namespace

EinsumDense::EinsumDense(Options options, LayerArgs args) : KernelBiasLayer(std::move(options), std::move(args)) {
  if (!options_.activation) options_.activation = builtin_activation("linear");  // Keras's activation=None
  options_.activity_regularizer = activity_regularizer();
}

const config::Fields<EinsumDense::Options>& EinsumDense::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          output_shape_field(),
          field("equation", &Options::equation).required(),
          activation_field("activation", &Options::activation),
          field("bias_axes", &Options::bias_axes),
      } +
      kernel_bias_fields<Options>({activity_regularizer_field(&Options::activity_regularizer)}) +
      quantization_config_fields<Options>(&Options::quantization_config, keras_class_name_of());
  return list;
}

EinsumDense::Analysis EinsumDense::analyze(const PartialShape& input_shape) const {
  return SplitString(*this, options_, input_shape).analyze();
}

void EinsumDense::build(const std::vector<PartialShape>& input_shapes) {
  const Analysis a = analyze(single_shape(input_shapes));
  kernel_shape_ = a.kernel_shape;
  if (quantized_dtype_policy()) return quantized_build(a, single_shape(input_shapes).rank());
  add_kernel_bias(a.kernel_shape, a.bias_shape);
}

// Keras's _int8_build, _int4_build (the kernel flattened to [rows, columns], packed along
// the columns) and _float8_build.
void EinsumDense::quantized_build(const Analysis& a, std::size_t input_rank) {
  const QuantizedDTypePolicy& policy = *quantized_dtype_policy();
  const detail::EinsumQuantization info(options_.equation, input_rank);
  if (policy.mode == "int8") {
    add_quantized_kernel_bias(
        quantization_variable("kernel", a.kernel_shape, DType::int8),
        {quantization_variable("kernel_scale", info.kernel_scale_shape(a.kernel_shape), DType::float32, 1.0)}, false,
        a.bias_shape);
  } else if (policy.mode == "int4") {
    const auto [rows, columns] = info.kernel_rows_columns(a.kernel_shape);
    auto [kernel, others] =
        detail::int4_kernel(rows, columns, int4_block_size(policy, options_.quantization_config.get()));
    add_quantized_kernel_bias(std::move(kernel), others, false, a.bias_shape);
  } else {  // float8
    VariableSpec kernel{
        "kernel", a.kernel_shape, options_.kernel_initializer, options_.kernel_regularizer, options_.kernel_constraint,
        true};
    add_quantized_kernel_bias(std::move(kernel), float8_variables(policy.amax_history_length), true, a.bias_shape);
  }
}

// Keras's _int8_call, _int4_call and _float8_call up to the bias.
Tensor EinsumDense::quantized_einsum(const Tensor& x) const {
  const QuantizedDTypePolicy& policy = *quantized_dtype_policy();
  const QuantizationConfig* config = options_.quantization_config.get();
  const auto& q = quantization_variables_;
  const std::string& eq = options_.equation;
  if (policy.mode == "float8") {  // QDQ through e4m3fn, emulated in float32
    return ops::einsum(eq, ops::quantize_dequantize_float8_e4m3fn(x, q[0]->value().item()),
                       ops::quantize_dequantize_float8_e4m3fn(kernel_->value(), q[2]->value().item()));
  }
  const detail::EinsumQuantization info(eq, static_cast<std::size_t>(x.rank()));
  const auto quantizer = inputs_quantizer(config, policy.mode == "int8");
  Tensor kernel;  // int8: the integers; int4: dequantized
  if (policy.mode == "int8") {
    kernel = kernel_->value().astype(DType::float32);
  } else {
    const auto [rows, columns] = info.kernel_rows_columns(kernel_shape_);
    const Tensor unpacked = ops::unpack_int4(kernel_->value(), columns, -1);
    kernel = int4_block_size(policy, config) > 0
                 ? ops::dequantize_grouped(unpacked, q[0]->value(), q[1]->value(), q[2]->value(), 0)
                 : ops::divide(unpacked.astype(DType::float32), q[0]->value());
    kernel = kernel.reshape(kernel_shape_);
    if (int4_block_size(policy, config) > 0) return ops::einsum(eq, x, kernel);
  }
  const bool int8 = policy.mode == "int8";
  if (!quantizer) {
    Tensor y = ops::einsum(eq, x, kernel);
    return int8 ? ops::divide(y, q[0]->value()) : y;
  }
  const ops::AbsMaxQuantized xq = ops::abs_max_quantize(x, info.input_reduced, *quantizer, DType::float32);
  const Tensor inputs_scale = info.input_scale_to_output(xq.scale);
  const Tensor y = ops::einsum(eq, xq.values, kernel);
  return ops::divide(y, int8 ? ops::multiply(inputs_scale, q[0]->value()) : inputs_scale);
}

std::vector<PartialShape> EinsumDense::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {analyze(single_shape(input_shapes)).output_shape};
}

std::vector<Tensor> EinsumDense::call(CallArgs& args) {
  expect_inputs(args, 1);
  const auto& policy = quantized_dtype_policy();
  Tensor y =
      policy ? quantized_einsum(args.inputs[0]) : ops::einsum(options_.equation, args.inputs[0], kernel_->value());
  if (bias_) {
    // Keras's float8 EinsumDense adds its bias through bfloat16 (for the fused bias-add).
    ops::add_(y, policy && policy->mode == "float8" ? ops::round_to_bfloat16(bias_->value())
                                                    : bias_->value());  // y is this call's own buffer
  }
  return {(*options_.activation)(y)};
}

}  // namespace kplug::layers
