// Registers the metrics (keras.metrics) with the names keras.metrics.get knows: class
// names, their snake_case forms, and the short aliases ("mse", "MAE", "bce", ...).
#include "builtins/catalog.hpp"
#include "kplug/metrics/builtin.hpp"
#include "kplug/state/saveable.hpp"

#include <initializer_list>
#include <string>

namespace kplug::detail {

namespace {
constexpr std::string_view kModule = "keras.metrics";

template <class T>
void add_metric(CatalogBuilder& builder) {
  builder.add_class<T>(kModule, {T::kClassName});
  const std::string snake = saving::to_snake_case(T::kClassName);
  if (snake != T::kClassName) builder.add_kind_alias(Kind::metric, snake, kModule, T::kClassName);
}
}  // namespace

void add_builtin_metrics(CatalogBuilder& builder) {
  using namespace metrics;
  add_metric<Mean>(builder);
  add_metric<Sum>(builder);
  add_metric<MeanMetricWrapper>(builder);
  add_metric<MeanSquaredError>(builder);
  add_metric<RootMeanSquaredError>(builder);
  add_metric<MeanAbsoluteError>(builder);
  add_metric<MeanAbsolutePercentageError>(builder);
  add_metric<MeanSquaredLogarithmicError>(builder);
  add_metric<CosineSimilarity>(builder);
  add_metric<LogCoshError>(builder);
  add_metric<R2Score>(builder);
  add_metric<AUC>(builder);
  add_metric<FalseNegatives>(builder);
  add_metric<FalsePositives>(builder);
  add_metric<Precision>(builder);
  add_metric<PrecisionAtRecall>(builder);
  add_metric<Recall>(builder);
  add_metric<RecallAtPrecision>(builder);
  add_metric<SensitivityAtSpecificity>(builder);
  add_metric<SpecificityAtSensitivity>(builder);
  add_metric<TrueNegatives>(builder);
  add_metric<TruePositives>(builder);
  add_metric<ConcordanceCorrelation>(builder);
  add_metric<PearsonCorrelation>(builder);
  add_metric<Hinge>(builder);
  add_metric<SquaredHinge>(builder);
  add_metric<CategoricalHinge>(builder);
  add_metric<KLDivergence>(builder);
  add_metric<Poisson>(builder);
  add_metric<BinaryCrossentropy>(builder);
  add_metric<CategoricalCrossentropy>(builder);
  add_metric<SparseCategoricalCrossentropy>(builder);
  add_metric<Accuracy>(builder);
  add_metric<BinaryAccuracy>(builder);
  add_metric<CategoricalAccuracy>(builder);
  add_metric<SparseCategoricalAccuracy>(builder);
  add_metric<TopKCategoricalAccuracy>(builder);
  add_metric<SparseTopKCategoricalAccuracy>(builder);
  add_metric<F1Score>(builder);
  add_metric<FBetaScore>(builder);
  add_metric<IoU>(builder);
  add_metric<BinaryIoU>(builder);
  add_metric<MeanIoU>(builder);
  add_metric<OneHotIoU>(builder);
  add_metric<OneHotMeanIoU>(builder);

  // keras/src/metrics/__init__.py's short names.
  struct Alias {
    std::string_view alias, target;
  };
  for (const Alias& a : std::initializer_list<Alias>{{"bce", "BinaryCrossentropy"},
                                                     {"BCE", "BinaryCrossentropy"},
                                                     {"mse", "MeanSquaredError"},
                                                     {"MSE", "MeanSquaredError"},
                                                     {"mae", "MeanAbsoluteError"},
                                                     {"MAE", "MeanAbsoluteError"},
                                                     {"mape", "MeanAbsolutePercentageError"},
                                                     {"MAPE", "MeanAbsolutePercentageError"},
                                                     {"msle", "MeanSquaredLogarithmicError"},
                                                     {"MSLE", "MeanSquaredLogarithmicError"}}) {
    builder.add_kind_alias(Kind::metric, a.alias, kModule, a.target);
  }
}

}  // namespace kplug::detail
