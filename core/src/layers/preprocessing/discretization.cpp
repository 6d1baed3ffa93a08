// Discretization (keras/src/layers/preprocessing/discretization.py) at inference: numpy's
// digitize over bin_boundaries, then Keras's encode_categorical_inputs.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/preprocessing.hpp"
#include "layers/preprocessing/encode_categorical.hpp"

#include <algorithm>

namespace kplug::layers {

const config::Fields<DiscretizationOptions>& Discretization::fields() {
  using O = DiscretizationOptions;
  static const config::Fields<O> f{
      config::field("bin_boundaries", &O::bin_boundaries), config::field("num_bins", &O::num_bins),
      config::field("epsilon", &O::epsilon),
      config::field("output_mode", &O::output_mode).check(config::one_of({"int", "one_hot", "multi_hot", "count"})),
      config::field("sparse", &O::sparse)};
  return f;
}

// Keras's Discretization(bin_boundaries, num_bins, epsilon, output_mode, sparse, dtype, name):
// no trainable argument.
std::shared_ptr<Discretization> Discretization::from_config(const boost::json::object& config,
                                                            DeserializationContext& context) {
  ConfigReader reader(config, context, "Discretization");
  if (reader.has("trainable")) reader.fail("trainable", "Discretization takes no argument 'trainable'");
  LayerArgs args = LayerArgs::read(reader);
  Options options;
  fields().read_into(reader, options);
  reader.finish();
  return std::make_shared<Discretization>(std::move(options), std::move(args));
}

Discretization::Discretization(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (options_.sparse) {
    throw NotSupportedError("Layer '" + name() +
                            "' (Discretization): sparse=True is not supported (dense outputs only)");
  }
  if (options_.num_bins && *options_.num_bins < 0) {
    throw ValueError("`num_bins` must be greater than or equal to 0. Received: `num_bins=" +
                     std::to_string(*options_.num_bins) + "`");
  }
  if (!options_.num_bins && !options_.bin_boundaries) {
    throw ValueError("You need to set either `num_bins` or `bin_boundaries`.");
  }
  if (const auto& bins = options_.bin_boundaries) {
    for (std::size_t i = 1; i < bins->size(); ++i) {
      if ((*bins)[i].value < (*bins)[i - 1].value) {
        throw ValueError("Layer '" + name() + "' (Discretization): bin_boundaries must be increasing, got " +
                         json::write(config::Codec<std::vector<Number>>::write(*bins)));
      }
    }
  }
}

boost::json::object Discretization::get_config() const {
  boost::json::object config = fields().write(options_);
  config["name"] = name();
  config["dtype"] = "float32";
  return config;
}

std::int64_t Discretization::depth() const {
  return options_.bin_boundaries ? static_cast<std::int64_t>(options_.bin_boundaries->size()) + 1
                                 : options_.num_bins.value_or(0);
}

std::vector<PartialShape> Discretization::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (options_.output_mode == "int") return {in};
  return {detail::encoded_shape(in, options_.output_mode, depth())};
}

std::vector<Tensor> Discretization::call(CallArgs& args) {
  expect_inputs(args, 1);
  if (!options_.bin_boundaries) {
    fail(
        "You need to either pass the `bin_boundaries` argument at construction time or call `adapt(dataset)` before "
        "you can start using the `Discretization` layer.");
  }
  const Tensor x = args.inputs[0].dtype() == DType::float32 ? args.inputs[0] : args.inputs[0].astype(DType::float32);
  std::vector<float> bins;
  for (const Number& b : *options_.bin_boundaries) bins.push_back(to_float32(b.value));
  Tensor indices(x.shape(), DType::int32);
  std::int32_t* out = indices.data_as<std::int32_t>();
  const float* in = x.data();
  // digitize: the number of boundaries <= x (NaN sorts last, above every boundary).
  for (std::int64_t i = 0; i < x.size(); ++i) {
    out[i] = static_cast<std::int32_t>(std::upper_bound(bins.begin(), bins.end(), in[i]) - bins.begin());
  }
  if (options_.output_mode == "int") return {indices};
  return {
      detail::encode_categorical(indices, options_.output_mode, depth(), "Layer '" + name() + "' (Discretization)")};
}

}  // namespace kplug::layers
