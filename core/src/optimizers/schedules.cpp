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

// ExponentialDecay's and InverseTimeDecay's keys (their options have the same members).
template <class O>
config::Fields<O> decay_rate_fields() {
  return config::Fields<O>{
      config::field("initial_learning_rate", &O::initial_learning_rate).required(),
      config::field("decay_steps", &O::decay_steps).required().check(positive_steps("decay_steps")),
      config::field("decay_rate", &O::decay_rate).required(), config::field("staircase", &O::staircase),
      config::field("name", &O::name)};
}

}  // namespace

// ---- ExponentialDecay ----

const config::Fields<ExponentialDecay::Options>& ExponentialDecay::fields() {
  static const config::Fields<Options> f = decay_rate_fields<Options>();
  return f;
}

float ExponentialDecay::operator()(std::int64_t step) const {
  float p = static_cast<float>(step) / f32(options_.decay_steps);
  if (options_.staircase) p = std::floor(p);
  return f32(options_.initial_learning_rate) * std::pow(f32(options_.decay_rate), p);
}

// ---- InverseTimeDecay ----

const config::Fields<InverseTimeDecay::Options>& InverseTimeDecay::fields() {
  static const config::Fields<Options> f = decay_rate_fields<Options>();
  return f;
}

float InverseTimeDecay::operator()(std::int64_t step) const {
  float p = static_cast<float>(step) / f32(options_.decay_steps);
  if (options_.staircase) p = std::floor(p);
  return f32(options_.initial_learning_rate) / (1.0f + f32(options_.decay_rate) * p);
}

// ---- PolynomialDecay ----

const config::Fields<PolynomialDecay::Options>& PolynomialDecay::fields() {
  using A = Options;
  static const config::Fields<A> f{
      config::field("initial_learning_rate", &A::initial_learning_rate).required(),
      config::field("decay_steps", &A::decay_steps).required().check(positive_steps("decay_steps")),
      config::field("end_learning_rate", &A::end_learning_rate),
      config::field("power", &A::power),
      config::field("cycle", &A::cycle),
      config::field("name", &A::name)};
  return f;
}

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

const config::Fields<PiecewiseConstantDecay::Options>& PiecewiseConstantDecay::fields() {
  using A = Options;
  static const config::Fields<A> f{config::field("boundaries", &A::boundaries).required(),
                                   config::field("values", &A::values).required(), config::field("name", &A::name)};
  return f;
}

PiecewiseConstantDecay::PiecewiseConstantDecay(Options options) : FieldsSchedule(std::move(options)) {
  if (options_.boundaries.size() + 1 != options_.values.size()) {
    throw ValueError(
        "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values. "
        "Received: boundaries of length " +
        std::to_string(options_.boundaries.size()) + ", and values of length " +
        std::to_string(options_.values.size()) + ".");
  }
}
float PiecewiseConstantDecay::operator()(std::int64_t step) const {
  // Boundaries are cast to the step's (integer) type, as Keras does.
  const auto& b = options_.boundaries;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (step <= static_cast<std::int64_t>(b[i].value)) return f32(options_.values[i]);
  }
  return f32(options_.values.back());
}

// ---- CosineDecay ----

const config::Fields<CosineDecay::Options>& CosineDecay::fields() {
  using A = Options;
  static const config::Fields<A> f{
      config::field("initial_learning_rate", &A::initial_learning_rate).required(),
      config::field("decay_steps", &A::decay_steps).required().check(positive_steps("decay_steps")),
      config::field("alpha", &A::alpha),
      config::field("name", &A::name),
      config::field("warmup_target", &A::warmup_target),
      config::field("warmup_steps", &A::warmup_steps)};
  return f;
}

namespace {
float cosine_decayed(float step, float decay_steps, float decay_from, float alpha) {
  const float completed = step / decay_steps;
  const float cosine = 0.5f * (1.0f + std::cos(std::numbers::pi_v<float> * completed));
  return decay_from * ((1.0f - alpha) * cosine + alpha);
}
}  // namespace

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

const config::Fields<CosineDecayRestarts::Options>& CosineDecayRestarts::fields() {
  using A = Options;
  static const config::Fields<A> f{
      config::field("initial_learning_rate", &A::initial_learning_rate).required(),
      config::field("first_decay_steps", &A::first_decay_steps).required().check(positive_steps("first_decay_steps")),
      config::field("t_mul", &A::t_mul),
      config::field("m_mul", &A::m_mul),
      config::field("alpha", &A::alpha),
      config::field("name", &A::name)};
  return f;
}

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
