// keras.losses: regression, hinge, probabilistic, segmentation and metric-learning losses.
//
// Each loss has a function form (keras.losses.mean_squared_error, ...) that returns the
// per-sample loss, and a class (keras.losses.MeanSquaredError, ...) that squeezes or expands
// y_true and y_pred to the same rank, calls the function and reduces the result.
#pragma once

#include "kplug/losses.hpp"
#include "kplug/number.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::losses {

// ---- Function forms (Keras's formulas; eps is Keras's backend.epsilon() = 1e-7) ----

// mean((y_true - y_pred)^2, axis=-1)
Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
// mean(|y_true - y_pred|, axis=-1)
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
// 100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|, axis=-1)
Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred);
// mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2, axis=-1)
Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred);
// -sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis)
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, std::int64_t axis = -1);
// mean(0.5 x^2 if |x| <= delta else delta |x| - 0.5 delta^2, axis=-1) with x = y_pred - y_true
Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta = 1.0);
// mean(log(cosh(y_pred - y_true)), axis=-1), computed as x + softplus(-2x) - log(2)
Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred);
// mean(max(1 - y_true * y_pred, 0), axis=-1); {0, 1} labels become {-1, 1} first
Tensor hinge(const Tensor& y_true, const Tensor& y_pred);
// mean(max(1 - y_true * y_pred, 0)^2, axis=-1); {0, 1} labels become {-1, 1} first
Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred);
// max(max((1 - y_true) * y_pred, axis=-1) - sum(y_true * y_pred, axis=-1) + 1, 0)
Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred);
// sum(t * log(t / p), axis=-1) with t, p clipped to [eps, 1]
Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred);
// mean(y_pred - y_true * log(y_pred + eps), axis=-1)
Tensor poisson(const Tensor& y_true, const Tensor& y_pred);
// 1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps), summed over `axis`
// (nullopt: every axis, giving a scalar).
Tensor dice(const Tensor& y_true, const Tensor& y_pred, const std::optional<std::vector<std::int64_t>>& axis = {});
// 1 - tp / (tp + alpha * sum((1 - y_pred) * y_true) + beta * sum(y_pred * (1 - y_true)) + eps)
// with tp = sum(y_true * y_pred), summed over `axis` (nullopt: every axis).
Tensor tversky(const Tensor& y_true, const Tensor& y_pred, double alpha = 0.5, double beta = 0.5,
               const std::optional<std::vector<std::int64_t>>& axis = {});

// Arguments of circle() beyond the labels and the embeddings.
struct CircleOptions {
  const Tensor* ref_labels = nullptr;      // default: y_true
  const Tensor* ref_embeddings = nullptr;  // default: y_pred
  bool remove_diagonal = true;
  double gamma = 80.0;
  double margin = 0.4;
};
// Circle loss (Sun et al., 2020) of integer labels y_true (N) or (N, 1) and L2-normalised
// embeddings y_pred (N, D) against reference labels (M) and embeddings (M, D): one value per
// query row, 0 for rows without a positive or without a negative pair.
Tensor circle(const Tensor& y_true, const Tensor& y_pred, const CircleOptions& options = {});
// The mask Keras's circle attaches to its result: 1 where the loss is positive.
Tensor circle_mask(const Tensor& losses);

// ---- Classes ----

// A LossFunctionWrapper whose only arguments are `name` and `reduction` (Keras's
// get_config is Loss.get_config for these). `Derived` provides kClassName and kDefaultName.
template <class Derived>
class PlainLossFunctionWrapper : public LossFunctionWrapper {
 public:
  static std::shared_ptr<Derived> from_config(const boost::json::object& config, DeserializationContext& context) {
    ConfigReader reader(config, context, Derived::kClassName);
    BaseOptions base = read_base(reader, Derived::kDefaultName);
    reader.finish();
    return std::make_shared<Derived>(std::move(base.reduction), std::move(base.name));
  }

 protected:
  PlainLossFunctionWrapper(std::optional<std::string> reduction, std::string name)
      : LossFunctionWrapper(std::move(name), std::move(reduction)) {}
};

// Built-in loss classes are not final: Keras users subclass them (the guide's
// ModifiedMeanSquaredError).
#define KPLUG_PLAIN_LOSS_CLASS(Class, default_name)                                                               \
  class Class : public PlainLossFunctionWrapper<Class> {                                                          \
   public:                                                                                                        \
    static constexpr const char* kClassName = #Class;                                                             \
    static constexpr const char* kDefaultName = default_name;                                                     \
    explicit Class(std::optional<std::string> reduction = "sum_over_batch_size", std::string name = kDefaultName) \
        : PlainLossFunctionWrapper(std::move(reduction), std::move(name)) {}                                      \
                                                                                                                  \
   protected:                                                                                                     \
    Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;                                    \
  }

KPLUG_PLAIN_LOSS_CLASS(MeanSquaredError, "mean_squared_error");
KPLUG_PLAIN_LOSS_CLASS(MeanAbsoluteError, "mean_absolute_error");
KPLUG_PLAIN_LOSS_CLASS(MeanAbsolutePercentageError, "mean_absolute_percentage_error");
KPLUG_PLAIN_LOSS_CLASS(MeanSquaredLogarithmicError, "mean_squared_logarithmic_error");
KPLUG_PLAIN_LOSS_CLASS(LogCosh, "log_cosh");
KPLUG_PLAIN_LOSS_CLASS(Hinge, "hinge");
KPLUG_PLAIN_LOSS_CLASS(SquaredHinge, "squared_hinge");
KPLUG_PLAIN_LOSS_CLASS(CategoricalHinge, "categorical_hinge");
KPLUG_PLAIN_LOSS_CLASS(KLDivergence, "kl_divergence");
KPLUG_PLAIN_LOSS_CLASS(Poisson, "poisson");

#undef KPLUG_PLAIN_LOSS_CLASS

// Config: name, reduction, axis.
class CosineSimilarity : public LossFunctionWrapper {
 public:
  explicit CosineSimilarity(std::int64_t axis = -1, std::optional<std::string> reduction = "sum_over_batch_size",
                            std::string name = "cosine_similarity");
  static std::shared_ptr<CosineSimilarity> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
  std::int64_t axis() const noexcept { return axis_; }

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  std::int64_t axis_;
};

// Config: name, reduction, delta. kplug refuses a negative or non-finite delta.
class Huber : public LossFunctionWrapper {
 public:
  explicit Huber(Number delta = Number::real(1.0), std::optional<std::string> reduction = "sum_over_batch_size",
                 std::string name = "huber_loss");
  static std::shared_ptr<Huber> from_config(const boost::json::object& config, DeserializationContext& context);
  double delta() const noexcept { return delta_.value; }

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  Number delta_;
};

// The `axis` argument of Dice and Tversky: null (every axis), an integer or a list of
// integers, written back in the form it was given.
struct ReductionAxes {
  std::optional<std::vector<std::int64_t>> axes;  // nullopt: every axis
  bool as_list = false;                           // written as [..] rather than a bare integer

  static ReductionAxes all() { return {}; }
  static ReductionAxes single(std::int64_t axis) { return {std::vector<std::int64_t>{axis}, false}; }
  static ReductionAxes list(std::vector<std::int64_t> axes) { return {std::move(axes), true}; }
  boost::json::value to_json() const;
};

// Config: name, reduction, axis.
class Dice : public LossFunctionWrapper {
 public:
  explicit Dice(std::optional<std::string> reduction = "sum_over_batch_size", std::string name = "dice",
                ReductionAxes axis = ReductionAxes::all());
  static std::shared_ptr<Dice> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  ReductionAxes axis_;
};

// Config: name, reduction, alpha, beta, axis.
class Tversky : public LossFunctionWrapper {
 public:
  explicit Tversky(Number alpha = Number::real(0.5), Number beta = Number::real(0.5),
                   std::optional<std::string> reduction = "sum_over_batch_size", std::string name = "tversky",
                   ReductionAxes axis = ReductionAxes::all());
  static std::shared_ptr<Tversky> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  Number alpha_, beta_;
  ReductionAxes axis_;
};

// Config: name, reduction, gamma, margin, remove_diagonal. As Keras, rows whose loss is not
// positive (no positive or no negative pair) are masked out of the reduction.
class Circle : public LossFunctionWrapper {
 public:
  explicit Circle(Number gamma = Number::real(80.0), Number margin = Number::real(0.4), bool remove_diagonal = true,
                  std::optional<std::string> reduction = "sum_over_batch_size", std::string name = "circle");
  static std::shared_ptr<Circle> from_config(const boost::json::object& config, DeserializationContext& context);
  std::optional<Tensor> loss_mask(const Tensor& y_true, const Tensor& y_pred, const Tensor& losses) const override;

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  Number gamma_, margin_;
  bool remove_diagonal_;
};

}  // namespace kplug::losses
#pragma GCC visibility pop
