// The learning-rate schedules: configs through config::Fields, lr(step) in float32 as Keras's
// ops compute it from float32 tensors.
#include "kplug/optimizers/schedules.hpp"

#include "kplug/errors.hpp"

#include <cmath>
#include <numbers>

namespace kplug {

LearningRateSchedule::~LearningRateSchedule() = default;

namespace schedules {

namespace {

float f32(const Number& n) { return to_float32(n.value); }

config::Check<Number> positive_steps(const char* key) {
  return [key](const Number& n) -> std::string {
    if (n.value > 0) return {};
    return std::string("Argument `") + key + "` must be > 0. Received: " + key + "=" + json::write(n.to_json());
  };
}

}  // namespace

// ---- ExponentialDecay ----

namespace {
const config::Fields<ExponentialDecay::Options>& exponential_fields() {
  using A = ExponentialDecay::Options;
  static const config::Fields<A> f{
      config::field("initial_learning_rate", &A::initial_learning_rate).required(),
      config::field("decay_steps", &A::decay_steps).required().check(positive_steps("decay_steps")),
      config::field("decay_rate", &A::decay_rate).required(), config::field("staircase", &A::staircase),
      config::field("name", &A::name)};
  return f;
}
}  // namespace

ExponentialDecay::ExponentialDecay(Options args) : options_(std::move(args)) {}
std::shared_ptr<ExponentialDecay> ExponentialDecay::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  return std::make_shared<ExponentialDecay>(exponential_fields().read(config, context, "ExponentialDecay"));
}
boost::json::object ExponentialDecay::get_config() const { return exponential_fields().write(options_); }
float ExponentialDecay::operator()(std::int64_t step) const {
  float p = static_cast<float>(step) / f32(options_.decay_steps);
  if (options_.staircase) p = std::floor(p);
  return f32(options_.initial_learning_rate) * std::pow(f32(options_.decay_rate), p);
}

// ---- InverseTimeDecay ----

namespace {
const config::Fields<InverseTimeDecay::Options>& inverse_time_fields() {
  using A = InverseTimeDecay::Options;
  static const config::Fields<A> f{
      config::field("initial_learning_rate", &A::initial_learning_rate).required(),
      config::field("decay_steps", &A::decay_steps).required().check(positive_steps("decay_steps")),
      config::field("decay_rate", &A::decay_rate).required(), config::field("staircase", &A::staircase),
      config::field("name", &A::name)};
  return f;
}
}  // namespace

InverseTimeDecay::InverseTimeDecay(Options args) : options_(std::move(args)) {}
std::shared_ptr<InverseTimeDecay> InverseTimeDecay::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  return std::make_shared<InverseTimeDecay>(inverse_time_fields().read(config, context, "InverseTimeDecay"));
}
boost::json::object InverseTimeDecay::get_config() const { return inverse_time_fields().write(options_); }
float InverseTimeDecay::operator()(std::int64_t step) const {
  float p = static_cast<float>(step) / f32(options_.decay_steps);
  if (options_.staircase) p = std::floor(p);
  return f32(options_.initial_learning_rate) / (1.0f + f32(options_.decay_rate) * p);
}

// ---- PolynomialDecay ----

namespace {
const config::Fields<PolynomialDecay::Options>& polynomial_fields() {
  using A = PolynomialDecay::Options;
  static const config::Fields<A> f{
      config::field("initial_learning_rate", &A::initial_learning_rate).required(),
      config::field("decay_steps", &A::decay_steps).required().check(positive_steps("decay_steps")),
      config::field("end_learning_rate", &A::end_learning_rate),
      config::field("power", &A::power),
      config::field("cycle", &A::cycle),
      config::field("name", &A::name)};
  return f;
}
}  // namespace

PolynomialDecay::PolynomialDecay(Options args) : options_(std::move(args)) {}
std::shared_ptr<PolynomialDecay> PolynomialDecay::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  return std::make_shared<PolynomialDecay>(polynomial_fields().read(config, context, "PolynomialDecay"));
}
boost::json::object PolynomialDecay::get_config() const { return polynomial_fields().write(options_); }
float PolynomialDecay::operator()(std::int64_t step) const {
  const float initial = f32(options_.initial_learning_rate);
  const float end = f32(options_.end_learning_rate);
  float global_step = static_cast<float>(step);
  float decay_steps = f32(options_.decay_steps);
  if (options_.cycle) {
    const float multiplier = global_step == 0.0f ? 1.0f : std::ceil(global_step / decay_steps);
    decay_steps *= multiplier;
  } else {
    global_step = std::min(global_step, decay_steps);
  }
  const float p = global_step / decay_steps;
  return (initial - end) * std::pow(1.0f - p, f32(options_.power)) + end;
}

// ---- PiecewiseConstantDecay ----

namespace {
const config::Fields<PiecewiseConstantDecay::Options>& piecewise_fields() {
  using A = PiecewiseConstantDecay::Options;
  static const config::Fields<A> f{config::field("boundaries", &A::boundaries).required(),
                                   config::field("values", &A::values).required(), config::field("name", &A::name)};
  return f;
}
}  // namespace

PiecewiseConstantDecay::PiecewiseConstantDecay(Options args) : options_(std::move(args)) {
  if (options_.boundaries.size() + 1 != options_.values.size()) {
    throw ValueError(
        "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values. "
        "Received: boundaries of length " +
        std::to_string(options_.boundaries.size()) + ", and values of length " +
        std::to_string(options_.values.size()) + ".");
  }
}
std::shared_ptr<PiecewiseConstantDecay> PiecewiseConstantDecay::from_config(const boost::json::object& config,
                                                                            DeserializationContext& context) {
  return std::make_shared<PiecewiseConstantDecay>(piecewise_fields().read(config, context, "PiecewiseConstantDecay"));
}
boost::json::object PiecewiseConstantDecay::get_config() const { return piecewise_fields().write(options_); }
float PiecewiseConstantDecay::operator()(std::int64_t step) const {
  // Boundaries are cast to the step's (integer) type, as Keras does.
  const auto& b = options_.boundaries;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (step <= static_cast<std::int64_t>(b[i].value)) return f32(options_.values[i]);
  }
  return f32(options_.values.back());
}

// ---- CosineDecay ----

namespace {
const config::Fields<CosineDecay::Options>& cosine_fields() {
  using A = CosineDecay::Options;
  static const config::Fields<A> f{
      config::field("initial_learning_rate", &A::initial_learning_rate).required(),
      config::field("decay_steps", &A::decay_steps).required().check(positive_steps("decay_steps")),
      config::field("alpha", &A::alpha),
      config::field("name", &A::name),
      config::field("warmup_target", &A::warmup_target),
      config::field("warmup_steps", &A::warmup_steps)};
  return f;
}

float cosine_decayed(float step, float decay_steps, float decay_from, float alpha) {
  const float completed = step / decay_steps;
  const float cosine = 0.5f * (1.0f + std::cos(std::numbers::pi_v<float> * completed));
  return decay_from * ((1.0f - alpha) * cosine + alpha);
}
}  // namespace

CosineDecay::CosineDecay(Options args) : options_(std::move(args)) {}
std::shared_ptr<CosineDecay> CosineDecay::from_config(const boost::json::object& config,
                                                      DeserializationContext& context) {
  return std::make_shared<CosineDecay>(cosine_fields().read(config, context, "CosineDecay"));
}
boost::json::object CosineDecay::get_config() const { return cosine_fields().write(options_); }
float CosineDecay::operator()(std::int64_t step) const {
  const float initial = f32(options_.initial_learning_rate);
  const float decay_steps = f32(options_.decay_steps);
  const float alpha = f32(options_.alpha);
  float global_step = static_cast<float>(step);
  if (!options_.warmup_target) return cosine_decayed(std::min(global_step, decay_steps), decay_steps, initial, alpha);
  const float target = f32(*options_.warmup_target);
  const float warmup_steps = f32(options_.warmup_steps);
  global_step = std::min(global_step, decay_steps + warmup_steps);
  if (global_step < warmup_steps) return (target - initial) * (global_step / warmup_steps) + initial;
  return cosine_decayed(global_step - warmup_steps, decay_steps, target, alpha);
}

// ---- CosineDecayRestarts ----

namespace {
const config::Fields<CosineDecayRestarts::Options>& restarts_fields() {
  using A = CosineDecayRestarts::Options;
  static const config::Fields<A> f{
      config::field("initial_learning_rate", &A::initial_learning_rate).required(),
      config::field("first_decay_steps", &A::first_decay_steps).required().check(positive_steps("first_decay_steps")),
      config::field("t_mul", &A::t_mul),
      config::field("m_mul", &A::m_mul),
      config::field("alpha", &A::alpha),
      config::field("name", &A::name)};
  return f;
}
}  // namespace

CosineDecayRestarts::CosineDecayRestarts(Options args) : options_(std::move(args)) {}
std::shared_ptr<CosineDecayRestarts> CosineDecayRestarts::from_config(const boost::json::object& config,
                                                                      DeserializationContext& context) {
  return std::make_shared<CosineDecayRestarts>(restarts_fields().read(config, context, "CosineDecayRestarts"));
}
boost::json::object CosineDecayRestarts::get_config() const { return restarts_fields().write(options_); }
float CosineDecayRestarts::operator()(std::int64_t step) const {
  const float initial = f32(options_.initial_learning_rate);
  const float alpha = f32(options_.alpha);
  const float t_mul = f32(options_.t_mul);
  const float m_mul = f32(options_.m_mul);
  float completed = static_cast<float>(step) / f32(options_.first_decay_steps);
  float restart = 0.0f;
  if (t_mul == 1.0f) {
    restart = std::floor(completed);
    completed -= restart;
  } else {
    restart = std::floor(std::log(1.0f - completed * (1.0f - t_mul)) / std::log(t_mul));
    const float sum_r = (1.0f - std::pow(t_mul, restart)) / (1.0f - t_mul);
    completed = (completed - sum_r) / std::pow(t_mul, restart);
  }
  const float m_fac = std::pow(m_mul, restart);
  const float cosine = 0.5f * m_fac * (1.0f + std::cos(std::numbers::pi_v<float> * completed));
  return initial * ((1.0f - alpha) * cosine + alpha);
}

}  // namespace schedules
}  // namespace kplug
