// compute_fans, VarianceScaling and its presets (Glorot, He, Lecun).
#include "kplug/initializers.hpp"

#include "initializers/config_options.hpp"
#include "initializers/random_sampling.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace kplug::initializers {
namespace {

// Keras's truncated_normal stddev correction: the stddev of N(0, 1) truncated to [-2, 2].
constexpr double kTruncatedStddev = 0.87962566103423978;

std::string axes_to_string(const std::vector<std::int64_t>& axes) {
  std::string s = "[";
  for (std::size_t i = 0; i < axes.size(); ++i) s += (i ? ", " : "") + std::to_string(axes[i]);
  return s + "]";
}

}  // namespace

Fans compute_fans(const Shape& shape) {
  shape_size(shape);  // refuses negative dims
  Fans fans;
  if (shape.empty()) return fans;  // Keras: "just to avoid errors for constants"
  if (shape.size() == 1) {
    fans.fan_in = fans.fan_out = static_cast<double>(shape[0]);
    return fans;
  }
  // Rank 2: (in, out). Rank > 2: a conv kernel (..., in, out); the leading dims are its receptive field.
  double receptive_field = 1.0;
  for (std::size_t i = 0; i + 2 < shape.size(); ++i) receptive_field *= static_cast<double>(shape[i]);
  fans.fan_in = static_cast<double>(shape[shape.size() - 2]) * receptive_field;
  fans.fan_out = static_cast<double>(shape.back()) * receptive_field;
  return fans;
}

Fans compute_fans(const Shape& shape, const std::vector<std::int64_t>& input_axes,
                  const std::vector<std::int64_t>& output_axes) {
  shape_size(shape);
  const auto rank = static_cast<std::int64_t>(shape.size());
  std::vector<int> role(shape.size(), 0);  // 0: receptive field, 1: input, 2: output
  auto assign = [&](const std::vector<std::int64_t>& axes, int which, const char* name) {
    for (std::int64_t axis : axes) {
      if (axis < -rank || axis >= rank) {
        throw ValueError(std::string("Invalid `") + name + "` " + axes_to_string(axes) + " for a shape of rank " +
                         std::to_string(rank) + ": axis " + std::to_string(axis) + " is out of range.");
      }
      const auto index = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
      if (role[index] != 0) {
        throw ValueError("Axis " + std::to_string(axis) + " appears twice in `input_axes` " +
                         axes_to_string(input_axes) + " / `output_axes` " + axes_to_string(output_axes) + ".");
      }
      role[index] = which;
    }
  };
  assign(input_axes, 1, "input_axes");
  assign(output_axes, 2, "output_axes");
  Fans fans{1.0, 1.0};
  double receptive_field = 1.0;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const auto dim = static_cast<double>(shape[i]);
    if (role[i] == 1)
      fans.fan_in *= dim;
    else if (role[i] == 2)
      fans.fan_out *= dim;
    else
      receptive_field *= dim;
  }
  fans.fan_in *= receptive_field;
  fans.fan_out *= receptive_field;
  return fans;
}

namespace {

VarianceScaling::Mode parse_mode(const std::string& mode) {
  using Mode = VarianceScaling::Mode;
  if (mode == "fan_in") return Mode::fan_in;
  if (mode == "fan_out") return Mode::fan_out;
  if (mode == "fan_avg") return Mode::fan_avg;
  throw ValueError("Invalid `mode` argument: " + mode + ". Please use one of {'fan_in', 'fan_out', 'fan_avg'}");
}

// Keras accepts any case, and "normal" for "truncated_normal".
VarianceScaling::Distribution parse_distribution(std::string distribution) {
  using Distribution = VarianceScaling::Distribution;
  std::transform(distribution.begin(), distribution.end(), distribution.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (distribution == "normal" || distribution == "truncated_normal") return Distribution::truncated_normal;
  if (distribution == "untruncated_normal") return Distribution::untruncated_normal;
  if (distribution == "uniform") return Distribution::uniform;
  throw ValueError("Invalid `distribution` argument: " + distribution +
                   ". Please use one of {'uniform', 'truncated_normal', 'untruncated_normal'}");
}

}  // namespace

VarianceScaling::VarianceScaling(Number scale, std::string mode, std::string distribution, std::optional<Seed> seed,
                                 Axes input_axes, Axes output_axes)
    : VarianceScaling(scale, parse_mode(mode), parse_distribution(std::move(distribution)), seed, std::move(input_axes),
                      std::move(output_axes)) {}

VarianceScaling::VarianceScaling(Number scale, Mode mode, Distribution distribution, std::optional<Seed> seed,
                                 Axes input_axes, Axes output_axes)
    : RandomInitializer(seed),
      scale_(scale),
      mode_(mode),
      distribution_(distribution),
      input_axes_(std::move(input_axes)),
      output_axes_(std::move(output_axes)) {
  if (!(scale_.value > 0.0) || !std::isfinite(scale_.value)) {
    throw ValueError("Argument `scale` must be positive float. Received: scale=" + json::format_double(scale_.value));
  }
  if (input_axes_.has_value() != output_axes_.has_value()) {
    throw NotSupportedError(
        "VarianceScaling: `input_axes` and `output_axes` must be given together (or both null); kplug does not "
        "guess the other list. Received: input_axes=" +
        (input_axes_ ? axes_to_string(*input_axes_) : "None") +
        ", output_axes=" + (output_axes_ ? axes_to_string(*output_axes_) : "None"));
  }
}

std::string_view VarianceScaling::mode() const noexcept {
  switch (mode_) {
    case Mode::fan_in: return "fan_in";
    case Mode::fan_out: return "fan_out";
    case Mode::fan_avg: break;
  }
  return "fan_avg";
}

std::string_view VarianceScaling::distribution() const noexcept {
  switch (distribution_) {
    case Distribution::truncated_normal: return "truncated_normal";
    case Distribution::untruncated_normal: return "untruncated_normal";
    case Distribution::uniform: break;
  }
  return "uniform";
}

Fans VarianceScaling::fans(const Shape& shape) const {
  if (input_axes_ && output_axes_) return compute_fans(shape, *input_axes_, *output_axes_);
  return compute_fans(shape);
}

Tensor VarianceScaling::operator()(const Shape& shape) const {
  const Fans f = fans(shape);
  double scale = scale_.value;
  if (mode_ == Mode::fan_in)
    scale /= std::max(1.0, f.fan_in);
  else if (mode_ == Mode::fan_out)
    scale /= std::max(1.0, f.fan_out);
  else
    scale /= std::max(1.0, (f.fan_in + f.fan_out) / 2.0);

  if (distribution_ == Distribution::truncated_normal) {
    const double stddev = std::sqrt(scale) / kTruncatedStddev;
    return detail::sample_tensor(shape, class_name(), effective_seed(),
                                 [&](detail::Sampler& s) { return stddev * s.truncated_standard_normal(); });
  }
  if (distribution_ == Distribution::untruncated_normal) {
    const double stddev = std::sqrt(scale);
    return detail::sample_tensor(shape, class_name(), effective_seed(),
                                 [&](detail::Sampler& s) { return stddev * s.standard_normal(); });
  }
  const double limit = std::sqrt(3.0 * scale);
  const float hi = to_float32(limit);
  return detail::sample_tensor(shape, class_name(), effective_seed(), [&](detail::Sampler& s) {
    const float v = to_float32(-limit + 2.0 * limit * s.uniform01());
    return v >= hi ? std::nextafter(hi, 0.0f) : v;  // [-limit, limit) as Keras's uniform
  });
}

namespace {

struct ScalingOptions {
  std::optional<Seed> seed;
  Number scale = Number::real(1.0);
  // Defaults are the fields' (the presets' reads then allocate no strings).
  std::string mode;
  // Checked by the constructor: Keras accepts any case and "normal".
  std::string distribution;
  VarianceScaling::Axes input_axes, output_axes;
};

const config::Fields<ScalingOptions>& scaling_fields() {
  static const config::Fields<ScalingOptions> fields{
      detail::seed_field<ScalingOptions>(),
      config::field("scale", &ScalingOptions::scale),
      config::field("mode", &ScalingOptions::mode, "fan_in").check(config::one_of({"fan_in", "fan_out", "fan_avg"})),
      config::field("distribution", &ScalingOptions::distribution, "truncated_normal"),
      detail::axes_field("input_axes", &ScalingOptions::input_axes),
      detail::axes_field("output_axes", &ScalingOptions::output_axes)};
  return fields;
}

// The presets' configs: seed and axes only.
const config::Fields<ScalingOptions>& preset_fields() {
  static const config::Fields<ScalingOptions> fields{detail::seed_field<ScalingOptions>(),
                                                     detail::axes_field("input_axes", &ScalingOptions::input_axes),
                                                     detail::axes_field("output_axes", &ScalingOptions::output_axes)};
  return fields;
}

}  // namespace

boost::json::object VarianceScaling::get_config() const {
  return scaling_fields().write(
      {seed(), scale_, std::string(mode()), std::string(distribution()), input_axes_, output_axes_});
}

std::shared_ptr<VarianceScaling> VarianceScaling::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  ScalingOptions a = scaling_fields().read(config, context, "VarianceScaling");
  return std::make_shared<VarianceScaling>(a.scale, std::move(a.mode), std::move(a.distribution), a.seed,
                                           std::move(a.input_axes), std::move(a.output_axes));
}

boost::json::object VarianceScaling::preset_config() const {
  return preset_fields().write({seed(), scale_, {}, {}, input_axes_, output_axes_});
}

VarianceScaling::PresetOptions VarianceScaling::read_preset(const boost::json::object& config,
                                                            DeserializationContext& context,
                                                            std::string_view class_name) {
  ScalingOptions a = preset_fields().read(config, context, std::string(class_name));
  return {a.seed, std::move(a.input_axes), std::move(a.output_axes)};
}

}  // namespace kplug::initializers
