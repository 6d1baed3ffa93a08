// keras.losses: per-sample losses and their reduction.
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/object.hpp"
#include "kplug/tensor.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include "kplug/source_location.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// Anything usable as a loss: a loss class (with a name and a reduction) or a loss function.
class Loss : public SerializableOfKind<Kind::loss> {
 public:
  ~Loss() override;
  // The unreduced loss (Keras's `Loss.call` / the loss function itself).
  virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;
  // Keras's `Loss.__call__`: call(), weighted by `sample_weight` and by loss_mask() if any,
  // then reduced.
  Tensor operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor* sample_weight = nullptr) const;
  // Keras's mask on the per-sample losses (`backend.set_keras_mask` in a loss function):
  // 1 keeps an entry, 0 leaves it out; the averaging reductions then divide by the kept
  // count. None by default.
  virtual std::optional<Tensor> loss_mask(const Tensor& y_true, const Tensor& y_pred, const Tensor& losses) const;
  // "sum_over_batch_size", "sum", "mean", "mean_with_sample_weight" or "none".
  virtual std::string reduction() const { return "sum_over_batch_size"; }
};

// A named loss function ("mean_squared_error", "my_package>my_loss").
class LossFunction final : public Loss, public NamedFunction {
 public:
  using Fn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;
  using MaskFn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred, const Tensor& losses)>;
  // `mask`: the mask the function attaches to its result, as Keras's `circle` does.
  LossFunction(std::string name, Fn fn, MaskFn mask = {});
  ~LossFunction() override;
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override { return fn_(y_true, y_pred); }
  std::optional<Tensor> loss_mask(const Tensor& y_true, const Tensor& y_pred, const Tensor& losses) const override;
  boost::json::object get_config() const override;  // throws: functions have no config
  std::string class_name() const override { return "function"; }
  const NamedFunction* as_named_function() const noexcept override { return this; }

 private:
  Fn fn_;
  MaskFn mask_;
};

// Registers `fn` as the loss function "package>name". Returns the key.
std::string register_loss_function(std::string_view package, std::string_view name, LossFunction::Fn fn,
                                   bool replace = false, SourceLocation where = SourceLocation::current());

namespace losses {

// Keras's LossFunctionWrapper: a loss class around a per-sample function, with a name, a
// reduction and the function's keyword arguments. Subclasses implement compute() and add
// their arguments to the config after {"name", "reduction"}, in Keras's order.
class LossFunctionWrapper : public Loss {
 public:
  // y_true and y_pred are first squeezed or expanded to the same rank, as Keras does.
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const final;
  std::string reduction() const override { return reduction_.value_or("none"); }
  const std::string& name() const noexcept { return name_; }
  boost::json::object get_config() const override;

 protected:
  // `reduction` nullopt is Keras's None: no reduction, written back as null.
  LossFunctionWrapper(std::string name, std::optional<std::string> reduction);
  virtual Tensor compute(const Tensor& y_true, const Tensor& y_pred) const = 0;
  virtual void add_arguments(boost::json::object& /*config*/) const {}

  struct BaseOptions {
    std::string name;
    std::optional<std::string> reduction;
  };
  // Reads "name", "reduction" and "dtype" (only float32 is supported); the caller reads its
  // own keys, then calls reader.finish().
  static BaseOptions read_base(ConfigReader& reader, std::string default_name);

 private:
  std::string name_;
  std::optional<std::string> reduction_;
};

}  // namespace losses

// Keras's squeeze_or_expand_to_same_rank: when ranks differ by one and the longer tensor
// ends in a 1, drop that axis (or add one to a rank-1 partner).
void squeeze_or_expand_to_same_rank(Tensor& a, Tensor& b);

}  // namespace kplug
#pragma GCC visibility pop
