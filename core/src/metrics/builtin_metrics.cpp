// The built-in metrics' field lists (Keras 3.16's get_config key order) and variables.
#include "kplug/metrics/builtin.hpp"

#include "kplug/errors.hpp"

namespace kplug::metrics {

using config::field;

namespace {
template <class Args>
config::Fields<Args> name_dtype() {
  return config::Fields<Args>{name_field<Args>(), dtype_field<Args>()};
}
}  // namespace

// ---- Mean-based ----

const config::Fields<MetricArgs>& Sum::fields() {
  static const config::Fields<MetricArgs> f = name_dtype<MetricArgs>();
  return f;
}
Sum::Sum(MetricArgs args) : BasicMetric(std::move(args)) { add_variable("total", Shape{}); }

const config::Fields<CosineSimilarityArgs>& CosineSimilarity::fields() {
  using A = CosineSimilarityArgs;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{config::Field<A>(field("axis", &A::axis).read_only())};
  return f;
}
CosineSimilarity::CosineSimilarity(CosineSimilarityArgs args) : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

const config::Fields<BinaryAccuracyArgs>& BinaryAccuracy::fields() {
  using A = BinaryAccuracyArgs;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("threshold", &A::threshold)};
  return f;
}
BinaryAccuracy::BinaryAccuracy(BinaryAccuracyArgs args) : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

const config::Fields<TopKArgs>& TopKCategoricalAccuracy::fields() {
  using A = TopKArgs;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("k", &A::k)};
  return f;
}
TopKCategoricalAccuracy::TopKCategoricalAccuracy(TopKArgs args) : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

const config::Fields<SparseTopKArgs>& SparseTopKCategoricalAccuracy::fields() {
  using A = SparseTopKArgs;
  static const config::Fields<A> f =
      name_dtype<A>() +
      config::Fields<A>{field("k", &A::k), field("from_sorted_ids", &A::from_sorted_ids).write_if([](const A& a) {
                          return a.from_sorted_ids;
                        })};
  return f;
}
SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(SparseTopKArgs args) : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

const config::Fields<BinaryCrossentropyArgs>& BinaryCrossentropy::fields() {
  using A = BinaryCrossentropyArgs;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("from_logits", &A::from_logits),
                                                                         field("label_smoothing", &A::label_smoothing)};
  return f;
}
BinaryCrossentropy::BinaryCrossentropy(BinaryCrossentropyArgs args) : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

const config::Fields<CategoricalCrossentropyArgs>& CategoricalCrossentropy::fields() {
  using A = CategoricalCrossentropyArgs;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("from_logits", &A::from_logits),
                                          field("label_smoothing", &A::label_smoothing), field("axis", &A::axis)};
  return f;
}
CategoricalCrossentropy::CategoricalCrossentropy(CategoricalCrossentropyArgs args) : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

const config::Fields<SparseCategoricalCrossentropyArgs>& SparseCategoricalCrossentropy::fields() {
  using A = SparseCategoricalCrossentropyArgs;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("from_logits", &A::from_logits),
                                          field("ignore_class", &A::ignore_class), field("axis", &A::axis)};
  return f;
}
SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(SparseCategoricalCrossentropyArgs args)
    : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

namespace {
const config::Fields<CorrelationArgs>& correlation_fields() {
  using A = CorrelationArgs;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("axis", &A::axis)};
  return f;
}
}  // namespace

const config::Fields<CorrelationArgs>& PearsonCorrelation::fields() { return correlation_fields(); }
PearsonCorrelation::PearsonCorrelation(CorrelationArgs args) : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}
const config::Fields<CorrelationArgs>& ConcordanceCorrelation::fields() { return correlation_fields(); }
ConcordanceCorrelation::ConcordanceCorrelation(CorrelationArgs args) : BasicMetric(std::move(args)) {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

const config::Fields<MeanMetricWrapperArgs>& MeanMetricWrapper::fields() {
  using A = MeanMetricWrapperArgs;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("fn", &A::fn).required()};
  return f;
}
MeanMetricWrapper::MeanMetricWrapper(MeanMetricWrapperArgs args) : BasicMetric(std::move(args)) {
  if (!this->args().fn) throw ValueError("MeanMetricWrapper: `fn` must be a function, got null");
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

// ---- confusion-matrix metrics ----

namespace {
const config::Fields<ConditionCountArgs>& condition_count_fields() {
  using A = ConditionCountArgs;
  static const config::Fields<A> f = name_dtype<A>() + config::Fields<A>{field("thresholds", &A::thresholds)};
  return f;
}
std::int64_t count_of(const Thresholds& t) { return static_cast<std::int64_t>(t.count()); }
}  // namespace

const config::Fields<ConditionCountArgs>& TruePositives::fields() { return condition_count_fields(); }
TruePositives::TruePositives(ConditionCountArgs args) : BasicMetric(std::move(args)) {
  add_variable("accumulator", Shape{count_of(this->args().thresholds)});
}
const config::Fields<ConditionCountArgs>& FalsePositives::fields() { return condition_count_fields(); }
FalsePositives::FalsePositives(ConditionCountArgs args) : BasicMetric(std::move(args)) {
  add_variable("accumulator", Shape{count_of(this->args().thresholds)});
}
const config::Fields<ConditionCountArgs>& TrueNegatives::fields() { return condition_count_fields(); }
TrueNegatives::TrueNegatives(ConditionCountArgs args) : BasicMetric(std::move(args)) {
  add_variable("accumulator", Shape{count_of(this->args().thresholds)});
}
const config::Fields<ConditionCountArgs>& FalseNegatives::fields() { return condition_count_fields(); }
FalseNegatives::FalseNegatives(ConditionCountArgs args) : BasicMetric(std::move(args)) {
  add_variable("accumulator", Shape{count_of(this->args().thresholds)});
}

namespace {
const config::Fields<PrecisionRecallArgs>& precision_recall_fields() {
  using A = PrecisionRecallArgs;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("thresholds", &A::thresholds), field("top_k", &A::top_k),
                                          field("class_id", &A::class_id)};
  return f;
}
}  // namespace

const config::Fields<PrecisionRecallArgs>& Precision::fields() { return precision_recall_fields(); }
Precision::Precision(PrecisionRecallArgs args) : BasicMetric(std::move(args)) {
  const Shape shape{count_of(this->args().thresholds)};
  add_variable("true_positives", shape);
  add_variable("false_positives", shape);
}
const config::Fields<PrecisionRecallArgs>& Recall::fields() { return precision_recall_fields(); }
Recall::Recall(PrecisionRecallArgs args) : BasicMetric(std::move(args)) {
  const Shape shape{count_of(this->args().thresholds)};
  add_variable("true_positives", shape);
  add_variable("false_negatives", shape);
}

const config::Fields<AUCArgs>& AUC::fields() {
  using A = AUCArgs;
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
AUC::AUC(AUCArgs args) : BasicMetric(std::move(args)) {
  const auto& a = this->args();
  // Keras: explicit thresholds get the two end points added.
  const std::int64_t n = a.thresholds ? static_cast<std::int64_t>(a.thresholds->size()) + 2 : a.num_thresholds;
  if (a.multi_label && !a.num_labels) return;  // built on the first update_state, as Keras
  const Shape shape = a.multi_label ? Shape{n, *a.num_labels} : Shape{n};
  for (const char* v : {"true_positives", "false_positives", "true_negatives", "false_negatives"}) {
    add_variable(v, shape);
  }
}

namespace {
config::Fields<SensitivitySpecificityArgs> sensitivity_fields(const char* value_key) {
  using A = SensitivitySpecificityArgs;
  return name_dtype<A>() + config::Fields<A>{field("class_id", &A::class_id),
                                             field("num_thresholds", &A::num_thresholds).check(config::at_least(1)),
                                             field(value_key, &A::value).required().check(config::in_range(0, 1))};
}
void add_four_counts(std::int64_t n, const std::function<void(std::string, Shape)>& add) {
  for (const char* v : {"true_positives", "false_positives", "true_negatives", "false_negatives"}) add(v, Shape{n});
}
}  // namespace

#define KPLUG_SENSITIVITY_METRIC(Class, key)                                                              \
  const config::Fields<SensitivitySpecificityArgs>& Class::fields() {                                     \
    static const config::Fields<SensitivitySpecificityArgs> f = sensitivity_fields(key);                  \
    return f;                                                                                             \
  }                                                                                                       \
  Class::Class(SensitivitySpecificityArgs args) : BasicMetric(std::move(args)) {                          \
    add_four_counts(this->args().num_thresholds, [this](std::string n, Shape s) { add_variable(n, s); }); \
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

const config::Fields<FBetaScoreArgs>& FBetaScore::fields() {
  using A = FBetaScoreArgs;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("average", &A::average).check(average_choices()),
                                          field("beta", &A::beta).check(config::positive()),
                                          field("threshold", &A::threshold)};
  return f;
}
FBetaScore::FBetaScore(FBetaScoreArgs args) : BasicMetric(std::move(args)) {}

const config::Fields<FBetaScoreArgs>& F1Score::fields() {
  using A = FBetaScoreArgs;
  // Keras's F1Score writes no beta (it is 1) and refuses one.
  static const config::Fields<A> f =
      name_dtype<A>() +
      config::Fields<A>{field("average", &A::average).check(average_choices()), field("threshold", &A::threshold)};
  return f;
}
F1Score::F1Score(FBetaScoreArgs args) : BasicMetric(std::move(args)) {}

// ---- R2Score ----

const config::Fields<R2ScoreArgs>& R2Score::fields() {
  using A = R2ScoreArgs;
  static const config::Fields<A> f =
      name_dtype<A>() + config::Fields<A>{field("class_aggregation", &A::class_aggregation)
                                              .check(config::one_of({"uniform_average", "variance_weighted_average"})),
                                          field("num_regressors", &A::num_regressors).check(config::at_least(0))};
  return f;
}
R2Score::R2Score(R2ScoreArgs args) : BasicMetric(std::move(args)) {
  add_variable("num_samples", Shape{}, DType::int32);
}

// ---- IoU family ----

namespace {
using IA = IoUArgs;
config::Field<IA> num_classes_field() {
  return config::Field<IA>(field("num_classes", &IA::num_classes).required().check(config::at_least(1)));
}
config::Field<IA> target_ids_field() { return field("target_class_ids", &IA::target_class_ids).required(); }
config::Field<IA> ignore_field() { return field("ignore_class", &IA::ignore_class); }
config::Field<IA> sparse_true_field() { return field("sparse_y_true", &IA::sparse_y_true); }
config::Field<IA> sparse_pred_field() { return field("sparse_y_pred", &IA::sparse_y_pred); }
config::Field<IA> axis_field() { return field("axis", &IA::axis); }

void check_targets(const IoUArgs& a, const std::string& class_name) {
  for (std::int64_t id : a.target_class_ids) {
    if (id < 0 || id >= a.num_classes) {
      throw ValueError(class_name + ": target class id " + std::to_string(id) + " is out of range, which is [0, " +
                       std::to_string(a.num_classes) + ").");
    }
  }
}
}  // namespace

const config::Fields<IoUArgs>& IoU::fields() {
  static const config::Fields<IA> f{name_field<IA>(), dtype_field<IA>(),   num_classes_field(), target_ids_field(),
                                    ignore_field(),   sparse_true_field(), sparse_pred_field(), axis_field()};
  return f;
}
IoU::IoU(IoUArgs args) : BasicMetric(std::move(args)) {
  check_targets(this->args(), "IoU");
  add_variable("total_confusion_matrix", Shape{this->args().num_classes, this->args().num_classes});
}

const config::Fields<IoUArgs>& BinaryIoU::fields() {
  static const config::Fields<IA> f{field("target_class_ids", &IA::target_class_ids, std::vector<std::int64_t>{0, 1}),
                                    field("threshold", &IA::threshold), name_field<IA>(), dtype_field<IA>()};
  return f;
}
BinaryIoU::BinaryIoU(IoUArgs args)
    : BasicMetric([&] {
        args.num_classes = 2;
        return std::move(args);
      }()) {
  check_targets(this->args(), "BinaryIoU");
  add_variable("total_confusion_matrix", Shape{2, 2});
}

const config::Fields<IoUArgs>& MeanIoU::fields() {
  static const config::Fields<IA> f{num_classes_field(), name_field<IA>(),    dtype_field<IA>(), ignore_field(),
                                    sparse_true_field(), sparse_pred_field(), axis_field()};
  return f;
}
MeanIoU::MeanIoU(IoUArgs args) : BasicMetric(std::move(args)) {
  add_variable("total_confusion_matrix", Shape{this->args().num_classes, this->args().num_classes});
}

const config::Fields<IoUArgs>& OneHotIoU::fields() {
  static const config::Fields<IA> f{num_classes_field(), target_ids_field(),  name_field<IA>(), dtype_field<IA>(),
                                    ignore_field(),      sparse_pred_field(), axis_field()};
  return f;
}
OneHotIoU::OneHotIoU(IoUArgs args) : BasicMetric(std::move(args)) {
  check_targets(this->args(), "OneHotIoU");
  add_variable("total_confusion_matrix", Shape{this->args().num_classes, this->args().num_classes});
}

const config::Fields<IoUArgs>& OneHotMeanIoU::fields() {
  static const config::Fields<IA> f{num_classes_field(), name_field<IA>(),    dtype_field<IA>(),
                                    ignore_field(),      sparse_pred_field(), axis_field()};
  return f;
}
OneHotMeanIoU::OneHotMeanIoU(IoUArgs args) : BasicMetric(std::move(args)) {
  add_variable("total_confusion_matrix", Shape{this->args().num_classes, this->args().num_classes});
}

}  // namespace kplug::metrics
