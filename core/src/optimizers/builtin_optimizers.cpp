// The built-in optimizers: their own config keys (in Keras's get_config order) and the slots
// their build() creates, in Keras's order.
#include "kplug/optimizers/builtin.hpp"

#include "kplug/errors.hpp"

namespace kplug::optimizers {

using config::field;

// ---- Adam / AdamW ----

const config::Fields<AdamOptions>& Adam::own_fields() {
  static const config::Fields<AdamOptions> f{
      field("beta_1", &AdamOptions::beta_1), field("beta_2", &AdamOptions::beta_2),
      field("epsilon", &AdamOptions::epsilon), field("amsgrad", &AdamOptions::amsgrad)};
  return f;
}

void Adam::build_slots(const std::vector<VariablePtr>& trainable) {
  add_slots(trainable, {"momentum", "velocity"});
  if (options().amsgrad) add_slots(trainable, {"velocity_hat"});
}

const config::Fields<AdamWOptions>& AdamW::own_fields() {
  static const config::Fields<AdamWOptions> f(Adam::own_fields());
  return f;
}

void AdamW::build_slots(const std::vector<VariablePtr>& trainable) {
  add_slots(trainable, {"momentum", "velocity"});
  if (options().amsgrad) add_slots(trainable, {"velocity_hat"});
}

// ---- SGD ----

const config::Fields<SGDOptions>& SGD::own_fields() {
  static const config::Fields<SGDOptions> f{field("momentum", &SGDOptions::momentum),
                                            field("nesterov", &SGDOptions::nesterov)};
  return f;
}

void SGD::build_slots(const std::vector<VariablePtr>& trainable) {
  if (options().momentum.value != 0) add_slots(trainable, {"momentum"});
}

// ---- RMSprop ----

const config::Fields<RMSpropOptions>& RMSprop::own_fields() {
  static const config::Fields<RMSpropOptions> f{
      field("rho", &RMSpropOptions::rho), field("momentum", &RMSpropOptions::momentum),
      field("epsilon", &RMSpropOptions::epsilon), field("centered", &RMSpropOptions::centered)};
  return f;
}

void RMSprop::build_slots(const std::vector<VariablePtr>& trainable) {
  add_slots(trainable, {"velocity"});
  if (options().momentum.value > 0) add_slots(trainable, {"momentum"});
  if (options().centered) add_slots(trainable, {"average_gradient"});
}

// ---- Adagrad ----

const config::Fields<AdagradOptions>& Adagrad::own_fields() {
  static const config::Fields<AdagradOptions> f{
      field("initial_accumulator_value", &AdagradOptions::initial_accumulator_value),
      field("epsilon", &AdagradOptions::epsilon)};
  return f;
}

void Adagrad::build_slots(const std::vector<VariablePtr>& trainable) {
  add_slots(trainable, {"accumulator"}, to_float32(options().initial_accumulator_value.value));
}

// ---- Adadelta ----

const config::Fields<AdadeltaOptions>& Adadelta::own_fields() {
  static const config::Fields<AdadeltaOptions> f{field("rho", &AdadeltaOptions::rho),
                                                 field("epsilon", &AdadeltaOptions::epsilon)};
  return f;
}

void Adadelta::build_slots(const std::vector<VariablePtr>& trainable) {
  add_slots(trainable, {"accumulated_grad", "accumulated_delta_var"});
}

// ---- Adamax / Nadam / Lamb (beta_1, beta_2, epsilon) ----

const config::Fields<AdamaxOptions>& Adamax::own_fields() {
  static const config::Fields<AdamaxOptions> f{field("beta_1", &AdamaxOptions::beta_1),
                                               field("beta_2", &AdamaxOptions::beta_2),
                                               field("epsilon", &AdamaxOptions::epsilon)};
  return f;
}

void Adamax::build_slots(const std::vector<VariablePtr>& trainable) { add_slots(trainable, {"momentum", "norm"}); }

const config::Fields<NadamOptions>& Nadam::own_fields() {
  static const config::Fields<NadamOptions> f(Adamax::own_fields());
  return f;
}

void Nadam::build_slots(const std::vector<VariablePtr>& trainable) {
  add_slots(trainable, {"momentum", "velocity"});
  // Keras's bare backend.Variable(1.0): auto-named "variable", outside the optimizer's scope.
  add_unscoped_variable("variable", Tensor::scalar(1.0f));
}

const config::Fields<LambOptions>& Lamb::own_fields() {
  static const config::Fields<LambOptions> f(Adamax::own_fields());
  return f;
}

void Lamb::build_slots(const std::vector<VariablePtr>& trainable) { add_slots(trainable, {"momentum", "velocity"}); }

// ---- Ftrl ----

const config::Fields<FtrlOptions>& Ftrl::own_fields() {
  static const config::Fields<FtrlOptions> f{
      field("learning_rate_power", &FtrlOptions::learning_rate_power),
      field("initial_accumulator_value", &FtrlOptions::initial_accumulator_value),
      field("l1_regularization_strength", &FtrlOptions::l1_regularization_strength),
      field("l2_regularization_strength", &FtrlOptions::l2_regularization_strength),
      field("l2_shrinkage_regularization_strength", &FtrlOptions::l2_shrinkage_regularization_strength),
      field("beta", &FtrlOptions::beta)};
  return f;
}

void Ftrl::build_slots(const std::vector<VariablePtr>& trainable) {
  const float initial = to_float32(options().initial_accumulator_value.value);
  for (const auto& variable : trainable) {
    add_slot(*variable, "accumulator", initial);
    add_slot(*variable, "linear");
  }
}

// ---- Lion ----

const config::Fields<LionOptions>& Lion::own_fields() {
  static const config::Fields<LionOptions> f{field("beta_1", &LionOptions::beta_1),
                                             field("beta_2", &LionOptions::beta_2)};
  return f;
}

void Lion::build_slots(const std::vector<VariablePtr>& trainable) { add_slots(trainable, {"momentum"}); }

// ---- Adafactor ----

const config::Fields<AdafactorOptions>& Adafactor::own_fields() {
  static const config::Fields<AdafactorOptions> f{
      field("beta_2_decay", &AdafactorOptions::beta_2_decay), field("epsilon_1", &AdafactorOptions::epsilon_1),
      field("epsilon_2", &AdafactorOptions::epsilon_2), field("clip_threshold", &AdafactorOptions::clip_threshold),
      field("relative_step", &AdafactorOptions::relative_step)};
  return f;
}

void Adafactor::build_slots(const std::vector<VariablePtr>& trainable) {
  for (const auto& variable : trainable) {
    const Shape& shape = variable->shape();
    if (shape.size() < 2) {
      // Keras's placeholders: backend.Variable(0, name=var.name), int32 scalars.
      add_unscoped_variable(variable->name(), Tensor(Shape{}, DType::int32));
      add_unscoped_variable(variable->name(), Tensor(Shape{}, DType::int32));
    } else {
      const Shape rows(shape.begin(), shape.end() - 1);
      Shape columns(shape.begin(), shape.end() - 2);
      columns.push_back(shape.back());
      add_variable(variable->name(), Tensor(rows, 0.0f));
      add_variable(variable->name(), Tensor(columns, 0.0f));
    }
    add_slot(*variable, "velocity");
  }
}

// ---- ScheduleFreeAdamW ----

const config::Fields<ScheduleFreeAdamWOptions>& ScheduleFreeAdamW::own_fields() {
  using A = ScheduleFreeAdamWOptions;
  static const config::Fields<A> f{field("beta_1", &A::beta_1), field("beta_2", &A::beta_2),
                                   field("epsilon", &A::epsilon), field("warmup_steps", &A::warmup_steps)};
  return f;
}

void ScheduleFreeAdamW::build_slots(const std::vector<VariablePtr>& trainable) {
  for (const auto& variable : trainable) {
    add_slot_copy(*variable, "momentum");  // Keras starts the momentum at the variable's value
    add_slot(*variable, "velocity");
  }
}

// ---- Muon ----

const config::Fields<MuonOptions>& Muon::own_fields() {
  using A = MuonOptions;
  static const config::Fields<A> f{field("adam_beta_1", &A::adam_beta_1),
                                   field("adam_beta_2", &A::adam_beta_2),
                                   field("epsilon", &A::epsilon),
                                   field("exclude_layers", &A::exclude_layers).null_is_default(),
                                   field("muon_a", &A::muon_a),
                                   field("muon_b", &A::muon_b),
                                   field("muon_c", &A::muon_c),
                                   field("adam_lr_ratio", &A::adam_lr_ratio),
                                   field("momentum", &A::momentum),
                                   field("ns_steps", &A::ns_steps),
                                   field("nesterov", &A::nesterov),
                                   field("exclude_embeddings", &A::exclude_embeddings),
                                   field("adam_weight_decay", &A::adam_weight_decay),
                                   field("rms_rate", &A::rms_rate)};
  return f;
}

void Muon::build_slots(const std::vector<VariablePtr>& /*trainable*/) {
  throw NotSupportedError(
      "Muon: kplug reads and writes its config, but not its state yet (which variables get Adam slots depends "
      "on exclude_layers, exclude_embeddings and ranks)");
}

// ---- LossScaleOptimizer ----

namespace {
const config::Fields<LossScaleOptimizer::Options>& loss_scale_fields() {
  using A = LossScaleOptimizer::Options;
  static const config::Fields<A> f{
      field("name", &A::name).null_is_default(), field("inner_optimizer", &A::inner_optimizer).required(),
      field("initial_scale", &A::initial_scale), field("dynamic_growth_steps", &A::dynamic_growth_steps)};
  return f;
}

OptimizerOptions loss_scale_base(const LossScaleOptimizer::Options& args) {
  OptimizerOptions base;
  base.name = args.name;
  base.learning_rate.value = 0.0f;  // Keras passes learning_rate=0.0 to the base class
  return base;
}
}  // namespace

LossScaleOptimizer::LossScaleOptimizer(Options args)
    : Optimizer(loss_scale_base(args), "loss_scale_optimizer"), options_(std::move(args)) {
  if (!options_.inner_optimizer) throw ValueError("LossScaleOptimizer: `inner_optimizer` is required");
}

std::shared_ptr<LossScaleOptimizer> LossScaleOptimizer::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  return std::make_shared<LossScaleOptimizer>(loss_scale_fields().read(config, context, "LossScaleOptimizer"));
}

boost::json::object LossScaleOptimizer::get_config() const {
  Options written = options_;
  written.name = name();
  return loss_scale_fields().write(written);
}

void LossScaleOptimizer::add_config(boost::json::object& /*config*/) const {}

void LossScaleOptimizer::build_slots(const std::vector<VariablePtr>& /*trainable*/) {
  throw NotSupportedError("LossScaleOptimizer: kplug reads and writes its config, but not its state yet");
}

}  // namespace kplug::optimizers
