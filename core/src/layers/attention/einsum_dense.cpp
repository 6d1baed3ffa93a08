#include "kplug/errors.hpp"
#include "kplug/layers/attention.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/einsum.hpp"
#include "kplug/serialization.hpp"
#include "layers/fields_layer.hpp"

#include <regex>

namespace kplug::layers {
namespace {

using OutputShape = std::vector<std::optional<std::int64_t>>;

std::string dim_repr(const Dim& d) { return d ? std::to_string(*d) : "None"; }

// Python's seq[i] with a possibly negative index.
const Dim& at(const PartialShape& shape, std::int64_t i) {
  return shape[static_cast<std::size_t>(i < 0 ? static_cast<std::int64_t>(shape.rank()) + i : i)];
}

// Keras's `output_shape`: an int or a list (None for unknown dims), held as a tuple.
config::Field<EinsumDense::Options> output_shape_field() {
  using Options = EinsumDense::Options;
  return config::custom_field<Options>(
      "output_shape",
      [](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        o.output_shape =
            config::Codec<OutputShape>::read(r, k, v.is_array() ? v : boost::json::value(boost::json::array{v}));
      },
      [](const Options& o) { return config::Codec<OutputShape>::write(o.output_shape); }, false);
}

}  // namespace

EinsumDense::EinsumDense(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  if (!options_.activation) options_.activation = builtin_activation("linear");
  if (!options_.kernel_initializer) options_.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!options_.bias_initializer) options_.bias_initializer = std::make_shared<initializers::Zeros>();
}

const config::Fields<EinsumDense::Options>& EinsumDense::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          output_shape_field(),
          field("equation", &Options::equation).required(),
          activation_field("activation", &Options::activation),
          field("bias_axes", &Options::bias_axes),
          field("kernel_initializer", &Options::kernel_initializer),
          field("bias_initializer", &Options::bias_initializer),
          field("kernel_regularizer", &Options::kernel_regularizer),
          field("bias_regularizer", &Options::bias_regularizer),
          // Read by LayerArgs; written here as null, or at its base-config place when set.
          config::custom_field<Options>(
              "activity_regularizer", [](ConfigReader&, std::string_view, const boost::json::value&, Options&) {},
              [](const Options&) { return boost::json::value(nullptr); }),
          field("kernel_constraint", &Options::kernel_constraint),
          field("bias_constraint", &Options::bias_constraint),
      } +
      quantization_fields<Options>("EinsumDense");
  return list;
}

boost::json::object EinsumDense::get_config() const {
  boost::json::object config = detail::write_fields_layer(*this, options_);
  // Keras merges {**base_config, **config}: a set activity regularizer keeps its base place.
  if (activity_regularizer()) config["activity_regularizer"] = serialize(*activity_regularizer());
  return config;
}

std::shared_ptr<EinsumDense> EinsumDense::from_config(const boost::json::object& config,
                                                      DeserializationContext& context) {
  return detail::read_fields_layer<EinsumDense>(config, context, "EinsumDense");
}

// Keras's _analyze_einsum_string / _analyze_split_string, step for step.
EinsumDense::Analysis EinsumDense::analyze(const PartialShape& input_shape) const {
  const std::string& equation = options_.equation;
  const std::string dotted = std::regex_replace(equation, std::regex("\\.\\.\\."), "0");
  static const std::regex plain("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)");
  static const std::regex left("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)");
  static const std::regex right("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0");
  std::smatch m;
  bool left_elided = false;
  const auto match = [&](const std::regex& re) {  // re.match: anchored at the start only
    return std::regex_search(dotted, m, re, std::regex_constants::match_continuous);
  };
  if (!match(plain)) {
    if (match(left)) {
      left_elided = true;
    } else if (!match(right)) {
      throw ValueError("Invalid einsum equation '" + equation +
                       "'. Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....");
    }
  }
  const std::string input_spec = m[1], weight_spec = m[2], output_spec = m[3];
  const auto rank = static_cast<std::int64_t>(input_shape.rank());
  const std::int64_t elided = rank - static_cast<std::int64_t>(input_spec.size());
  if (rank == 0 || elided < 0 || (elided > 0 && m[0].str().find('0') == std::string::npos)) {
    fail("with equation '" + equation + "' cannot take an input of shape " + input_shape.to_string() +
         " (the input term '" + input_spec + "' needs rank " + std::to_string(input_spec.size()) + ")");
  }

  std::vector<Dim> out(options_.output_shape.begin(), options_.output_shape.end());
  out.insert(out.begin(), input_shape[0]);
  if (elided > 0 && left_elided) {
    for (std::int64_t i = 1; i < elided; ++i) out.insert(out.begin() + 1, input_shape[static_cast<std::size_t>(i)]);
  } else if (elided > 0) {
    for (std::int64_t i = rank - elided; i < rank; ++i) out.push_back(input_shape[static_cast<std::size_t>(i)]);
  }
  const auto input_index = [&](std::size_t i) {
    return left_elided ? static_cast<std::int64_t>(i) + elided - rank : static_cast<std::int64_t>(i);
  };
  const auto output_index = [&](std::size_t i) {
    return left_elided ? static_cast<std::int64_t>(i) + elided : static_cast<std::int64_t>(i);
  };
  const auto out_at = [&](std::int64_t i) -> const Dim& {
    if (i >= static_cast<std::int64_t>(out.size())) {
      fail("with equation '" + equation + "': `output_shape` " + PartialShape(options_.output_shape).to_string() +
           " has fewer dims than the output term '" + output_spec + "' needs");
    }
    return out[static_cast<std::size_t>(i)];
  };

  for (std::size_t i = 0; i < input_spec.size(); ++i) {
    const auto o = output_spec.find(input_spec[i]);
    if (o == std::string::npos) continue;
    const Dim& in_dim = at(input_shape, input_index(i));
    const Dim& out_dim = out_at(output_index(o));
    if (out_dim && out_dim != in_dim) {
      throw ValueError("Input shape and output shape do not match at shared dimension '" +
                       std::string(1, input_spec[i]) + "'. Input shape is " + dim_repr(in_dim) +
                       ", and output shape is " + dim_repr(out_dim) + ".");
    }
  }
  for (char dim : output_spec) {
    if (input_spec.find(dim) == std::string::npos && weight_spec.find(dim) == std::string::npos) {
      throw ValueError("Dimension '" + std::string(1, dim) + "' was specified in the output '" + output_spec +
                       "' but has no corresponding dim in the input spec '" + input_spec + "' or weight spec '" +
                       output_spec + "'");
    }
  }
  Analysis a;
  for (char dim : weight_spec) {
    Dim d;
    if (const auto o = output_spec.find(dim); o != std::string::npos) {
      d = out_at(output_index(o));
    } else if (const auto i = input_spec.find(dim); i != std::string::npos) {
      d = at(input_shape, input_index(i));
    } else {
      throw ValueError("Weight dimension '" + std::string(1, dim) +
                       "' did not have a match in either the input spec '" + input_spec + "' or the output spec '" +
                       output_spec + "'. For this layer, the weight must be fully specified.");
    }
    if (!d) {
      fail("with equation '" + equation + "': the kernel dimension '" + std::string(1, dim) +
           "' is unknown (give it in `output_shape` or the input shape " + input_shape.to_string() + ")");
    }
    a.kernel_shape.push_back(*d);
  }
  if (options_.bias_axes) {
    const std::string& bias_axes = *options_.bias_axes;
    const std::int64_t num_left_elided = left_elided ? elided : 0;
    std::size_t first = output_spec.size();
    for (char c : bias_axes) {
      const auto pos = output_spec.find(c);
      if (pos == std::string::npos) {
        throw ValueError("Bias dimension '" + std::string(1, c) +
                         "' was requested, but is not part of the output spec '" + output_spec + "'");
      }
      first = std::min(first, pos);
    }
    Shape bias;
    for (std::size_t i = first; i < output_spec.size(); ++i) {
      if (bias_axes.find(output_spec[i]) == std::string::npos) {
        bias.push_back(1);
        continue;
      }
      const Dim& d = out_at(static_cast<std::int64_t>(i) + num_left_elided);
      if (!d)
        fail("with equation '" + equation + "': the bias dimension '" + std::string(1, output_spec[i]) +
             "' is unknown");
      bias.push_back(*d);
    }
    if (!left_elided)
      for (std::int64_t i = 0; i < elided; ++i) bias.push_back(1);
    a.bias_shape = std::move(bias);
  }
  a.output_shape = PartialShape(std::move(out));
  return a;
}

void EinsumDense::build(const std::vector<PartialShape>& input_shapes) {
  const Analysis a = analyze(single_shape(input_shapes));
  kernel_ = add_weight({"kernel", a.kernel_shape, options_.kernel_initializer, options_.kernel_regularizer,
                        options_.kernel_constraint, true});
  if (a.bias_shape) {
    bias_ = add_weight(
        {"bias", *a.bias_shape, options_.bias_initializer, options_.bias_regularizer, options_.bias_constraint, true});
  }
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
