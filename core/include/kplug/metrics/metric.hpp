// keras.metrics: a metric's config and its state variables (Keras's Metric).
//
// Variables are Keras's, by name, shape and order (Mean's total and count, AUC's
// true_positives (num_thresholds,) ...); metrics that create theirs on the first
// update_state (F1Score, R2Score's per-class sums) have none until then. They save and
// load positionally like a layer's. Update rules are not here.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/number.hpp"
#include "kplug/object.hpp"
#include "kplug/serialization.hpp"
#include "kplug/state/saveable.hpp"
#include "kplug/tensor.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// One metric variable: its name, Keras's path ("<metric name>/<variable name>") and value.
struct MetricVariable {
  std::string name;
  std::string path;
  Tensor value;
};

class Metric : public SerializableOfKind<Kind::metric>, public saving::Saveable {
 public:
  ~Metric() override;

  const std::string& name() const noexcept { return name_; }
  // The dtype the config names ("float32"; the IoU family: "int32").
  const std::string& dtype() const noexcept { return dtype_; }
  const std::vector<MetricVariable>& variables() const noexcept { return variables_; }

  void save_own_variables(saving::WeightsStore::Entry& store) const override;
  // Counts and shapes must match ("Metric '<name>' expected N variables ...").
  void load_own_variables(const saving::WeightsStore::Entry& store) override;
  std::optional<std::string> saveable_name() const override { return name_; }

 protected:
  Metric(std::string name, std::string dtype);
  // A zero-filled variable of the metric's dtype (or `dtype`).
  void add_variable(std::string name, Shape shape, std::optional<DType> dtype = std::nullopt);
  // The "total" and "count" scalars of Keras's Mean-based metrics.
  void add_total_and_count();

 private:
  std::string name_;
  std::string dtype_;
  std::vector<MetricVariable> variables_;
};

using MetricPtr = std::shared_ptr<Metric>;

namespace metrics {

// The `name` and `dtype` every metric takes.
struct MetricOptions {
  std::optional<std::string> name;   // absent or null: the class's default name
  std::optional<std::string> dtype;  // absent or null: the class's default dtype
};

// `thresholds`: null, one number or a list of numbers; written back in the form read.
struct Thresholds {
  std::vector<Number> values;  // empty: null (the default, 0.5)
  bool is_list = false;
  std::size_t count() const noexcept { return values.empty() ? 1 : values.size(); }
};

// from_config and get_config through one field list (Derived::fields(), which places
// name and dtype where Keras does); Derived names its class and defaults (kClassName,
// kDefaultName, kDefaultDType) and adds its variables in its constructor.
template <class Derived, class OptionsT>
class BasicMetric : public Metric {
 public:
  using Options = OptionsT;
  const Options& options() const noexcept { return options_; }
  static std::shared_ptr<Derived> from_config(const boost::json::object& config, DeserializationContext& context) {
    return std::make_shared<Derived>(Derived::fields().read(config, context, Derived::kClassName));
  }
  boost::json::object get_config() const override {
    Options written = options_;
    written.name = name();
    written.dtype = dtype();
    return Derived::fields().write(written);
  }
  std::string class_name() const override { return Derived::kClassName; }

 protected:
  explicit BasicMetric(Options args)
      : Metric(args.name.value_or(Derived::kDefaultName), args.dtype.value_or(Derived::kDefaultDType)),
        options_(std::move(args)) {}

 private:
  Options options_;
};

// The name and dtype fields, for field lists.
template <class Options>
requires std::derived_from<Options, MetricOptions> config::Field<Options> name_field() {
  return config::Field<Options>(config::field("name", &MetricOptions::name).null_is_default());
}
template <class Options>
requires std::derived_from<Options, MetricOptions> config::Field<Options> dtype_field() {
  return config::Field<Options>(config::field("dtype", &MetricOptions::dtype).null_is_default());
}

}  // namespace metrics

namespace config {
template <>
struct Codec<metrics::Thresholds> {
  static constexpr bool accepts_null = true;
  static metrics::Thresholds read(ConfigReader& r, std::string_view key, const boost::json::value& v);
  static boost::json::value write(const metrics::Thresholds& v);
};
}  // namespace config

}  // namespace kplug
#pragma GCC visibility pop
