// keras.optimizers: an optimizer's config and its state (Keras's BaseOptimizer).
//
// Configs: Keras's base keys (name, learning_rate, weight_decay, clipnorm, global_clipnorm,
// clipvalue, use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
// gradient_accumulation_steps), then each class's own keys, in Keras 3.16's order.
// learning_rate is a float32 value or a LearningRateSchedule.
//
// State: `variables()` in Keras's `optimizer.variables` order: iteration (int32 scalar),
// learning_rate (float32 scalar, absent with a schedule), then what build() creates: EMA
// averages and gradient accumulators (base), then the class's slots. Saved as
// "<path>/vars/0..N" (a compiled model's "optimizer/vars"). Update rules are not here.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/variable.hpp"
#include "kplug/number.hpp"
#include "kplug/object.hpp"
#include "kplug/optimizers/schedules.hpp"
#include "kplug/serialization.hpp"
#include "kplug/state/saveable.hpp"
#include "kplug/tensor.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// A float32 rate or a schedule.
struct LearningRate {
  float value = 0.001f;
  LearningRateSchedulePtr schedule;  // set: the rate is schedule(iteration)
};

// The keyword arguments every Keras optimizer takes.
struct OptimizerOptions {
  std::optional<std::string> name;  // absent or null: the class's snake_case name
  LearningRate learning_rate;
  std::optional<Number> weight_decay;
  std::optional<Number> clipnorm;
  std::optional<Number> global_clipnorm;
  std::optional<Number> clipvalue;
  bool use_ema = false;
  Number ema_momentum = Number::real(0.99);
  std::optional<std::int64_t> ema_overwrite_frequency;
  std::optional<Number> loss_scale_factor;
  std::optional<std::int64_t> gradient_accumulation_steps;
};

namespace config {
template <>
struct Codec<LearningRate> {
  static constexpr bool accepts_null = false;
  static LearningRate read(ConfigReader& r, std::string_view key, const boost::json::value& v);
  static boost::json::value write(const LearningRate& v);
};
}  // namespace config

// One optimizer variable: Keras's name and path ("adam/m_dense_kernel_momentum") and value.
struct OptimizerVariable {
  std::string name;
  std::string path;
  Tensor value;
};

class Optimizer : public SerializableOfKind<Kind::optimizer>, public saving::Saveable {
 public:
  ~Optimizer() override;

  const std::string& name() const noexcept { return name_; }
  const OptimizerOptions& base_options() const noexcept { return base_; }
  // The schedule, or null when the rate is a value.
  const LearningRateSchedulePtr& learning_rate_schedule() const noexcept { return base_.learning_rate.schedule; }
  // The current rate: the learning_rate variable, or schedule(iterations()).
  float learning_rate() const;
  // The iteration variable's value (Keras's `iterations`, divided by
  // gradient_accumulation_steps when set).
  std::int64_t iterations() const;

  // Creates the per-variable state for `trainable` (a model's trainable_weights, in order).
  // Once: a built optimizer ignores later calls, as Keras's build does.
  void build(const std::vector<VariablePtr>& trainable);
  bool built() const noexcept { return built_; }
  const std::vector<OptimizerVariable>& variables() const noexcept { return variables_; }

  // Base keys, then the class's own (add_config).
  boost::json::object get_config() const override;

  // ---- saving (Keras's save_own_variables / load_own_variables) ----
  void save_own_variables(saving::WeightsStore::Entry& store) const override;
  // A variable-count mismatch skips loading, as Keras (which only warns): the message is
  // kept in last_load_warning(). Shapes must match; float dtypes convert.
  void load_own_variables(const saving::WeightsStore::Entry& store) override;
  std::optional<std::string> saveable_name() const override { return name_; }
  const std::optional<std::string>& last_load_warning() const noexcept { return last_load_warning_; }

 protected:
  // `default_name`: Keras's auto_name of the class ("adam", "rm_sprop").
  Optimizer(OptimizerOptions base, std::string_view default_name);

  // The class's own config keys, after the base ones.
  virtual void add_config(boost::json::object& config) const = 0;
  // Creates the class's slots (after the base's EMA averages and accumulators).
  virtual void build_slots(const std::vector<VariablePtr>& trainable) = 0;

  // Keras's add_variable_from_reference: "<path with / -> _>_<slot>", the reference's shape.
  void add_slot(const Variable& reference, std::string_view slot, float initial = 0.0f);
  // The same, starting from a copy of the reference's value.
  void add_slot_copy(const Variable& reference, std::string_view slot);
  // Keras's add_optimizer_variables: for each variable, one slot per name (interleaved).
  void add_slots(const std::vector<VariablePtr>& trainable, std::initializer_list<std::string_view> slots,
                 float initial = 0.0f);
  // Keras's add_variable: a named variable under the optimizer's scope.
  void add_variable(std::string name, Tensor value);
  // A variable outside the optimizer's name scope (Keras's bare backend.Variable: path = name).
  void add_unscoped_variable(std::string name, Tensor value);

  // The arguments shared by every from_config: base fields, then `own`.
  template <class Options>
  static Options read_options(const config::Fields<Options>& own, const boost::json::object& config,
                              DeserializationContext& context, const std::string& class_name);
  static const config::Fields<OptimizerOptions>& base_fields();
  // Keras's checks of the base arguments (clip arguments exclusive, EMA ranges, ...).
  static void check_base(const OptimizerOptions& args, const std::string& class_name);

 private:
  OptimizerOptions base_;
  std::string name_;
  bool built_ = false;
  std::vector<OptimizerVariable> variables_;
  std::optional<std::string> last_load_warning_;
};

using OptimizerPtr = std::shared_ptr<Optimizer>;

template <class Options>
Options Optimizer::read_options(const config::Fields<Options>& own, const boost::json::object& config,
                                DeserializationContext& context, const std::string& class_name) {
  ConfigReader reader(config, context, class_name);
  Options args{};
  config::Fields<Options>(base_fields()).read_into(reader, args);
  own.read_into(reader, args);
  reader.raw("decay");  // Keras ignores the long-gone `decay` argument (with a warning)
  reader.finish();
  check_base(args, class_name);
  return args;
}

}  // namespace kplug
#pragma GCC visibility pop
