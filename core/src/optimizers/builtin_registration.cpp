// Registers the optimizers (keras.optimizers) and the learning-rate schedules
// (keras.optimizers.schedules), with the lower-case names keras.optimizers.get knows.
#include "builtins/catalog.hpp"
#include "kplug/optimizers/builtin.hpp"
#include "kplug/optimizers/schedules.hpp"

#include <string>

namespace kplug::detail {

namespace {
constexpr std::string_view kModule = "keras.optimizers";
constexpr std::string_view kSchedules = "keras.optimizers.schedules";

template <class T>
void add_optimizer(CatalogBuilder& builder, bool in_getter = true) {
  builder.add_class<T>(kModule, {T::kClassName});
  if (!in_getter) return;
  // keras/src/optimizers/__init__.py: ALL_OBJECTS_DICT = {cls.__name__.lower(): cls}
  std::string lower = T::kClassName;
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  builder.add_kind_alias(Kind::optimizer, lower, kModule, T::kClassName);
}
}  // namespace

void add_builtin_optimizers(CatalogBuilder& builder) {
  using namespace optimizers;
  add_optimizer<Adam>(builder);
  add_optimizer<SGD>(builder);
  add_optimizer<RMSprop>(builder);
  add_optimizer<Adadelta>(builder);
  add_optimizer<AdamW>(builder);
  add_optimizer<Adagrad>(builder);
  add_optimizer<Adamax>(builder);
  add_optimizer<Adafactor>(builder);
  add_optimizer<Muon>(builder);
  add_optimizer<Nadam>(builder);
  add_optimizer<Ftrl>(builder);
  add_optimizer<Lion>(builder);
  add_optimizer<ScheduleFreeAdamW>(builder);
  add_optimizer<Lamb>(builder, false);  // exported, but not in the getter's dict
  builder.add_class<LossScaleOptimizer>(kModule, {"LossScaleOptimizer"});
  builder.add_kind_alias(Kind::optimizer, "lossscaleoptimizer", kModule, "LossScaleOptimizer");

  using namespace schedules;
  builder.add_class<ExponentialDecay>(kSchedules, {"ExponentialDecay"});
  builder.add_class<PiecewiseConstantDecay>(kSchedules, {"PiecewiseConstantDecay"});
  builder.add_class<PolynomialDecay>(kSchedules, {"PolynomialDecay"});
  builder.add_class<InverseTimeDecay>(kSchedules, {"InverseTimeDecay"});
  builder.add_class<CosineDecay>(kSchedules, {"CosineDecay"});
  builder.add_class<CosineDecayRestarts>(kSchedules, {"CosineDecayRestarts"});
}

}  // namespace kplug::detail
