// SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout and
// ActivityRegularization (keras/src/layers/regularization/): identity at inference;
// training mode (random noise) is not supported.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/regularizers.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {

namespace {

config::Check<Number> rate_between_0_and_1(std::string what) {
  return [what = std::move(what)](const Number& v) -> std::string {
    if (!(v.value >= 0.0 && v.value <= 1.0)) {
      return "Invalid value received for argument `" + what +
             "`. Expected a float value between 0 and 1. Received: " + what + "=" + json::format_double(v.value);
    }
    return {};
  };
}

void check_rate(const std::string& what, const Number& v) {
  if (std::string message = rate_between_0_and_1(what)(v); !message.empty()) throw ValueError(message);
}

// Keras's layers without these arguments: a TypeError in Python.
template <class Options>
config::Field<Options> refused_key(std::string key, std::string why) {
  return config::custom_field<Options>(
             key, [why](ConfigReader& r, std::string_view k, const boost::json::value&, Options&) { r.fail(k, why); },
             {})
      .read_only();
}

}  // namespace

// ---- SpatialDropout ----

template <std::size_t Rank>
const config::Fields<SpatialDropoutOptions>& SpatialDropout<Rank>::fields() {
  using O = SpatialDropoutOptions;
  static const config::Fields<O> list = [] {
    const std::string name(keras_class_name);
    // Keras's SpatialDropout takes (rate, seed, name, dtype[, data_format]) only.
    config::Fields<O> f{refused_key<O>("trainable", name + " takes no argument 'trainable'"),
                        refused_key<O>("activity_regularizer", name + " takes no argument 'activity_regularizer'"),
                        config::field("rate", &O::rate).required().check(rate_between_0_and_1("rate")),
                        config::field("seed", &O::seed)};
    if (Rank > 1) f += config::Fields<O>{detail::data_format_field(&O::data_format)};
    return f;
  }();
  return list;
}

template <std::size_t Rank>
SpatialDropout<Rank>::SpatialDropout(Options options, LayerArgs args)
    : NoiseLayer<SpatialDropout<Rank>, SpatialDropoutOptions>(std::move(options), std::move(args)) {
  check_rate("rate", this->options_.rate);
  detail::standardize_data_format(this->options_.data_format);
}

template <std::size_t Rank>
boost::json::object SpatialDropout<Rank>::get_config() const {
  const Options& o = this->options_;
  boost::json::object config;
  config["rate"] = o.rate.to_json();
  config["seed"] = config::Codec<std::optional<Seed>>::write(o.seed);
  config["name"] = this->name();
  config["dtype"] = "float32";
  if (Rank > 1) config["data_format"] = o.data_format;
  return config;
}

template <std::size_t Rank>
std::vector<PartialShape> SpatialDropout<Rank>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = this->single_shape(input_shapes);
  if (in.rank() != Rank + 2)
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got " + in.to_string());
  return {in};
}

template <std::size_t Rank>
std::vector<Tensor> SpatialDropout<Rank>::call(CallArgs& args) {
  this->expect_inputs(args, 1);
  if (args.inputs[0].rank() != static_cast<std::int64_t>(Rank + 2)) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " +
               shape_repr(args.inputs[0].shape()));
  }
  return NoiseLayer<SpatialDropout<Rank>, SpatialDropoutOptions>::call(args);
}

template class SpatialDropout<1>;
template class SpatialDropout<2>;
template class SpatialDropout<3>;

// ---- GaussianNoise, GaussianDropout, AlphaDropout ----

const config::Fields<GaussianNoiseOptions>& GaussianNoise::fields() {
  static const config::Fields<Options> list{
      config::field("stddev", &Options::stddev).required().check(rate_between_0_and_1("stddev")),
      config::field("seed", &Options::seed)};
  return list;
}

GaussianNoise::GaussianNoise(Options options, LayerArgs args) : NoiseLayer(std::move(options), std::move(args)) {
  check_rate("stddev", options_.stddev);
}

const config::Fields<GaussianDropoutOptions>& GaussianDropout::fields() {
  static const config::Fields<Options> list{
      config::field("rate", &Options::rate).required().check(rate_between_0_and_1("rate")),
      config::field("seed", &Options::seed)};
  return list;
}

GaussianDropout::GaussianDropout(Options options, LayerArgs args) : NoiseLayer(std::move(options), std::move(args)) {
  check_rate("rate", options_.rate);
}

const config::Fields<AlphaDropoutOptions>& AlphaDropout::fields() {
  static const config::Fields<Options> list{
      config::field("rate", &Options::rate).required().check(rate_between_0_and_1("rate")),
      config::field("seed", &Options::seed), config::field("noise_shape", &Options::noise_shape)};
  return list;
}

AlphaDropout::AlphaDropout(Options options, LayerArgs args) : NoiseLayer(std::move(options), std::move(args)) {
  check_rate("rate", options_.rate);
}

// ---- ActivityRegularization ----

const config::Fields<ActivityRegularizationOptions>& ActivityRegularization::fields() {
  static const config::Fields<Options> list{
      refused_key<Options>("activity_regularizer",
                           "ActivityRegularization takes `l1` and `l2`, not an activity_regularizer"),
      config::field("l1", &Options::l1).check(config::finite_non_negative()),
      config::field("l2", &Options::l2).check(config::finite_non_negative())};
  return list;
}

namespace {
LayerArgs with_l1l2(LayerArgs args, const ActivityRegularizationOptions& o) {
  args.activity_regularizer = std::make_shared<regularizers::L1L2>(o.l1.value, o.l2.value);
  return args;
}
}  // namespace

ActivityRegularization::ActivityRegularization(Options options, LayerArgs args)
    : NoiseLayer(options, with_l1l2(std::move(args), options)) {}

boost::json::object ActivityRegularization::get_config() const {
  boost::json::object config = base_config();
  config.erase("activity_regularizer");  // Keras pops it: l1 and l2 stand for it (erased last: order kept)
  fields().write_into(options_, config);
  return config;
}

}  // namespace kplug::layers
