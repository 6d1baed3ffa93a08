// keras.losses: per-sample losses and their reduction.
#pragma once

#include "kplug/object.hpp"
#include "kplug/tensor.hpp"

#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>

namespace kplug {

// Anything usable as a loss: a loss class (with a name and a reduction) or a loss function.
class Loss : public Serializable {
 public:
  static constexpr Kind static_kind = Kind::loss;
  ~Loss() override;
  Kind kind() const override { return static_kind; }
  // The unreduced loss (Keras's `Loss.call` / the loss function itself).
  virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;
  // Keras's `Loss.__call__`: call(), weighted by `sample_weight` if given, then reduced.
  virtual Tensor operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor* sample_weight = nullptr) const;
  // "sum_over_batch_size", "sum", "mean", "mean_with_sample_weight" or "none".
  virtual std::string reduction() const { return "sum_over_batch_size"; }
};

// A named loss function ("mean_squared_error", "my_package>my_loss").
class LossFunction final : public Loss, public NamedFunction {
 public:
  using Fn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;
  LossFunction(std::string name, Fn fn);
  ~LossFunction() override;
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override { return fn_(y_true, y_pred); }
  boost::json::object get_config() const override;  // throws: functions have no config
  std::string class_name() const override { return "function"; }

 private:
  Fn fn_;
};

// Registers `fn` as the loss function "package>name". Returns the key.
std::string register_loss_function(std::string_view package, std::string_view name, LossFunction::Fn fn,
                                   bool replace = false,
                                   std::source_location where = std::source_location::current());

}  // namespace kplug
