// keras.optimizers.schedules: learning rates as functions of the optimizer step, with
// Keras's configs (key order and defaults as Keras 3.16 writes them).
//
// lr(step) is computed in float32, as Keras computes it from a float32
// `initial_learning_rate` tensor.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/number.hpp"
#include "kplug/object.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class LearningRateSchedule : public SerializableOfKind<Kind::learning_rate_schedule> {
 public:
  ~LearningRateSchedule() override;
  // The learning rate at optimizer step `step` (Keras's `__call__`).
  virtual float operator()(std::int64_t step) const = 0;
};

using LearningRateSchedulePtr = std::shared_ptr<LearningRateSchedule>;

namespace schedules {

// A schedule written through fields: from_config and get_config from `Derived::fields()`
// (the keys in Keras's get_config order, defaults in Options's member initialisers), the
// class name from the C++ name. Derived computes lr(step) and checks what needs several
// options in its constructor.
template <class Derived, class OptionsT>
class FieldsSchedule : public LearningRateSchedule {
 public:
  using Options = OptionsT;
  explicit FieldsSchedule(Options options) : options_(std::move(options)) {}
  static std::shared_ptr<Derived> from_config(const boost::json::object& config, DeserializationContext& context) {
    return std::make_shared<Derived>(Derived::fields().read(config, context, plain_type_name(typeid(Derived))));
  }
  boost::json::object get_config() const override { return Derived::fields().write(options_); }
  const Options& options() const noexcept { return options_; }

 protected:
  Options options_;
};

struct ExponentialDecayOptions {
  Number initial_learning_rate;
  Number decay_steps;
  Number decay_rate;
  bool staircase = false;
  std::string name = "ExponentialDecay";
};
// initial_learning_rate * decay_rate ^ (step / decay_steps), the exponent floored when staircase.
class ExponentialDecay final : public FieldsSchedule<ExponentialDecay, ExponentialDecayOptions> {
 public:
  using FieldsSchedule::FieldsSchedule;
  static const config::Fields<Options>& fields();
  float operator()(std::int64_t step) const override;
};

struct InverseTimeDecayOptions {
  Number initial_learning_rate;
  Number decay_steps;
  Number decay_rate;
  bool staircase = false;
  std::string name = "InverseTimeDecay";
};
// initial_learning_rate / (1 + decay_rate * step / decay_steps), the ratio floored when staircase.
class InverseTimeDecay final : public FieldsSchedule<InverseTimeDecay, InverseTimeDecayOptions> {
 public:
  using FieldsSchedule::FieldsSchedule;
  static const config::Fields<Options>& fields();
  float operator()(std::int64_t step) const override;
};

struct PolynomialDecayOptions {
  Number initial_learning_rate;
  Number decay_steps;
  Number end_learning_rate = Number::real(0.0001);
  Number power = Number::real(1.0);
  bool cycle = false;
  std::string name = "PolynomialDecay";
};
// (initial - end) * (1 - step / decay_steps) ^ power + end; with cycle, decay_steps grows to
// the first multiple above step, else step stops at decay_steps.
class PolynomialDecay final : public FieldsSchedule<PolynomialDecay, PolynomialDecayOptions> {
 public:
  using FieldsSchedule::FieldsSchedule;
  static const config::Fields<Options>& fields();
  float operator()(std::int64_t step) const override;
};

struct PiecewiseConstantDecayOptions {
  std::vector<Number> boundaries;
  std::vector<Number> values;
  std::string name = "PiecewiseConstant";
};
// values[0] while step <= boundaries[0], values[i] while step <= boundaries[i], values[-1] after.
class PiecewiseConstantDecay final : public FieldsSchedule<PiecewiseConstantDecay, PiecewiseConstantDecayOptions> {
 public:
  // ValueError unless there is one more value than boundaries.
  explicit PiecewiseConstantDecay(Options options);
  static const config::Fields<Options>& fields();
  float operator()(std::int64_t step) const override;
};

struct CosineDecayOptions {
  Number initial_learning_rate;
  Number decay_steps;
  Number alpha = Number::real(0.0);
  std::string name = "CosineDecay";
  std::optional<Number> warmup_target;
  Number warmup_steps = Number::integer(0);
};
// Optional linear warmup from initial_learning_rate to warmup_target over warmup_steps, then
// cosine decay to alpha * (warmup_target or initial_learning_rate) over decay_steps.
class CosineDecay final : public FieldsSchedule<CosineDecay, CosineDecayOptions> {
 public:
  using FieldsSchedule::FieldsSchedule;
  static const config::Fields<Options>& fields();
  float operator()(std::int64_t step) const override;
};

struct CosineDecayRestartsOptions {
  Number initial_learning_rate;
  Number first_decay_steps;
  Number t_mul = Number::real(2.0);
  Number m_mul = Number::real(1.0);
  Number alpha = Number::real(0.0);
  std::string name = "SGDRDecay";
};
// SGDR: cosine decay over first_decay_steps, then warm restarts, each t_mul times longer and
// m_mul times lower.
class CosineDecayRestarts final : public FieldsSchedule<CosineDecayRestarts, CosineDecayRestartsOptions> {
 public:
  using FieldsSchedule::FieldsSchedule;
  static const config::Fields<Options>& fields();
  float operator()(std::int64_t step) const override;
};

}  // namespace schedules
}  // namespace kplug
#pragma GCC visibility pop
