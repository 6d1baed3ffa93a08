// SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout and
// ActivityRegularization (keras/src/layers/regularization/): identity at inference;
// training mode (random noise) is not supported.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/regularizers.hpp"
#include "layers/fields_layer.hpp"

#include <cctype>

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

[[noreturn]] void refuse_training(const Layer& layer) {
  throw NotSupportedError("Layer '" + layer.name() + "': " + layer.class_name() +
                          " in training mode is not supported (kplug runs inference)");
}

}  // namespace

// ---- SpatialDropout ----

SpatialDropout::SpatialDropout(Options options, LayerArgs args, std::int64_t rank, bool has_data_format)
    : Layer(std::move(args)), options_(std::move(options)), rank_(rank), has_data_format_(has_data_format) {
  check_rate("rate", options_.rate);
  mark_built_at_init();
}

template <class T>
std::shared_ptr<T> SpatialDropout::read(const boost::json::object& config, DeserializationContext& context,
                                        const char* class_name, bool has_data_format) {
  ConfigReader reader(config, context, class_name);
  // Keras's SpatialDropout takes (rate, seed, name, dtype[, data_format]) only.
  for (const char* key : {"trainable", "activity_regularizer"}) {
    if (reader.has(key)) reader.fail(key, std::string(class_name) + " takes no argument '" + key + "'");
  }
  LayerArgs args = LayerArgs::read(reader);
  Options o;
  if (!reader.has("rate")) reader.fail("rate", "missing required argument 'rate'");
  config::Fields<Options> fields{config::field("rate", &Options::rate).check(rate_between_0_and_1("rate")),
                                 config::field("seed", &Options::seed)};
  if (has_data_format) {
    fields += config::Fields<Options>{config::custom_field<Options>(
        "data_format",
        [](ConfigReader& r, std::string_view key, const boost::json::value& v, Options& opt) {
          if (v.is_null()) return;
          std::string f = r.as_string(key, v);
          for (char& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (f != "channels_last" && f != "channels_first") {
            r.fail(key, "The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: " +
                            std::string(r.as_string(key, v)));
          }
          opt.data_format = f;
        },
        {})};
  }
  fields.read_into(reader, o);
  reader.finish();
  return std::make_shared<T>(std::move(o), std::move(args));
}

boost::json::object SpatialDropout::get_config() const {
  boost::json::object config;
  config["rate"] = options_.rate.to_json();
  config["seed"] = config::Codec<std::optional<Seed>>::write(options_.seed);
  config["name"] = name();
  config["dtype"] = "float32";
  if (has_data_format_) config["data_format"] = options_.data_format;
  return config;
}

std::vector<PartialShape> SpatialDropout::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (static_cast<std::int64_t>(in.rank()) != rank_) {
    fail("expects inputs of rank " + std::to_string(rank_) + ", got " + in.to_string());
  }
  return {in};
}

std::vector<Tensor> SpatialDropout::call(CallArgs& args) {
  expect_inputs(args, 1);
  if (args.inputs[0].rank() != rank_) {
    fail("expects inputs of rank " + std::to_string(rank_) + ", got shape " + shape_repr(args.inputs[0].shape()));
  }
  if (args.training && options_.rate.value > 0.0) refuse_training(*this);
  return {std::move(args.inputs[0])};
}

SpatialDropout1D::SpatialDropout1D(Options options, LayerArgs args)
    : SpatialDropout(std::move(options), std::move(args), 3, false) {}
std::shared_ptr<SpatialDropout1D> SpatialDropout1D::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  return read<SpatialDropout1D>(config, context, "SpatialDropout1D", false);
}

SpatialDropout2D::SpatialDropout2D(Options options, LayerArgs args)
    : SpatialDropout(std::move(options), std::move(args), 4, true) {}
std::shared_ptr<SpatialDropout2D> SpatialDropout2D::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  return read<SpatialDropout2D>(config, context, "SpatialDropout2D", true);
}

SpatialDropout3D::SpatialDropout3D(Options options, LayerArgs args)
    : SpatialDropout(std::move(options), std::move(args), 5, true) {}
std::shared_ptr<SpatialDropout3D> SpatialDropout3D::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  return read<SpatialDropout3D>(config, context, "SpatialDropout3D", true);
}

// ---- GaussianNoise ----

const config::Fields<GaussianNoise::Options>& GaussianNoise::fields() {
  static const config::Fields<Options> list{
      config::field("stddev", &Options::stddev).required().check(rate_between_0_and_1("stddev")),
      config::field("seed", &Options::seed)};
  return list;
}

GaussianNoise::GaussianNoise(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  check_rate("stddev", options_.stddev);
  mark_built_at_init();
}

boost::json::object GaussianNoise::get_config() const { return detail::write_fields_layer(*this, options_); }

std::shared_ptr<GaussianNoise> GaussianNoise::from_config(const boost::json::object& config,
                                                          DeserializationContext& context) {
  return detail::read_fields_layer<GaussianNoise>(config, context, "GaussianNoise");
}

std::vector<PartialShape> GaussianNoise::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> GaussianNoise::call(CallArgs& args) {
  expect_inputs(args, 1);
  if (args.training && options_.stddev.value > 0.0) refuse_training(*this);
  return {std::move(args.inputs[0])};
}

// ---- GaussianDropout ----

const config::Fields<GaussianDropout::Options>& GaussianDropout::fields() {
  static const config::Fields<Options> list{
      config::field("rate", &Options::rate).required().check(rate_between_0_and_1("rate")),
      config::field("seed", &Options::seed)};
  return list;
}

GaussianDropout::GaussianDropout(Options options, LayerArgs args)
    : Layer(std::move(args)), options_(std::move(options)) {
  check_rate("rate", options_.rate);
  mark_built_at_init();
}

boost::json::object GaussianDropout::get_config() const { return detail::write_fields_layer(*this, options_); }

std::shared_ptr<GaussianDropout> GaussianDropout::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  return detail::read_fields_layer<GaussianDropout>(config, context, "GaussianDropout");
}

std::vector<PartialShape> GaussianDropout::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> GaussianDropout::call(CallArgs& args) {
  expect_inputs(args, 1);
  if (args.training && options_.rate.value > 0.0) refuse_training(*this);
  return {std::move(args.inputs[0])};
}

// ---- AlphaDropout ----

const config::Fields<AlphaDropout::Options>& AlphaDropout::fields() {
  static const config::Fields<Options> list{
      config::field("rate", &Options::rate).required().check(rate_between_0_and_1("rate")),
      config::field("seed", &Options::seed), config::field("noise_shape", &Options::noise_shape)};
  return list;
}

AlphaDropout::AlphaDropout(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  check_rate("rate", options_.rate);
  mark_built_at_init();
}

boost::json::object AlphaDropout::get_config() const { return detail::write_fields_layer(*this, options_); }

std::shared_ptr<AlphaDropout> AlphaDropout::from_config(const boost::json::object& config,
                                                        DeserializationContext& context) {
  return detail::read_fields_layer<AlphaDropout>(config, context, "AlphaDropout");
}

std::vector<PartialShape> AlphaDropout::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> AlphaDropout::call(CallArgs& args) {
  expect_inputs(args, 1);
  if (args.training && options_.rate.value > 0.0) refuse_training(*this);
  return {std::move(args.inputs[0])};
}

// ---- ActivityRegularization ----

const config::Fields<ActivityRegularization::Options>& ActivityRegularization::fields() {
  static const config::Fields<Options> list{config::field("l1", &Options::l1).check(config::finite_non_negative()),
                                            config::field("l2", &Options::l2).check(config::finite_non_negative())};
  return list;
}

namespace {
LayerArgs with_l1l2(LayerArgs args, const ActivityRegularization::Options& o) {
  args.activity_regularizer = std::make_shared<regularizers::L1L2>(o.l1.value, o.l2.value);
  return args;
}
}  // namespace

ActivityRegularization::ActivityRegularization(Options options, LayerArgs args)
    : Layer(with_l1l2(std::move(args), options)), options_(std::move(options)) {
  mark_built_at_init();
}

boost::json::object ActivityRegularization::get_config() const {
  boost::json::object config = base_config();
  config.erase("activity_regularizer");  // Keras pops it: l1 and l2 stand for it
  fields().write_into(options_, config);
  return config;
}

std::shared_ptr<ActivityRegularization> ActivityRegularization::from_config(const boost::json::object& config,
                                                                            DeserializationContext& context) {
  ConfigReader reader(config, context, "ActivityRegularization");
  if (reader.has("activity_regularizer")) {
    reader.fail("activity_regularizer", "ActivityRegularization takes `l1` and `l2`, not an activity_regularizer");
  }
  LayerArgs args = LayerArgs::read(reader);
  Options options;
  fields().read_into(reader, options);
  reader.finish();
  return std::make_shared<ActivityRegularization>(std::move(options), std::move(args));
}

std::vector<PartialShape> ActivityRegularization::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> ActivityRegularization::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {std::move(args.inputs[0])};
}

}  // namespace kplug::layers
