#include "kplug/errors.hpp"
#include "kplug/losses.hpp"
#include "losses/reduction.hpp"

namespace kplug::losses {

LossFunctionWrapper::LossFunctionWrapper(std::string name, std::optional<std::string> reduction)
    : name_(std::move(name)) {
  if (reduction) reduction_ = detail::standardize_reduction(*reduction);
}

Tensor LossFunctionWrapper::call(const Tensor& y_true, const Tensor& y_pred) const {
  Tensor t = y_true;
  Tensor p = y_pred;
  squeeze_or_expand_to_same_rank(t, p);
  return compute(t, p);
}

boost::json::object LossFunctionWrapper::get_config() const {
  boost::json::object config;
  config["name"] = name_;
  if (reduction_) config["reduction"] = *reduction_;
  else config["reduction"] = nullptr;
  add_arguments(config);
  return config;
}

LossFunctionWrapper::BaseArguments LossFunctionWrapper::read_base(ConfigReader& reader, std::string default_name) {
  BaseArguments base;
  base.name = reader.optional_string("name").value_or(std::move(default_name));
  const boost::json::value* reduction = reader.raw("reduction");
  if (!reduction) base.reduction = "sum_over_batch_size";
  else if (!reduction->is_null()) {
    base.reduction = reader.choice("reduction", "sum_over_batch_size",
                                   {"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"});
  }
  // Keras 3.x may write the computation dtype; kplug computes in float32 only.
  if (std::optional<std::string> dtype = reader.optional_string("dtype"); dtype && *dtype != "float32") {
    reader.fail("dtype", "dtype '" + *dtype + "' is not supported: kplug computes losses in float32 only");
  }
  return base;
}

}  // namespace kplug::losses
