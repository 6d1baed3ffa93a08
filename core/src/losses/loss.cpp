#include "kplug/losses.hpp"

#include "kplug/errors.hpp"
#include "kplug/registry.hpp"
#include "losses/reduction.hpp"

namespace kplug {

Loss::~Loss() = default;

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor* sample_weight) const {
  const Tensor losses = call(y_true, y_pred);
  const std::string how = reduction();
  if (const std::optional<Tensor> mask = loss_mask(y_true, y_pred, losses)) {
    const Tensor weights = detail::merge_mask_into_weights(*mask, sample_weight, how);
    return detail::reduce_weighted_values(losses, &weights, how);
  }
  return detail::reduce_weighted_values(losses, sample_weight, how);
}

std::optional<Tensor> Loss::loss_mask(const Tensor&, const Tensor&, const Tensor&) const { return std::nullopt; }

LossFunction::LossFunction(std::string name, Fn fn, MaskFn mask)
    : NamedFunction(std::move(name)), fn_(std::move(fn)), mask_(std::move(mask)) {
  if (!fn_) throw RegistrationError("loss function '" + this->name() + "' has no function");
}

std::optional<Tensor> LossFunction::loss_mask(const Tensor& y_true, const Tensor& y_pred, const Tensor& losses) const {
  if (!mask_) return std::nullopt;
  return mask_(y_true, y_pred, losses);
}
LossFunction::~LossFunction() = default;

boost::json::object LossFunction::get_config() const {
  throw SerializationError("loss function '" + name() + "' has no config; serialize() writes its name");
}

std::string register_loss_function(std::string_view package, std::string_view name, LossFunction::Fn fn, bool replace,
                                   SourceLocation where) {
  std::string key = make_registered_key(package, name);
  register_function(std::make_shared<LossFunction>(key, std::move(fn)), replace, where);
  return key;
}

}  // namespace kplug
