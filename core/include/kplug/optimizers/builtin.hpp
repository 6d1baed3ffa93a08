// The built-in optimizers (keras.optimizers), their own config keys and their slots.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/optimizers/optimizer.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::optimizers {

// from_config and get_config through one field list (Derived::own_fields()); Derived names
// its class (kClassName) and auto name (kDefaultName) and builds its slots.
template <class Derived, class OptionsT>
class BasicOptimizer : public Optimizer {
 public:
  using Options = OptionsT;
  const Options& options() const noexcept { return options_; }
  static std::shared_ptr<Derived> from_config(const boost::json::object& config, DeserializationContext& context) {
    return std::make_shared<Derived>(read_options(Derived::own_fields(), config, context, Derived::kClassName));
  }
  std::string class_name() const override { return Derived::kClassName; }

 protected:
  explicit BasicOptimizer(Options args) : Optimizer(args, Derived::kDefaultName), options_(std::move(args)) {}
  void add_config(boost::json::object& config) const override { Derived::own_fields().write_into(options_, config); }

 private:
  Options options_;
};

// Declares a built-in optimizer: its options, Keras names (the class name, its auto name),
// its own field list, constructor and slots.
#define KPLUG_DECLARE_OPTIMIZER(Class, OptionsType, default_name)         \
  class Class final : public BasicOptimizer<Class, OptionsType> {         \
   public:                                                                \
    static constexpr const char* kClassName = #Class;                     \
    static constexpr const char* kDefaultName = default_name;             \
    static const config::Fields<OptionsType>& own_fields();               \
    explicit Class(Options args) : BasicOptimizer(std::move(args)) {}     \
                                                                          \
   protected:                                                             \
    void build_slots(const std::vector<VariablePtr>& trainable) override; \
  }

struct AdamOptions : OptimizerOptions {
  Number beta_1 = Number::real(0.9);
  Number beta_2 = Number::real(0.999);
  Number epsilon = Number::real(1e-7);
  bool amsgrad = false;
};
// Slots per variable: momentum, velocity; with amsgrad, every velocity_hat after those.
KPLUG_DECLARE_OPTIMIZER(Adam, AdamOptions, "adam");

struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = Number::real(0.004); }
};
KPLUG_DECLARE_OPTIMIZER(AdamW, AdamWOptions, "adam_w");

struct SGDOptions : OptimizerOptions {
  SGDOptions() { learning_rate.value = 0.01f; }
  Number momentum = Number::real(0.0);
  bool nesterov = false;
};
// A momentum slot per variable when momentum != 0.
KPLUG_DECLARE_OPTIMIZER(SGD, SGDOptions, "sgd");

struct RMSpropOptions : OptimizerOptions {
  Number rho = Number::real(0.9);
  Number momentum = Number::real(0.0);
  Number epsilon = Number::real(1e-7);
  bool centered = false;
};
// Every velocity, then (momentum > 0) every momentum, then (centered) every average_gradient.
KPLUG_DECLARE_OPTIMIZER(RMSprop, RMSpropOptions, "rm_sprop");

struct AdagradOptions : OptimizerOptions {
  Number initial_accumulator_value = Number::real(0.1);
  Number epsilon = Number::real(1e-7);
};
// An accumulator per variable, filled with initial_accumulator_value.
KPLUG_DECLARE_OPTIMIZER(Adagrad, AdagradOptions, "adagrad");

struct AdadeltaOptions : OptimizerOptions {
  Number rho = Number::real(0.95);
  Number epsilon = Number::real(1e-7);
};
// accumulated_grad, accumulated_delta_var per variable.
KPLUG_DECLARE_OPTIMIZER(Adadelta, AdadeltaOptions, "adadelta");

struct AdamaxOptions : OptimizerOptions {
  Number beta_1 = Number::real(0.9);
  Number beta_2 = Number::real(0.999);
  Number epsilon = Number::real(1e-7);
};
// momentum, norm per variable.
KPLUG_DECLARE_OPTIMIZER(Adamax, AdamaxOptions, "adamax");

struct NadamOptions : AdamaxOptions {};
// momentum, velocity per variable, then the scalar momentum-decay product `variable` (1.0).
KPLUG_DECLARE_OPTIMIZER(Nadam, NadamOptions, "nadam");

struct FtrlOptions : OptimizerOptions {
  Number learning_rate_power = Number::real(-0.5);
  Number initial_accumulator_value = Number::real(0.1);
  Number l1_regularization_strength = Number::real(0.0);
  Number l2_regularization_strength = Number::real(0.0);
  Number l2_shrinkage_regularization_strength = Number::real(0.0);
  Number beta = Number::real(0.0);
};
// accumulator (initial_accumulator_value), linear per variable.
KPLUG_DECLARE_OPTIMIZER(Ftrl, FtrlOptions, "ftrl");

struct LionOptions : OptimizerOptions {
  Number beta_1 = Number::real(0.9);
  Number beta_2 = Number::real(0.99);
};
// momentum per variable.
KPLUG_DECLARE_OPTIMIZER(Lion, LionOptions, "lion");

struct LambOptions : AdamaxOptions {};
// momentum, velocity per variable.
KPLUG_DECLARE_OPTIMIZER(Lamb, LambOptions, "lamb");

struct AdafactorOptions : OptimizerOptions {
  Number beta_2_decay = Number::real(-0.8);
  Number epsilon_1 = Number::real(1e-30);
  Number epsilon_2 = Number::real(1e-3);
  Number clip_threshold = Number::real(1.0);
  bool relative_step = true;
};
// Per variable: the factored row and column statistics (shape[:-1] and shape[:-2] +
// shape[-1:], both named after the variable; two int32 scalar placeholders outside the
// optimizer's scope for variables of rank < 2), then velocity.
KPLUG_DECLARE_OPTIMIZER(Adafactor, AdafactorOptions, "adafactor");

struct ScheduleFreeAdamWOptions : OptimizerOptions {
  ScheduleFreeAdamWOptions() { learning_rate.value = 0.0025f; }
  Number beta_1 = Number::real(0.9);
  Number beta_2 = Number::real(0.999);
  Number epsilon = Number::real(1e-8);
  std::int64_t warmup_steps = 0;
};
// momentum (a copy of the variable), velocity per variable.
KPLUG_DECLARE_OPTIMIZER(ScheduleFreeAdamW, ScheduleFreeAdamWOptions, "schedule_free_adam_w");

struct MuonOptions : OptimizerOptions {
  MuonOptions() { weight_decay = Number::real(0.004); }
  Number adam_beta_1 = Number::real(0.9);
  Number adam_beta_2 = Number::real(0.999);
  Number epsilon = Number::real(1e-7);
  std::vector<std::string> exclude_layers;
  Number muon_a = Number::real(3.4445);
  Number muon_b = Number::real(-4.775);
  Number muon_c = Number::real(2.0315);
  Number adam_lr_ratio = Number::integer(1);
  Number momentum = Number::real(0.95);
  std::int64_t ns_steps = 5;
  bool nesterov = true;
  bool exclude_embeddings = true;
  Number adam_weight_decay = Number::real(0.004);
  Number rms_rate = Number::real(0.2);
};
// Config only: its slots depend on which variables Muon treats with Adam (layer-name
// patterns, embeddings, ranks); build() throws NotSupportedError.
KPLUG_DECLARE_OPTIMIZER(Muon, MuonOptions, "muon");

// keras.optimizers.LossScaleOptimizer: a wrapper whose config is {name, inner_optimizer,
// initial_scale, dynamic_growth_steps} (none of the base keys). Config only: build() throws
// NotSupportedError.
class LossScaleOptimizer final : public Optimizer {
 public:
  struct Options {
    std::optional<std::string> name;
    OptimizerPtr inner_optimizer;
    Number initial_scale = Number::real(32768.0);
    std::int64_t dynamic_growth_steps = 2000;
  };
  explicit LossScaleOptimizer(Options args);
  static std::shared_ptr<LossScaleOptimizer> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
  boost::json::object get_config() const override;
  const Options& options() const noexcept { return options_; }

 protected:
  void add_config(boost::json::object& config) const override;
  void build_slots(const std::vector<VariablePtr>& trainable) override;

 private:
  Options options_;
};

#undef KPLUG_DECLARE_OPTIMIZER

}  // namespace kplug::optimizers
#pragma GCC visibility pop
