// Registers the regression-family losses: classes, their function forms, and the short
// names of Keras's losses.get ("mse", "MAE", "kld", ...).
#include "kplug/losses/regression.hpp"
#include "losses/builtin_losses.hpp"

#include <initializer_list>
#include <string_view>

namespace kplug::detail {

namespace {
constexpr std::string_view kModule = "keras.losses";

void add_loss_function(CatalogBuilder& builder, std::string name, LossFunction::Fn fn) {
  builder.add_function(std::make_shared<LossFunction>(std::move(name), std::move(fn)), kModule);
}
}  // namespace

void add_regression_losses(CatalogBuilder& builder) {
  using namespace losses;
  builder.add_class<MeanSquaredError>(kModule, {"MeanSquaredError"});
  builder.add_class<MeanAbsoluteError>(kModule, {"MeanAbsoluteError"});
  builder.add_class<MeanAbsolutePercentageError>(kModule, {"MeanAbsolutePercentageError"});
  builder.add_class<MeanSquaredLogarithmicError>(kModule, {"MeanSquaredLogarithmicError"});
  builder.add_class<CosineSimilarity>(kModule, {"CosineSimilarity"});
  builder.add_class<Huber>(kModule, {"Huber"});
  builder.add_class<LogCosh>(kModule, {"LogCosh"});
  builder.add_class<Hinge>(kModule, {"Hinge"});
  builder.add_class<SquaredHinge>(kModule, {"SquaredHinge"});
  builder.add_class<CategoricalHinge>(kModule, {"CategoricalHinge"});
  builder.add_class<KLDivergence>(kModule, {"KLDivergence"});
  builder.add_class<Poisson>(kModule, {"Poisson"});
  builder.add_class<Dice>(kModule, {"Dice"});
  builder.add_class<Tversky>(kModule, {"Tversky"});
  builder.add_class<Circle>(kModule, {"Circle"});

  // Function forms with their default keyword arguments, as keras.losses exports them.
  add_loss_function(builder, "mean_squared_error", mean_squared_error);
  add_loss_function(builder, "mean_absolute_error", mean_absolute_error);
  add_loss_function(builder, "mean_absolute_percentage_error", mean_absolute_percentage_error);
  add_loss_function(builder, "mean_squared_logarithmic_error", mean_squared_logarithmic_error);
  add_loss_function(builder, "cosine_similarity",
                    [](const Tensor& t, const Tensor& p) { return cosine_similarity(t, p); });
  add_loss_function(builder, "huber", [](const Tensor& t, const Tensor& p) { return huber(t, p); });
  add_loss_function(builder, "log_cosh", log_cosh);
  add_loss_function(builder, "hinge", hinge);
  add_loss_function(builder, "squared_hinge", squared_hinge);
  add_loss_function(builder, "categorical_hinge", categorical_hinge);
  add_loss_function(builder, "kl_divergence", kl_divergence);
  add_loss_function(builder, "poisson", poisson);
  add_loss_function(builder, "dice", [](const Tensor& t, const Tensor& p) { return dice(t, p); });
  add_loss_function(builder, "tversky", [](const Tensor& t, const Tensor& p) { return tversky(t, p); });
  builder.add_function(std::make_shared<LossFunction>(
                           "circle", [](const Tensor& t, const Tensor& p) { return circle(t, p); },
                           [](const Tensor&, const Tensor&, const Tensor& losses) { return circle_mask(losses); }),
                       kModule);

  // keras/src/losses/__init__.py ALL_OBJECTS_DICT: short names only losses.get knows
  // ("bce"/"BCE" belong to the cross-entropy family).
  struct Alias {
    std::string_view alias, target;
  };
  for (const Alias& a : std::initializer_list<Alias>{{"mse", "mean_squared_error"},
                                                     {"MSE", "mean_squared_error"},
                                                     {"mae", "mean_absolute_error"},
                                                     {"MAE", "mean_absolute_error"},
                                                     {"mape", "mean_absolute_percentage_error"},
                                                     {"MAPE", "mean_absolute_percentage_error"},
                                                     {"msle", "mean_squared_logarithmic_error"},
                                                     {"MSLE", "mean_squared_logarithmic_error"},
                                                     {"kld", "kl_divergence"},
                                                     {"KLD", "kl_divergence"}}) {
    builder.add_kind_alias(Kind::loss, a.alias, kModule, a.target);
  }
}

}  // namespace kplug::detail
