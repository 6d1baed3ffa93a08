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
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class LearningRateSchedule : public Serializable {
 public:
  static constexpr Kind static_kind = Kind::learning_rate_schedule;
  ~LearningRateSchedule() override;
  Kind kind() const override { return static_kind; }
  // The learning rate at optimizer step `step` (Keras's `__call__`).
  virtual float operator()(std::int64_t step) const = 0;
};

using LearningRateSchedulePtr = std::shared_ptr<LearningRateSchedule>;

namespace schedules {

// initial_learning_rate * decay_rate ^ (step / decay_steps), the exponent floored when staircase.
class ExponentialDecay final : public LearningRateSchedule {
 public:
  struct Options {
    Number initial_learning_rate;
    Number decay_steps;
    Number decay_rate;
    bool staircase = false;
    std::string name = "ExponentialDecay";
  };
  explicit ExponentialDecay(Options args);
  static std::shared_ptr<ExponentialDecay> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
  boost::json::object get_config() const override;
  float operator()(std::int64_t step) const override;
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

// initial_learning_rate / (1 + decay_rate * step / decay_steps), the ratio floored when staircase.
class InverseTimeDecay final : public LearningRateSchedule {
 public:
  struct Options {
    Number initial_learning_rate;
    Number decay_steps;
    Number decay_rate;
    bool staircase = false;
    std::string name = "InverseTimeDecay";
  };
  explicit InverseTimeDecay(Options args);
  static std::shared_ptr<InverseTimeDecay> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
  boost::json::object get_config() const override;
  float operator()(std::int64_t step) const override;
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

// (initial - end) * (1 - step / decay_steps) ^ power + end; with cycle, decay_steps grows to
// the first multiple above step, else step stops at decay_steps.
class PolynomialDecay final : public LearningRateSchedule {
 public:
  struct Options {
    Number initial_learning_rate;
    Number decay_steps;
    Number end_learning_rate = Number::real(0.0001);
    Number power = Number::real(1.0);
    bool cycle = false;
    std::string name = "PolynomialDecay";
  };
  explicit PolynomialDecay(Options args);
  static std::shared_ptr<PolynomialDecay> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
  boost::json::object get_config() const override;
  float operator()(std::int64_t step) const override;
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

// values[0] while step <= boundaries[0], values[i] while step <= boundaries[i], values[-1] after.
class PiecewiseConstantDecay final : public LearningRateSchedule {
 public:
  struct Options {
    std::vector<Number> boundaries;
    std::vector<Number> values;
    std::string name = "PiecewiseConstant";
  };
  explicit PiecewiseConstantDecay(Options args);
  static std::shared_ptr<PiecewiseConstantDecay> from_config(const boost::json::object& config,
                                                             DeserializationContext& context);
  boost::json::object get_config() const override;
  float operator()(std::int64_t step) const override;
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

// Optional linear warmup from initial_learning_rate to warmup_target over warmup_steps, then
// cosine decay to alpha * (warmup_target or initial_learning_rate) over decay_steps.
class CosineDecay final : public LearningRateSchedule {
 public:
  struct Options {
    Number initial_learning_rate;
    Number decay_steps;
    Number alpha = Number::real(0.0);
    std::string name = "CosineDecay";
    std::optional<Number> warmup_target;
    Number warmup_steps = Number::integer(0);
  };
  explicit CosineDecay(Options args);
  static std::shared_ptr<CosineDecay> from_config(const boost::json::object& config, DeserializationContext& context);
  boost::json::object get_config() const override;
  float operator()(std::int64_t step) const override;
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

// SGDR: cosine decay over first_decay_steps, then warm restarts, each t_mul times longer and
// m_mul times lower.
class CosineDecayRestarts final : public LearningRateSchedule {
 public:
  struct Options {
    Number initial_learning_rate;
    Number first_decay_steps;
    Number t_mul = Number::real(2.0);
    Number m_mul = Number::real(1.0);
    Number alpha = Number::real(0.0);
    std::string name = "SGDRDecay";
  };
  explicit CosineDecayRestarts(Options args);
  static std::shared_ptr<CosineDecayRestarts> from_config(const boost::json::object& config,
                                                          DeserializationContext& context);
  boost::json::object get_config() const override;
  float operator()(std::int64_t step) const override;
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

}  // namespace schedules
}  // namespace kplug
#pragma GCC visibility pop
