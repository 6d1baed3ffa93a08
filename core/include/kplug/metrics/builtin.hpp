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
class PlainMeanMetric final : public BasicMetric<PlainMeanMetric<Tag>, MetricOptions> {
 public:
  static constexpr const char* kClassName = Tag::kClassName;
  static constexpr const char* kDefaultName = Tag::kDefaultName;
  static constexpr const char* kDefaultDType = "float32";
  static const config::Fields<MetricOptions>& fields() {
    static const config::Fields<MetricOptions> f{name_field<MetricOptions>(), dtype_field<MetricOptions>()};
    return f;
  }
  explicit PlainMeanMetric(MetricOptions args) : BasicMetric<PlainMeanMetric<Tag>, MetricOptions>(std::move(args)) {
    this->add_total_and_count();
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

// Declares a metric class: Options type, Keras names, its field list and constructor.
#define KPLUG_DECLARE_METRIC(Class, OptionsType, default_name, default_dtype) \
  class Class final : public BasicMetric<Class, OptionsType> {                \
   public:                                                                    \
    static constexpr const char* kClassName = #Class;                         \
    static constexpr const char* kDefaultName = default_name;                 \
    static constexpr const char* kDefaultDType = default_dtype;               \
    static const config::Fields<OptionsType>& fields();                       \
    explicit Class(OptionsType args);                                         \
  }

// total only.
KPLUG_DECLARE_METRIC(Sum, MetricOptions, "sum", "float32");

// CosineSimilarity takes `axis` but, as Keras, does not write it.
struct CosineSimilarityOptions : MetricOptions {
  std::int64_t axis = -1;
};
KPLUG_DECLARE_METRIC(CosineSimilarity, CosineSimilarityOptions, "cosine_similarity", "float32");

struct BinaryAccuracyOptions : MetricOptions {
  Number threshold = Number::real(0.5);
};
KPLUG_DECLARE_METRIC(BinaryAccuracy, BinaryAccuracyOptions, "binary_accuracy", "float32");

struct TopKOptions : MetricOptions {
  std::int64_t k = 5;
};
KPLUG_DECLARE_METRIC(TopKCategoricalAccuracy, TopKOptions, "top_k_categorical_accuracy", "float32");
struct SparseTopKOptions : TopKOptions {
  bool from_sorted_ids = false;  // written only when true, as Keras
};
KPLUG_DECLARE_METRIC(SparseTopKCategoricalAccuracy, SparseTopKOptions, "sparse_top_k_categorical_accuracy", "float32");

struct BinaryCrossentropyOptions : MetricOptions {
  bool from_logits = false;
  Number label_smoothing = Number::integer(0);
};
KPLUG_DECLARE_METRIC(BinaryCrossentropy, BinaryCrossentropyOptions, "binary_crossentropy", "float32");
struct CategoricalCrossentropyOptions : BinaryCrossentropyOptions {
  std::int64_t axis = -1;
};
KPLUG_DECLARE_METRIC(CategoricalCrossentropy, CategoricalCrossentropyOptions, "categorical_crossentropy", "float32");
struct SparseCategoricalCrossentropyOptions : MetricOptions {
  bool from_logits = false;
  std::optional<std::int64_t> ignore_class;
  std::int64_t axis = -1;
};
KPLUG_DECLARE_METRIC(SparseCategoricalCrossentropy, SparseCategoricalCrossentropyOptions,
                     "sparse_categorical_crossentropy", "float32");

struct CorrelationOptions : MetricOptions {
  std::int64_t axis = -1;
};
KPLUG_DECLARE_METRIC(PearsonCorrelation, CorrelationOptions, "pearson_correlation", "float32");
KPLUG_DECLARE_METRIC(ConcordanceCorrelation, CorrelationOptions, "concordance_correlation", "float32");

// A Mean of a function's per-sample values ({name, dtype, fn}).
struct MeanMetricWrapperOptions : MetricOptions {
  std::shared_ptr<Loss> fn;
};
class MeanMetricWrapper final : public BasicMetric<MeanMetricWrapper, MeanMetricWrapperOptions> {
 public:
  static constexpr const char* kClassName = "MeanMetricWrapper";
  static constexpr const char* kDefaultName = "mean_metric_wrapper";
  static constexpr const char* kDefaultDType = "float32";
  static const config::Fields<MeanMetricWrapperOptions>& fields();
  explicit MeanMetricWrapper(MeanMetricWrapperOptions args);
};

// ---- confusion-matrix metrics ----

struct ConditionCountOptions : MetricOptions {
  Thresholds thresholds;
};
// accumulator (len(thresholds),).
KPLUG_DECLARE_METRIC(TruePositives, ConditionCountOptions, "true_positives", "float32");
KPLUG_DECLARE_METRIC(FalsePositives, ConditionCountOptions, "false_positives", "float32");
KPLUG_DECLARE_METRIC(TrueNegatives, ConditionCountOptions, "true_negatives", "float32");
KPLUG_DECLARE_METRIC(FalseNegatives, ConditionCountOptions, "false_negatives", "float32");

struct PrecisionRecallOptions : MetricOptions {
  Thresholds thresholds;
  std::optional<std::int64_t> top_k;
  std::optional<std::int64_t> class_id;
};
// true_positives, false_positives (len(thresholds),).
KPLUG_DECLARE_METRIC(Precision, PrecisionRecallOptions, "precision", "float32");
// true_positives, false_negatives (len(thresholds),).
KPLUG_DECLARE_METRIC(Recall, PrecisionRecallOptions, "recall", "float32");

struct AUCOptions : MetricOptions {
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
KPLUG_DECLARE_METRIC(AUC, AUCOptions, "auc", "float32");

struct SensitivitySpecificityOptions : MetricOptions {
  std::optional<std::int64_t> class_id;
  std::int64_t num_thresholds = 200;
  Number value = Number::real(0.5);  // recall / precision / specificity / sensitivity
};
// true_positives, false_positives, true_negatives, false_negatives (num_thresholds,).
KPLUG_DECLARE_METRIC(PrecisionAtRecall, SensitivitySpecificityOptions, "precision_at_recall", "float32");
KPLUG_DECLARE_METRIC(RecallAtPrecision, SensitivitySpecificityOptions, "recall_at_precision", "float32");
KPLUG_DECLARE_METRIC(SensitivityAtSpecificity, SensitivitySpecificityOptions, "sensitivity_at_specificity", "float32");
KPLUG_DECLARE_METRIC(SpecificityAtSensitivity, SensitivitySpecificityOptions, "specificity_at_sensitivity", "float32");

// ---- F-scores (variables created on the first update_state: none here) ----

struct FBetaScoreOptions : MetricOptions {
  std::optional<std::string> average;
  Number beta = Number::real(1.0);
  std::optional<Number> threshold;
};
KPLUG_DECLARE_METRIC(FBetaScore, FBetaScoreOptions, "fbeta_score", "float32");
KPLUG_DECLARE_METRIC(F1Score, FBetaScoreOptions, "f1_score", "float32");

// ---- R2Score: num_samples (int32 scalar); its per-class sums come with the first update ----

struct R2ScoreOptions : MetricOptions {
  std::string class_aggregation = "uniform_average";
  std::int64_t num_regressors = 0;
};
KPLUG_DECLARE_METRIC(R2Score, R2ScoreOptions, "r2_score", "float32");

// ---- IoU family: total_confusion_matrix (num_classes, num_classes) ----

struct IoUOptions : MetricOptions {
  std::int64_t num_classes = 0;
  std::vector<std::int64_t> target_class_ids;
  std::optional<std::int64_t> ignore_class;
  bool sparse_y_true = true;
  bool sparse_y_pred = true;
  std::int64_t axis = -1;
  Number threshold = Number::real(0.5);  // BinaryIoU
};
KPLUG_DECLARE_METRIC(IoU, IoUOptions, "io_u", "int32");
KPLUG_DECLARE_METRIC(BinaryIoU, IoUOptions, "binary_io_u", "int32");
KPLUG_DECLARE_METRIC(MeanIoU, IoUOptions, "mean_io_u", "int32");
KPLUG_DECLARE_METRIC(OneHotIoU, IoUOptions, "one_hot_io_u", "int32");
KPLUG_DECLARE_METRIC(OneHotMeanIoU, IoUOptions, "one_hot_mean_io_u", "int32");

#undef KPLUG_DECLARE_METRIC

}  // namespace kplug::metrics
#pragma GCC visibility pop
