// The built-in metrics' field lists (Keras 3.16's get_config key order) and variables.
#include "kplug/metrics/builtin.hpp"

#include "kplug/errors.hpp"

namespace kplug::metrics {

using config::field;

namespace {
template <class Options>
config::Fields<Options> name_dtype() {
  return config::Fields<Options>{name_field<Options>(), dtype_field<Options>()};
}
}  // namespace

// ---- Mean-based ----

const config::Fields<MetricOptions>& Sum::fields() {
  static const config::Fields<MetricOptions> f = name_dtype<MetricOptions>();
  return f;
}
Sum::Sum(MetricOptions args) : BasicMetric(std::move(args)) { add_variable("total", Shape{}); }

const config::Fields<CosineSimilarityOptions>& CosineSimilarity::fields() {
  using A = CosineSimilarityOptions;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{config::Field<A>(field("axis", &A::axis).read_only())};
  return f;
}
CosineSimilarity::CosineSimilarity(CosineSimilarityOptions args) : BasicMetric(std::move(args)) {
  add_total_and_count();
}

const config::Fields<BinaryAccuracyOptions>& BinaryAccuracy::fields() {
  using A = BinaryAccuracyOptions;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("threshold", &A::threshold)};
  return f;
}
BinaryAccuracy::BinaryAccuracy(BinaryAccuracyOptions args) : BasicMetric(std::move(args)) { add_total_and_count(); }

const config::Fields<TopKOptions>& TopKCategoricalAccuracy::fields() {
  using A = TopKOptions;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("k", &A::k)};
  return f;
}
TopKCategoricalAccuracy::TopKCategoricalAccuracy(TopKOptions args) : BasicMetric(std::move(args)) {
  add_total_and_count();
}

const config::Fields<SparseTopKOptions>& SparseTopKCategoricalAccuracy::fields() {
  using A = SparseTopKOptions;
  static const config::Fields<A> f =
      name_dtype<A>() +
      config::Fields<A>{field("k", &A::k), field("from_sorted_ids", &A::from_sorted_ids).write_if([](const A& a) {
                          return a.from_sorted_ids;
                        })};
  return f;
}
SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(SparseTopKOptions args) : BasicMetric(std::move(args)) {
  add_total_and_count();
}

const config::Fields<BinaryCrossentropyOptions>& BinaryCrossentropy::fields() {
  using A = BinaryCrossentropyOptions;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("from_logits", &A::from_logits),
                                                                         field("label_smoothing", &A::label_smoothing)};
  return f;
}
BinaryCrossentropy::BinaryCrossentropy(BinaryCrossentropyOptions args) : BasicMetric(std::move(args)) {
  add_total_and_count();
}

const config::Fields<CategoricalCrossentropyOptions>& CategoricalCrossentropy::fields() {
  using A = CategoricalCrossentropyOptions;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("from_logits", &A::from_logits),
                                          field("label_smoothing", &A::label_smoothing), field("axis", &A::axis)};
  return f;
}
CategoricalCrossentropy::CategoricalCrossentropy(CategoricalCrossentropyOptions args) : BasicMetric(std::move(args)) {
  add_total_and_count();
}

const config::Fields<SparseCategoricalCrossentropyOptions>& SparseCategoricalCrossentropy::fields() {
  using A = SparseCategoricalCrossentropyOptions;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("from_logits", &A::from_logits),
                                          field("ignore_class", &A::ignore_class), field("axis", &A::axis)};
  return f;
}
SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions args)
    : BasicMetric(std::move(args)) {
  add_total_and_count();
}

namespace {
const config::Fields<CorrelationOptions>& correlation_fields() {
  using A = CorrelationOptions;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("axis", &A::axis)};
  return f;
}
}  // namespace

const config::Fields<CorrelationOptions>& PearsonCorrelation::fields() { return correlation_fields(); }
PearsonCorrelation::PearsonCorrelation(CorrelationOptions args) : BasicMetric(std::move(args)) {
  add_total_and_count();
}
const config::Fields<CorrelationOptions>& ConcordanceCorrelation::fields() { return correlation_fields(); }
ConcordanceCorrelation::ConcordanceCorrelation(CorrelationOptions args) : BasicMetric(std::move(args)) {
  add_total_and_count();
}

const config::Fields<MeanMetricWrapperOptions>& MeanMetricWrapper::fields() {
  using A = MeanMetricWrapperOptions;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("fn", &A::fn).required()};
  return f;
}
MeanMetricWrapper::MeanMetricWrapper(MeanMetricWrapperOptions args) : BasicMetric(std::move(args)) {
  if (!this->options().fn) throw ValueError("MeanMetricWrapper: `fn` must be a function, got null");
  add_total_and_count();
}

// ---- confusion-matrix metrics ----

namespace {
const config::Fields<ConditionCountOptions>& condition_count_fields() {
  using A = ConditionCountOptions;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("thresholds", &A::thresholds)};
  return f;
}
std::int64_t count_of(const Thresholds& t) { return static_cast<std::int64_t>(t.count()); }
}  // namespace

const config::Fields<ConditionCountOptions>& TruePositives::fields() { return condition_count_fields(); }
TruePositives::TruePositives(ConditionCountOptions args) : BasicMetric(std::move(args)) {
  add_variable("accumulator", Shape{count_of(this->options().thresholds)});
}
const config::Fields<ConditionCountOptions>& FalsePositives::fields() { return condition_count_fields(); }
FalsePositives::FalsePositives(ConditionCountOptions args) : BasicMetric(std::move(args)) {
  add_variable("accumulator", Shape{count_of(this->options().thresholds)});
}
const config::Fields<ConditionCountOptions>& TrueNegatives::fields() { return condition_count_fields(); }
TrueNegatives::TrueNegatives(ConditionCountOptions args) : BasicMetric(std::move(args)) {
  add_variable("accumulator", Shape{count_of(this->options().thresholds)});
}
const config::Fields<ConditionCountOptions>& FalseNegatives::fields() { return condition_count_fields(); }
FalseNegatives::FalseNegatives(ConditionCountOptions args) : BasicMetric(std::move(args)) {
  add_variable("accumulator", Shape{count_of(this->options().thresholds)});
}

namespace {
const config::Fields<PrecisionRecallOptions>& precision_recall_fields() {
  using A = PrecisionRecallOptions;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("thresholds", &A::thresholds), field("top_k", &A::top_k),
                                          field("class_id", &A::class_id)};
  return f;
}
}  // namespace

const config::Fields<PrecisionRecallOptions>& Precision::fields() { return precision_recall_fields(); }
Precision::Precision(PrecisionRecallOptions args) : BasicMetric(std::move(args)) {
  const Shape shape{count_of(this->options().thresholds)};
  add_variable("true_positives", shape);
  add_variable("false_positives", shape);
}
const config::Fields<PrecisionRecallOptions>& Recall::fields() { return precision_recall_fields(); }
Recall::Recall(PrecisionRecallOptions args) : BasicMetric(std::move(args)) {
  const Shape shape{count_of(this->options().thresholds)};
  add_variable("true_positives", shape);
  add_variable("false_negatives", shape);
}

const config::Fields<AUCOptions>& AUC::fields() {
  using A = AUCOptions;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("num_thresholds", &A::num_thresholds).check(config::at_least(2)),
                                          field("curve", &A::curve).check(config::one_of({"ROC", "PR"})),
                                          field("summation_method", &A::summation_method)
                                              .check(config::one_of({"interpolation", "minoring", "majoring"})),
                                          field("multi_label", &A::multi_label),
                                          field("num_labels", &A::num_labels),
                                          field("label_weights", &A::label_weights),
                                          field("from_logits", &A::from_logits),
                                          field("thresholds", &A::thresholds).write_if([](const A& a) {
                                            return a.thresholds.has_value();
                                          })};
  return f;
}
AUC::AUC(AUCOptions args) : BasicMetric(std::move(args)) {
  const auto& a = this->options();
  // Keras: explicit thresholds get the two end points added.
  const std::int64_t n = a.thresholds ? static_cast<std::int64_t>(a.thresholds->size()) + 2 : a.num_thresholds;
  if (a.multi_label && !a.num_labels) return;  // built on the first update_state, as Keras
  const Shape shape = a.multi_label ? Shape{n, *a.num_labels} : Shape{n};
  for (const char* v : {"true_positives", "false_positives", "true_negatives", "false_negatives"}) {
    add_variable(v, shape);
  }
}

namespace {
config::Fields<SensitivitySpecificityOptions> sensitivity_fields(const char* value_key) {
  using A = SensitivitySpecificityOptions;
  return name_dtype<A>() + config::Fields<A>{field("class_id", &A::class_id),
                                             field("num_thresholds", &A::num_thresholds).check(config::at_least(1)),
                                             field(value_key, &A::value).required().check(config::in_range(0, 1))};
}
void add_four_counts(std::int64_t n, const std::function<void(std::string, Shape)>& add) {
  for (const char* v : {"true_positives", "false_positives", "true_negatives", "false_negatives"}) add(v, Shape{n});
}
}  // namespace

#define KPLUG_SENSITIVITY_METRIC(Class, key)                                                                 \
  const config::Fields<SensitivitySpecificityOptions>& Class::fields() {                                     \
    static const config::Fields<SensitivitySpecificityOptions> f = sensitivity_fields(key);                  \
    return f;                                                                                                \
  }                                                                                                          \
  Class::Class(SensitivitySpecificityOptions args) : BasicMetric(std::move(args)) {                          \
    add_four_counts(this->options().num_thresholds, [this](std::string n, Shape s) { add_variable(n, s); }); \
  }
KPLUG_SENSITIVITY_METRIC(PrecisionAtRecall, "recall")
KPLUG_SENSITIVITY_METRIC(RecallAtPrecision, "precision")
KPLUG_SENSITIVITY_METRIC(SensitivityAtSpecificity, "specificity")
KPLUG_SENSITIVITY_METRIC(SpecificityAtSensitivity, "sensitivity")
#undef KPLUG_SENSITIVITY_METRIC

// ---- F-scores ----

namespace {
config::Check<std::optional<std::string>> average_choices() {
  auto inner = config::one_of({"micro", "macro", "weighted"});
  return [inner](const std::optional<std::string>& v) { return v ? inner(*v) : std::string(); };
}
}  // namespace

const config::Fields<FBetaScoreOptions>& FBetaScore::fields() {
  using A = FBetaScoreOptions;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("average", &A::average).check(average_choices()),
                                          field("beta", &A::beta).check(config::positive()),
                                          field("threshold", &A::threshold)};
  return f;
}
FBetaScore::FBetaScore(FBetaScoreOptions args) : BasicMetric(std::move(args)) {}

const config::Fields<FBetaScoreOptions>& F1Score::fields() {
  using A = FBetaScoreOptions;
  // Keras's F1Score writes no beta (it is 1) and refuses one.
  static const config::Fields<A> f =
      name_dtype<A>() +
      config::Fields<A>{field("average", &A::average).check(average_choices()), field("threshold", &A::threshold)};
  return f;
}
F1Score::F1Score(FBetaScoreOptions args) : BasicMetric(std::move(args)) {}

// ---- R2Score ----

const config::Fields<R2ScoreOptions>& R2Score::fields() {
  using A = R2ScoreOptions;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("class_aggregation", &A::class_aggregation)
                                              .check(config::one_of({"uniform_average", "variance_weighted_average"})),
                                          field("num_regressors", &A::num_regressors).check(config::at_least(0))};
  return f;
}
R2Score::R2Score(R2ScoreOptions args) : BasicMetric(std::move(args)) {
  add_variable("num_samples", Shape{}, DType::int32);
}

// ---- IoU family ----

namespace {
using IA = IoUOptions;
config::Field<IA> num_classes_field() {
  return config::Field<IA>(field("num_classes", &IA::num_classes).required().check(config::at_least(1)));
}
config::Field<IA> target_ids_field() { return field("target_class_ids", &IA::target_class_ids).required(); }
config::Field<IA> ignore_field() { return field("ignore_class", &IA::ignore_class); }
config::Field<IA> sparse_true_field() { return field("sparse_y_true", &IA::sparse_y_true); }
config::Field<IA> sparse_pred_field() { return field("sparse_y_pred", &IA::sparse_y_pred); }
config::Field<IA> axis_field() { return field("axis", &IA::axis); }

void check_targets(const IoUOptions& a, const std::string& class_name) {
  for (std::int64_t id : a.target_class_ids) {
    if (id < 0 || id >= a.num_classes) {
      throw ValueError(class_name + ": target class id " + std::to_string(id) + " is out of range, which is [0, " +
                       std::to_string(a.num_classes) + ").");
    }
  }
}
}  // namespace

const config::Fields<IoUOptions>& IoU::fields() {
  static const config::Fields<IA> f{name_field<IA>(), dtype_field<IA>(),   num_classes_field(), target_ids_field(),
                                    ignore_field(),   sparse_true_field(), sparse_pred_field(), axis_field()};
  return f;
}
IoU::IoU(IoUOptions args) : BasicMetric(std::move(args)) {
  check_targets(this->options(), "IoU");
  add_variable("total_confusion_matrix", Shape{this->options().num_classes, this->options().num_classes});
}

const config::Fields<IoUOptions>& BinaryIoU::fields() {
  static const config::Fields<IA> f{field("target_class_ids", &IA::target_class_ids, std::vector<std::int64_t>{0, 1}),
                                    field("threshold", &IA::threshold), name_field<IA>(), dtype_field<IA>()};
  return f;
}
BinaryIoU::BinaryIoU(IoUOptions args)
    : BasicMetric([&] {
        args.num_classes = 2;
        return std::move(args);
      }()) {
  check_targets(this->options(), "BinaryIoU");
  add_variable("total_confusion_matrix", Shape{2, 2});
}

const config::Fields<IoUOptions>& MeanIoU::fields() {
  static const config::Fields<IA> f{num_classes_field(), name_field<IA>(),    dtype_field<IA>(), ignore_field(),
                                    sparse_true_field(), sparse_pred_field(), axis_field()};
  return f;
}
MeanIoU::MeanIoU(IoUOptions args) : BasicMetric(std::move(args)) {
  add_variable("total_confusion_matrix", Shape{this->options().num_classes, this->options().num_classes});
}

const config::Fields<IoUOptions>& OneHotIoU::fields() {
  static const config::Fields<IA> f{num_classes_field(), target_ids_field(),  name_field<IA>(), dtype_field<IA>(),
                                    ignore_field(),      sparse_pred_field(), axis_field()};
  return f;
}
OneHotIoU::OneHotIoU(IoUOptions args) : BasicMetric(std::move(args)) {
  check_targets(this->options(), "OneHotIoU");
  add_variable("total_confusion_matrix", Shape{this->options().num_classes, this->options().num_classes});
}

const config::Fields<IoUOptions>& OneHotMeanIoU::fields() {
  static const config::Fields<IA> f{num_classes_field(), name_field<IA>(),    dtype_field<IA>(),
                                    ignore_field(),      sparse_pred_field(), axis_field()};
  return f;
}
OneHotMeanIoU::OneHotMeanIoU(IoUOptions args) : BasicMetric(std::move(args)) {
  add_variable("total_confusion_matrix", Shape{this->options().num_classes, this->options().num_classes});
}

}  // namespace kplug::metrics
