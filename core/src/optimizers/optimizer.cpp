// Keras's BaseOptimizer: base arguments, the iteration and learning_rate variables, build()
// and the positional save/load of `optimizer.variables`.
#include "kplug/optimizers/optimizer.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/partial_shape.hpp"

#include <algorithm>

namespace kplug {

namespace config {

LearningRate Codec<LearningRate>::read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
  LearningRate out;
  if (v.is_object() || v.is_string()) {
    out.schedule = r.context().object<LearningRateSchedule>(v, key);
    if (!out.schedule) r.fail(key, "expected a float or a learning rate schedule");
    return out;
  }
  if (!v.is_number()) {
    r.fail(key, "Argument `learning_rate` should be float, or an instance of LearningRateSchedule; got " +
                    std::string(json::type_name(v)));
  }
  out.value = to_float32(r.as_number(key, v).value);
  return out;
}

boost::json::value Codec<LearningRate>::write(const LearningRate& v) {
  if (v.schedule) return serialize(v.schedule);
  return static_cast<double>(v.value);  // the float32 variable's value, widened (Keras's float(var.numpy()))
}

}  // namespace config

Optimizer::~Optimizer() = default;

const config::Fields<OptimizerOptions>& Optimizer::base_fields() {
  using A = OptimizerOptions;
  static const config::Fields<A> f{config::field("name", &A::name).null_is_default(),
                                   config::field("learning_rate", &A::learning_rate),
                                   config::field("weight_decay", &A::weight_decay),
                                   config::field("clipnorm", &A::clipnorm),
                                   config::field("global_clipnorm", &A::global_clipnorm),
                                   config::field("clipvalue", &A::clipvalue),
                                   config::field("use_ema", &A::use_ema),
                                   config::field("ema_momentum", &A::ema_momentum),
                                   config::field("ema_overwrite_frequency", &A::ema_overwrite_frequency),
                                   config::field("loss_scale_factor", &A::loss_scale_factor),
                                   config::field("gradient_accumulation_steps", &A::gradient_accumulation_steps)};
  return f;
}

void Optimizer::check_base(const OptimizerOptions& a, const std::string& class_name) {
  const std::string where = class_name + ": ";
  if (a.gradient_accumulation_steps && *a.gradient_accumulation_steps < 2) {
    throw ValueError(where +
                     "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                     "gradient_accumulation_steps=" +
                     std::to_string(*a.gradient_accumulation_steps));
  }
  if (a.use_ema) {
    if (a.ema_momentum.value > 1 || a.ema_momentum.value < 0) {
      throw ValueError(where + "`ema_momentum` must be in the range [0, 1]. Received: ema_momentum=" +
                       json::write(a.ema_momentum.to_json()));
    }
    if (a.ema_overwrite_frequency && *a.ema_overwrite_frequency < 1) {
      throw ValueError(where +
                       "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                       "ema_overwrite_frequency=" +
                       std::to_string(*a.ema_overwrite_frequency));
    }
  }
  const int clips = int(a.clipnorm.has_value()) + int(a.clipvalue.has_value()) + int(a.global_clipnorm.has_value());
  if (clips > 1) {
    throw ValueError(where + "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set.");
  }
}

Optimizer::Optimizer(OptimizerOptions base, std::string_view default_name)
    : base_(std::move(base)), name_(base_.name.value_or(std::string(default_name))) {
  // Created at construction, as Keras's __init__ does: they exist (and load) before build().
  variables_.push_back({"iteration", name_ + "/iteration", Tensor(Shape{}, DType::int32)});
  if (!base_.learning_rate.schedule) {
    variables_.push_back({"learning_rate", name_ + "/learning_rate", Tensor::scalar(base_.learning_rate.value)});
  }
}

float Optimizer::learning_rate() const {
  if (base_.learning_rate.schedule) return (*base_.learning_rate.schedule)(iterations());
  return variables_[1].value.astype(DType::float32).values()[0];
}

std::int64_t Optimizer::iterations() const {
  const Tensor it = variables_[0].value.astype(DType::int64);
  const std::int64_t n = it.data_as<std::int64_t>()[0];
  if (base_.gradient_accumulation_steps) return n / *base_.gradient_accumulation_steps;
  return n;
}

void Optimizer::build(const std::vector<VariablePtr>& trainable) {
  if (built_) return;
  if (base_.use_ema) add_slots(trainable, {"average"});
  if (base_.gradient_accumulation_steps) add_slots(trainable, {"gradient_accumulator"});
  build_slots(trainable);
  built_ = true;
}

void Optimizer::add_slot(const Variable& reference, std::string_view slot, float initial) {
  std::string name = reference.path();
  std::replace(name.begin(), name.end(), '/', '_');
  name += "_";
  name += slot;
  add_variable(std::move(name), Tensor(reference.shape(), initial));
}

void Optimizer::add_slot_copy(const Variable& reference, std::string_view slot) {
  add_slot(reference, slot);
  variables_.back().value = reference.value().astype(DType::float32);
}

void Optimizer::add_slots(const std::vector<VariablePtr>& trainable, std::initializer_list<std::string_view> slots,
                          float initial) {
  for (const auto& variable : trainable) {
    for (std::string_view slot : slots) add_slot(*variable, slot, initial);
  }
}

void Optimizer::add_variable(std::string name, Tensor value) {
  std::string path = name_ + "/" + name;
  variables_.push_back({std::move(name), std::move(path), std::move(value)});
}

void Optimizer::add_unscoped_variable(std::string name, Tensor value) {
  std::string path = name;
  variables_.push_back({std::move(name), std::move(path), std::move(value)});
}

boost::json::object Optimizer::get_config() const {
  OptimizerOptions written = base_;
  written.name = name_;
  if (!written.learning_rate.schedule) {
    written.learning_rate.value = variables_[1].value.astype(DType::float32).values()[0];
  }
  boost::json::object config = base_fields().write(written);
  add_config(config);
  return config;
}

void Optimizer::save_own_variables(saving::WeightsStore::Entry& store) const {
  for (std::size_t i = 0; i < variables_.size(); ++i) store.set(i, variables_[i].value);
}

void Optimizer::load_own_variables(const saving::WeightsStore::Entry& store) {
  last_load_warning_.reset();
  const std::size_t stored = store.size();
  if (stored != variables_.size()) {
    std::string message = "Skipping variable loading for optimizer '" + name_ + "', because it has " +
                          std::to_string(variables_.size()) + " variables whereas the saved optimizer has " +
                          std::to_string(stored) + " variables. ";
    if (!built_) message += "This is likely because the optimizer has not been called/built yet.";
    last_load_warning_ = std::move(message);
    return;
  }
  std::vector<Tensor> values;
  values.reserve(stored);
  for (std::size_t i = 0; i < stored; ++i) {
    Tensor value = store.get(i);
    const OptimizerVariable& target = variables_[i];
    if (value.shape() != target.value.shape()) {
      throw ValueError(
          "The shape of the target variable and the shape of the target value in "
          "`variable.assign(value)` must match. variable.shape=" +
          shape_repr(target.value.shape()) + ", Received: value.shape=" + shape_repr(value.shape()) +
          ". Target variable: " + target.path + " (" + store.path() + "/" + std::to_string(i) + ")");
    }
    const bool both_float = is_floating(value.dtype()) && is_floating(target.value.dtype());
    const bool both_int = is_integer(value.dtype()) && is_integer(target.value.dtype());
    if (!both_float && !both_int) {
      throw ValueError("Optimizer '" + name_ + "': " + store.path() + "/" + std::to_string(i) + " holds " +
                       std::string(dtype_name(value.dtype())) + " values but variable '" + target.path + "' is " +
                       std::string(dtype_name(target.value.dtype())));
    }
    values.push_back(value.astype(target.value.dtype()));
  }
  for (std::size_t i = 0; i < stored; ++i) variables_[i].value = std::move(values[i]);
}

}  // namespace kplug
