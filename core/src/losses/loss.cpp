#include "kplug/losses.hpp"

#include "kplug/errors.hpp"
#include "kplug/registry.hpp"
#include "losses/reduction.hpp"

namespace kplug {

Loss::~Loss() = default;

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor* sample_weight) const {
  return detail::reduce_weighted_values(call(y_true, y_pred), sample_weight, reduction());
}

LossFunction::LossFunction(std::string name, Fn fn) : NamedFunction(std::move(name)), fn_(std::move(fn)) {
  if (!fn_) throw RegistrationError("loss function '" + this->name() + "' has no function");
}
LossFunction::~LossFunction() = default;

boost::json::object LossFunction::get_config() const {
  throw SerializationError("loss function '" + name() + "' has no config; serialize() writes its name");
}

std::string register_loss_function(std::string_view package, std::string_view name, LossFunction::Fn fn,
                                   bool replace, std::source_location where) {
  std::string key = make_registered_key(package, name);
  register_function(std::make_shared<LossFunction>(key, std::move(fn)), replace, where);
  return key;
}

}  // namespace kplug
