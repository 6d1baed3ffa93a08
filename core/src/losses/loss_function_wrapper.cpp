#include "kplug/errors.hpp"
#include "kplug/losses.hpp"
#include "losses/loss_fields.hpp"
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

namespace loss_config {

const config::Fields<LossOptions>& loss_base_fields() {
  static const config::Fields<LossOptions> fields{
      config::field("name", &LossOptions::name).null_is_default(),
      config::field("reduction", &LossOptions::reduction).check([](const std::optional<std::string>& reduction) {
        if (!reduction) return std::string();
        return config::one_of({"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"})(*reduction);
      }),
      config::field("dtype", &LossOptions::dtype).read_only().check([](const std::optional<std::string>& dtype) {
        if (!dtype || *dtype == "float32") return std::string();
        return "dtype '" + *dtype + "' is not supported: kplug computes losses in float32 only";
      })};
  return fields;
}

}  // namespace loss_config

boost::json::object LossFunctionWrapper::get_config() const {
  boost::json::object config = loss_config::loss_base_fields().write({name_, reduction_, std::nullopt});
  add_arguments(config);
  return config;
}

LossFunctionWrapper::BaseOptions LossFunctionWrapper::read_base(ConfigReader& reader, std::string default_name) {
  loss_config::LossOptions args;
  loss_config::loss_base_fields().read_into(reader, args);
  return {args.name.value_or(std::move(default_name)), std::move(args.reduction)};
}

}  // namespace kplug::losses
