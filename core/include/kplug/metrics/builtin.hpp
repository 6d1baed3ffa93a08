// The built-in metrics (keras.metrics): configs in Keras 3.16's key order, and variables.
#pragma once

#include "kplug/losses.hpp"
#include "kplug/metrics/metric.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::metrics {

// ---- Mean-based metrics: variables total and count (Sum: total) ----

// A Mean-based metric whose config is {name, dtype}. `Tag` gives kClassName and kDefaultName.
template <class Tag>
class PlainMeanMetric final : public BasicMetric<PlainMeanMetric<Tag>, MetricArgs> {
 public:
  static constexpr const char* kClassName = Tag::kClassName;
  static constexpr const char* kDefaultName = Tag::kDefaultName;
  static constexpr const char* kDefaultDType = "float32";
  static const config::Fields<MetricArgs>& fields() {
    static const config::Fields<MetricArgs> f{name_field<MetricArgs>(), dtype_field<MetricArgs>()};
    return f;
  }
  explicit PlainMeanMetric(MetricArgs args) : BasicMetric<PlainMeanMetric<Tag>, MetricArgs>(std::move(args)) {
    this->add_variable("total", Shape{});
    this->add_variable("count", Shape{});
  }
};

namespace tags {
#define KPLUG_METRIC_TAG(Class, default_name)                 \
  struct Class {                                              \
    static constexpr const char* kClassName = #Class;         \
    static constexpr const char* kDefaultName = default_name; \
  }
KPLUG_METRIC_TAG(Mean, "mean");
KPLUG_METRIC_TAG(Accuracy, "accuracy");
KPLUG_METRIC_TAG(CategoricalAccuracy, "categorical_accuracy");
KPLUG_METRIC_TAG(SparseCategoricalAccuracy, "sparse_categorical_accuracy");
KPLUG_METRIC_TAG(MeanSquaredError, "mean_squared_error");
KPLUG_METRIC_TAG(MeanAbsoluteError, "mean_absolute_error");
KPLUG_METRIC_TAG(MeanAbsolutePercentageError, "mean_absolute_percentage_error");
KPLUG_METRIC_TAG(MeanSquaredLogarithmicError, "mean_squared_logarithmic_error");
KPLUG_METRIC_TAG(RootMeanSquaredError, "root_mean_squared_error");
KPLUG_METRIC_TAG(LogCoshError, "logcosh");
KPLUG_METRIC_TAG(Hinge, "hinge");
KPLUG_METRIC_TAG(SquaredHinge, "squared_hinge");
KPLUG_METRIC_TAG(CategoricalHinge, "categorical_hinge");
KPLUG_METRIC_TAG(KLDivergence, "kl_divergence");
KPLUG_METRIC_TAG(Poisson, "poisson");
#undef KPLUG_METRIC_TAG
}  // namespace tags

using Mean = PlainMeanMetric<tags::Mean>;
using Accuracy = PlainMeanMetric<tags::Accuracy>;
using CategoricalAccuracy = PlainMeanMetric<tags::CategoricalAccuracy>;
using SparseCategoricalAccuracy = PlainMeanMetric<tags::SparseCategoricalAccuracy>;
using MeanSquaredError = PlainMeanMetric<tags::MeanSquaredError>;
using MeanAbsoluteError = PlainMeanMetric<tags::MeanAbsoluteError>;
using MeanAbsolutePercentageError = PlainMeanMetric<tags::MeanAbsolutePercentageError>;
using MeanSquaredLogarithmicError = PlainMeanMetric<tags::MeanSquaredLogarithmicError>;
using RootMeanSquaredError = PlainMeanMetric<tags::RootMeanSquaredError>;
using LogCoshError = PlainMeanMetric<tags::LogCoshError>;
using Hinge = PlainMeanMetric<tags::Hinge>;
using SquaredHinge = PlainMeanMetric<tags::SquaredHinge>;
using CategoricalHinge = PlainMeanMetric<tags::CategoricalHinge>;
using KLDivergence = PlainMeanMetric<tags::KLDivergence>;
using Poisson = PlainMeanMetric<tags::Poisson>;

// Declares a metric class: Args type, Keras names, its field list and constructor.
#define KPLUG_DECLARE_METRIC(Class, ArgsType, default_name, default_dtype) \
  class Class final : public BasicMetric<Class, ArgsType> {                \
   public:                                                                 \
    static constexpr const char* kClassName = #Class;                      \
    static constexpr const char* kDefaultName = default_name;              \
    static constexpr const char* kDefaultDType = default_dtype;            \
    static const config::Fields<ArgsType>& fields();                       \
    explicit Class(ArgsType args);                                         \
  }

// total only.
KPLUG_DECLARE_METRIC(Sum, MetricArgs, "sum", "float32");

// CosineSimilarity takes `axis` but, as Keras, does not write it.
struct CosineSimilarityArgs : MetricArgs {
  std::int64_t axis = -1;
};
KPLUG_DECLARE_METRIC(CosineSimilarity, CosineSimilarityArgs, "cosine_similarity", "float32");

struct BinaryAccuracyArgs : MetricArgs {
  Number threshold = Number::real(0.5);
};
KPLUG_DECLARE_METRIC(BinaryAccuracy, BinaryAccuracyArgs, "binary_accuracy", "float32");

struct TopKArgs : MetricArgs {
  std::int64_t k = 5;
};
KPLUG_DECLARE_METRIC(TopKCategoricalAccuracy, TopKArgs, "top_k_categorical_accuracy", "float32");
struct SparseTopKArgs : TopKArgs {
  bool from_sorted_ids = false;  // written only when true, as Keras
};
KPLUG_DECLARE_METRIC(SparseTopKCategoricalAccuracy, SparseTopKArgs, "sparse_top_k_categorical_accuracy", "float32");

struct BinaryCrossentropyArgs : MetricArgs {
  bool from_logits = false;
  Number label_smoothing = Number::integer(0);
};
KPLUG_DECLARE_METRIC(BinaryCrossentropy, BinaryCrossentropyArgs, "binary_crossentropy", "float32");
struct CategoricalCrossentropyArgs : BinaryCrossentropyArgs {
  std::int64_t axis = -1;
};
KPLUG_DECLARE_METRIC(CategoricalCrossentropy, CategoricalCrossentropyArgs, "categorical_crossentropy", "float32");
struct SparseCategoricalCrossentropyArgs : MetricArgs {
  bool from_logits = false;
  std::optional<std::int64_t> ignore_class;
  std::int64_t axis = -1;
};
KPLUG_DECLARE_METRIC(SparseCategoricalCrossentropy, SparseCategoricalCrossentropyArgs,
                     "sparse_categorical_crossentropy", "float32");

struct CorrelationArgs : MetricArgs {
  std::int64_t axis = -1;
};
KPLUG_DECLARE_METRIC(PearsonCorrelation, CorrelationArgs, "pearson_correlation", "float32");
KPLUG_DECLARE_METRIC(ConcordanceCorrelation, CorrelationArgs, "concordance_correlation", "float32");

// A Mean of a function's per-sample values ({name, dtype, fn}).
struct MeanMetricWrapperArgs : MetricArgs {
  std::shared_ptr<Loss> fn;
};
class MeanMetricWrapper final : public BasicMetric<MeanMetricWrapper, MeanMetricWrapperArgs> {
 public:
  static constexpr const char* kClassName = "MeanMetricWrapper";
  static constexpr const char* kDefaultName = "mean_metric_wrapper";
  static constexpr const char* kDefaultDType = "float32";
  static const config::Fields<MeanMetricWrapperArgs>& fields();
  explicit MeanMetricWrapper(MeanMetricWrapperArgs args);
};

// ---- confusion-matrix metrics ----

struct ConditionCountArgs : MetricArgs {
  Thresholds thresholds;
};
// accumulator (len(thresholds),).
KPLUG_DECLARE_METRIC(TruePositives, ConditionCountArgs, "true_positives", "float32");
KPLUG_DECLARE_METRIC(FalsePositives, ConditionCountArgs, "false_positives", "float32");
KPLUG_DECLARE_METRIC(TrueNegatives, ConditionCountArgs, "true_negatives", "float32");
KPLUG_DECLARE_METRIC(FalseNegatives, ConditionCountArgs, "false_negatives", "float32");

struct PrecisionRecallArgs : MetricArgs {
  Thresholds thresholds;
  std::optional<std::int64_t> top_k;
  std::optional<std::int64_t> class_id;
};
// true_positives, false_positives (len(thresholds),).
KPLUG_DECLARE_METRIC(Precision, PrecisionRecallArgs, "precision", "float32");
// true_positives, false_negatives (len(thresholds),).
KPLUG_DECLARE_METRIC(Recall, PrecisionRecallArgs, "recall", "float32");

struct AUCArgs : MetricArgs {
  std::int64_t num_thresholds = 200;
  std::string curve = "ROC";
  std::string summation_method = "interpolation";
  bool multi_label = false;
  std::optional<std::int64_t> num_labels;
  std::optional<std::vector<Number>> label_weights;
  bool from_logits = false;
  std::optional<std::vector<Number>> thresholds;  // explicit thresholds: num_thresholds = len + 2
};
// true_positives, false_positives, true_negatives, false_negatives: (num_thresholds,), or
// (num_thresholds, num_labels) when multi_label (none until built without num_labels).
KPLUG_DECLARE_METRIC(AUC, AUCArgs, "auc", "float32");

struct SensitivitySpecificityArgs : MetricArgs {
  std::optional<std::int64_t> class_id;
  std::int64_t num_thresholds = 200;
  Number value = Number::real(0.5);  // recall / precision / specificity / sensitivity
};
// true_positives, false_positives, true_negatives, false_negatives (num_thresholds,).
KPLUG_DECLARE_METRIC(PrecisionAtRecall, SensitivitySpecificityArgs, "precision_at_recall", "float32");
KPLUG_DECLARE_METRIC(RecallAtPrecision, SensitivitySpecificityArgs, "recall_at_precision", "float32");
KPLUG_DECLARE_METRIC(SensitivityAtSpecificity, SensitivitySpecificityArgs, "sensitivity_at_specificity", "float32");
KPLUG_DECLARE_METRIC(SpecificityAtSensitivity, SensitivitySpecificityArgs, "specificity_at_sensitivity", "float32");

// ---- F-scores (variables created on the first update_state: none here) ----

struct FBetaScoreArgs : MetricArgs {
  std::optional<std::string> average;
  Number beta = Number::real(1.0);
  std::optional<Number> threshold;
};
KPLUG_DECLARE_METRIC(FBetaScore, FBetaScoreArgs, "fbeta_score", "float32");
KPLUG_DECLARE_METRIC(F1Score, FBetaScoreArgs, "f1_score", "float32");

// ---- R2Score: num_samples (int32 scalar); its per-class sums come with the first update ----

struct R2ScoreArgs : MetricArgs {
  std::string class_aggregation = "uniform_average";
  std::int64_t num_regressors = 0;
};
KPLUG_DECLARE_METRIC(R2Score, R2ScoreArgs, "r2_score", "float32");

// ---- IoU family: total_confusion_matrix (num_classes, num_classes) ----

struct IoUArgs : MetricArgs {
  std::int64_t num_classes = 0;
  std::vector<std::int64_t> target_class_ids;
  std::optional<std::int64_t> ignore_class;
  bool sparse_y_true = true;
  bool sparse_y_pred = true;
  std::int64_t axis = -1;
  Number threshold = Number::real(0.5);  // BinaryIoU
};
KPLUG_DECLARE_METRIC(IoU, IoUArgs, "io_u", "int32");
KPLUG_DECLARE_METRIC(BinaryIoU, IoUArgs, "binary_io_u", "int32");
KPLUG_DECLARE_METRIC(MeanIoU, IoUArgs, "mean_io_u", "int32");
KPLUG_DECLARE_METRIC(OneHotIoU, IoUArgs, "one_hot_io_u", "int32");
KPLUG_DECLARE_METRIC(OneHotMeanIoU, IoUArgs, "one_hot_mean_io_u", "int32");

#undef KPLUG_DECLARE_METRIC

}  // namespace kplug::metrics
#pragma GCC visibility pop
