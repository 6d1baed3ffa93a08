// EinsumDense (keras/src/layers/core/einsum_dense.py).
#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/einsum.hpp"
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
      quantization_fields<Options>(keras_class_name_of());
  return list;
}

EinsumDense::Analysis EinsumDense::analyze(const PartialShape& input_shape) const {
  return SplitString(*this, options_, input_shape).analyze();
}

void EinsumDense::build(const std::vector<PartialShape>& input_shapes) {
  const Analysis a = analyze(single_shape(input_shapes));
  add_kernel_bias(a.kernel_shape, a.bias_shape);
}

std::vector<PartialShape> EinsumDense::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {analyze(single_shape(input_shapes)).output_shape};
}

std::vector<Tensor> EinsumDense::call(CallArgs& args) {
  expect_inputs(args, 1);
  Tensor y = ops::einsum(options_.equation, args.inputs[0], kernel_->value());
  if (bias_) ops::add_(y, bias_->value());  // y is this call's own buffer
  return {(*options_.activation)(y)};
}

}  // namespace kplug::layers
