// The seed base and RandomNormal, RandomUniform, TruncatedNormal
// (keras/src/initializers/random_initializers.py).
#include "kplug/initializers.hpp"

#include "initializers/config_options.hpp"
#include "initializers/random_sampling.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "util/argument_checks.hpp"

#include <cmath>

namespace kplug::initializers {
namespace {

// Keras does not check stddev; a negative or non-finite one is refused here (a negative
// stddev only mirrors the distribution, so no sensible config needs it).
Number checked_stddev(Number stddev) {
  if (!std::isfinite(stddev.value) || stddev.value < 0) {
    throw ValueError("Argument `stddev` must be a finite, non-negative number. Received: stddev=" +
                     json::format_double(stddev.value));
  }
  return stddev;
}

// mean and stddev (RandomNormal, TruncatedNormal) or minval and maxval (RandomUniform).
struct RandomOptions {
  std::optional<Seed> seed;
  Number a, b;
};

const config::Fields<RandomOptions>& normal_fields() {
  static const config::Fields<RandomOptions> fields{detail::seed_field<RandomOptions>(),
                                                    config::field("mean", &RandomOptions::a, Number::real(0.0)),
                                                    config::field("stddev", &RandomOptions::b, Number::real(0.05))};
  return fields;
}

const config::Fields<RandomOptions>& uniform_fields() {
  static const config::Fields<RandomOptions> fields{detail::seed_field<RandomOptions>(),
                                                    config::field("minval", &RandomOptions::a, Number::real(-0.05)),
                                                    config::field("maxval", &RandomOptions::b, Number::real(0.05))};
  return fields;
}

}  // namespace

RandomInitializer::RandomInitializer(std::optional<Seed> seed)
    : seed_(seed), effective_seed_(seed ? seed->bits() : detail::draw_seed()) {}

RandomNormal::RandomNormal(Number mean, Number stddev, std::optional<Seed> seed)
    : RandomInitializer(seed), mean_(mean), stddev_(checked_stddev(stddev)) {
  checks::require_finite(mean_.value, "mean");
}

Tensor RandomNormal::operator()(const Shape& shape) const {
  const double mean = mean_.value, stddev = stddev_.value;
  return detail::sample_tensor(shape, class_name(), effective_seed(),
                               [&](detail::Sampler& s) { return mean + stddev * s.standard_normal(); });
}

boost::json::object RandomNormal::get_config() const { return normal_fields().write({seed(), mean_, stddev_}); }

std::shared_ptr<RandomNormal> RandomNormal::from_config(const boost::json::object& config,
                                                        DeserializationContext& context) {
  const RandomOptions args = normal_fields().read(config, context, "RandomNormal");
  return std::make_shared<RandomNormal>(args.a, args.b, args.seed);
}

RandomUniform::RandomUniform(Number minval, Number maxval, std::optional<Seed> seed)
    : RandomInitializer(seed), minval_(minval), maxval_(maxval) {
  checks::require_finite(minval_.value, "minval");
  checks::require_finite(maxval_.value, "maxval");
  if (!std::isfinite(maxval_.value - minval_.value)) {
    throw ValueError("The range of RandomUniform is too wide for a float. Received: minval=" +
                     json::format_double(minval_.value) + ", maxval=" + json::format_double(maxval_.value));
  }
  if (minval_.value > maxval_.value) {
    throw ValueError("Argument `minval` must not exceed `maxval`. Received: minval=" +
                     json::format_double(minval_.value) + ", maxval=" + json::format_double(maxval_.value));
  }
}

Tensor RandomUniform::operator()(const Shape& shape) const {
  const double lo = minval_.value, span = maxval_.value - minval_.value;
  const float hi = to_float32(maxval_.value), lo_float = to_float32(lo);
  return detail::sample_tensor(shape, class_name(), effective_seed(), [&](detail::Sampler& s) {
    const float v = to_float32(lo + span * s.uniform01());
    // Rounding to float32 may reach maxval, which Keras excludes.
    return (v >= hi && hi > lo_float) ? std::nextafter(hi, lo_float) : v;
  });
}

boost::json::object RandomUniform::get_config() const { return uniform_fields().write({seed(), minval_, maxval_}); }

std::shared_ptr<RandomUniform> RandomUniform::from_config(const boost::json::object& config,
                                                          DeserializationContext& context) {
  const RandomOptions args = uniform_fields().read(config, context, "RandomUniform");
  return std::make_shared<RandomUniform>(args.a, args.b, args.seed);
}

TruncatedNormal::TruncatedNormal(Number mean, Number stddev, std::optional<Seed> seed)
    : RandomInitializer(seed), mean_(mean), stddev_(checked_stddev(stddev)) {
  checks::require_finite(mean_.value, "mean");
}

Tensor TruncatedNormal::operator()(const Shape& shape) const {
  const double mean = mean_.value, stddev = stddev_.value;
  return detail::sample_tensor(shape, class_name(), effective_seed(),
                               [&](detail::Sampler& s) { return mean + stddev * s.truncated_standard_normal(); });
}

boost::json::object TruncatedNormal::get_config() const { return normal_fields().write({seed(), mean_, stddev_}); }

std::shared_ptr<TruncatedNormal> TruncatedNormal::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  const RandomOptions args = normal_fields().read(config, context, "TruncatedNormal");
  return std::make_shared<TruncatedNormal>(args.a, args.b, args.seed);
}

}  // namespace kplug::initializers
