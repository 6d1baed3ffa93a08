// PReLU (keras/src/layers/activations/prelu.py): weight `alpha` of the input shape without
// the batch axis, length 1 on the shared axes.
#include "kplug/activations.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/activations.hpp"

#include <algorithm>

namespace kplug::layers {

const config::Fields<PReLUOptions>& PReLU::fields() {
  using config::field;
  // Keras keeps an int as a one-element list (and writes the list).
  auto shared_axes = config::custom_field<Options>(
      "shared_axes",
      [](ConfigReader& r, std::string_view key, const boost::json::value& v, Options& o) {
        if (v.is_null()) {
          o.shared_axes.reset();
          return;
        }
        o.shared_axes =
            config::Codec<std::vector<std::int64_t>>::read(r, key, v.is_array() ? v : boost::json::array{v});
      },
      [](const Options& o) {
        return o.shared_axes ? config::Codec<std::vector<std::int64_t>>::write(*o.shared_axes)
                             : boost::json::value(nullptr);
      });
  static const config::Fields<Options> list{
      field("alpha_initializer", &Options::alpha_initializer),
      field("alpha_regularizer", &Options::alpha_regularizer),
      field("alpha_constraint", &Options::alpha_constraint),
      shared_axes,
  };
  return list;
}

PReLU::PReLU(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (!options_.alpha_initializer) options_.alpha_initializer = std::make_shared<initializers::Zeros>();
}

void PReLU::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() < 2) fail("needs an input of rank >= 2 (batch and features), got " + in.to_string());
  Shape shape;
  for (std::size_t i = 1; i < in.rank(); ++i) {
    const bool shared = options_.shared_axes && std::find(options_.shared_axes->begin(), options_.shared_axes->end(),
                                                          static_cast<std::int64_t>(i)) != options_.shared_axes->end();
    if (shared) {
      shape.push_back(1);
    } else {
      if (!in[i]) fail("needs known dimensions outside shared_axes, got input shape " + in.to_string());
      shape.push_back(*in[i]);
    }
  }
  if (options_.shared_axes) {
    for (std::int64_t a : *options_.shared_axes) {
      if (a < 1 || a >= static_cast<std::int64_t>(in.rank())) {
        fail("shared_axes holds " + std::to_string(a) + ", outside 1.." + std::to_string(in.rank() - 1) +
             " for input shape " + in.to_string());
      }
    }
  }
  alpha_ = add_weight(
      {"alpha", shape, options_.alpha_initializer, options_.alpha_regularizer, options_.alpha_constraint, true});
}

std::vector<PartialShape> PReLU::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> PReLU::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  // Keras: relu(x) + (-alpha * relu(-x)).
  return {activations::relu(x) + (-alpha_->value()) * activations::relu(-x)};
}

}  // namespace kplug::layers
