// Keras's Metric: name, dtype and positional save/load of its variables.
#include "kplug/metrics/metric.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/partial_shape.hpp"

namespace kplug {

Metric::~Metric() = default;

Metric::Metric(std::string name, std::string dtype) : name_(std::move(name)), dtype_(std::move(dtype)) {}

void Metric::add_variable(std::string name, Shape shape, std::optional<DType> dtype) {
  std::string path = name_ + "/" + name;
  variables_.push_back(
      {std::move(name), std::move(path), Tensor(std::move(shape), dtype.value_or(dtype_from_name(dtype_)))});
}

void Metric::add_total_and_count() {
  add_variable("total", Shape{});
  add_variable("count", Shape{});
}

void Metric::save_own_variables(saving::WeightsStore::Entry& store) const {
  for (std::size_t i = 0; i < variables_.size(); ++i) store.set(i, variables_[i].value);
}

void Metric::load_own_variables(const saving::WeightsStore::Entry& store) {
  if (store.size() != variables_.size()) {
    throw ValueError("Metric '" + name_ + "' expected " + std::to_string(variables_.size()) +
                     " variables, but received " + std::to_string(store.size()) + " variables during loading (" +
                     store.path() + ")");
  }
  std::vector<Tensor> values;
  for (std::size_t i = 0; i < variables_.size(); ++i) {
    Tensor value = store.get(i);
    if (value.shape() != variables_[i].value.shape()) {
      throw ValueError(
          "The shape of the target variable and the shape of the target value in "
          "`variable.assign(value)` must match. variable.shape=" +
          shape_repr(variables_[i].value.shape()) + ", Received: value.shape=" + shape_repr(value.shape()) +
          ". Target variable: " + variables_[i].path);
    }
    values.push_back(value.astype(variables_[i].value.dtype()));
  }
  for (std::size_t i = 0; i < values.size(); ++i) variables_[i].value = std::move(values[i]);
}

namespace config {

metrics::Thresholds Codec<metrics::Thresholds>::read(ConfigReader& r, std::string_view key,
                                                     const boost::json::value& v) {
  metrics::Thresholds out;
  if (v.is_null()) return out;
  if (const auto* list = v.if_array()) {
    out.is_list = true;
    if (list->empty()) r.fail(key, "expected at least one threshold");
    for (std::size_t i = 0; i < list->size(); ++i) {
      out.values.push_back(r.as_number(std::string(key) + "[" + std::to_string(i) + "]", (*list)[i]));
    }
  } else {
    out.values.push_back(r.as_number(key, v));
  }
  for (const Number& t : out.values) {
    if (!(t.value >= 0 && t.value <= 1)) {
      r.fail(key, "Threshold values must be in [0, 1]. Received: " + json::write(t.to_json()));
    }
  }
  return out;
}

boost::json::value Codec<metrics::Thresholds>::write(const metrics::Thresholds& v) {
  if (v.values.empty()) return nullptr;
  if (!v.is_list) return v.values.front().to_json();
  boost::json::array out;
  for (const Number& t : v.values) out.push_back(t.to_json());
  return out;
}

}  // namespace config
}  // namespace kplug
