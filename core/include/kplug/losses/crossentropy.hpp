// keras.losses: cross-entropy losses and CTC.
//
// Each loss has a function form (keras.losses.binary_crossentropy, ...) that returns the
// unreduced per-sample loss, and a class (keras.losses.BinaryCrossentropy, ...) that wraps
// it with a name and a reduction. Formulas follow keras/src/losses/losses.py and the
// backends' categorical/sparse/binary crossentropy and ctc_loss.
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

// --- Function forms (Keras's defaults) ----------------------------------------------------

// mean over `axis` of -[y log p + (1 - y) log(1 - p)], p clipped to [1e-7, 1 - 1e-7]; logits
// go through the stable log-sigmoid form. Labels are smoothed towards 0.5.
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                           double label_smoothing = 0.0, std::int64_t axis = -1);

// Binary crossentropy weighted by (1 - p_t)^gamma, and by alpha / 1 - alpha for classes 1 / 0
// when apply_class_balancing.
Tensor binary_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool apply_class_balancing = false,
                                 double alpha = 0.25, double gamma = 2.0, bool from_logits = false,
                                 double label_smoothing = 0.0, std::int64_t axis = -1);

// -sum over `axis` of y log p; probabilities are first rescaled to sum to 1, then clipped.
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                                double label_smoothing = 0.0, std::int64_t axis = -1);

// sum over `axis` of alpha * (1 - p)^gamma * (-y log p). `alpha` holds one value, or one
// per class.
Tensor categorical_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                      const std::vector<double>& alpha = {0.25}, double gamma = 2.0,
                                      bool from_logits = false, double label_smoothing = 0.0, std::int64_t axis = -1);

// -log p[label] with integer labels (y_true has y_pred's shape without the class axis, or a
// trailing 1). Labels equal to `ignore_class` give 0.
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                                       std::optional<std::int64_t> ignore_class = std::nullopt, std::int64_t axis = -1);

// (1 - p[label]^q) / q with integer labels over the last axis; q in (0, 1).
Tensor categorical_generalized_cross_entropy(const Tensor& y_true, const Tensor& y_pred, double q);

// CTC negative log-likelihood per sequence. y_true (batch, max_label_length): class ids,
// 0 is the blank and pads the end; y_pred (batch, time, classes): logits.
Tensor ctc(const Tensor& y_true, const Tensor& y_pred);

// --- Classes ---------------------------------------------------------------------------

// The {from_logits, label_smoothing, axis} arguments the binary and categorical losses share.
struct CrossentropyOptions {
  bool from_logits = false;
  Number label_smoothing = Number::real(0.0);
  std::int64_t axis = -1;
};

class BinaryCrossentropy : public LossFunctionWrapper {
 public:
  explicit BinaryCrossentropy(CrossentropyOptions options = {},
                              std::optional<std::string> reduction = "sum_over_batch_size",
                              std::string name = "binary_crossentropy");
  static std::shared_ptr<BinaryCrossentropy> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  CrossentropyOptions options_;
};

class BinaryFocalCrossentropy : public LossFunctionWrapper {
 public:
  explicit BinaryFocalCrossentropy(bool apply_class_balancing = false, Number alpha = Number::real(0.25),
                                   Number gamma = Number::real(2.0), CrossentropyOptions options = {},
                                   std::optional<std::string> reduction = "sum_over_batch_size",
                                   std::string name = "binary_focal_crossentropy");
  static std::shared_ptr<BinaryFocalCrossentropy> from_config(const boost::json::object& config,
                                                              DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  bool apply_class_balancing_;
  Number alpha_, gamma_;
  CrossentropyOptions options_;
};

class CategoricalCrossentropy : public LossFunctionWrapper {
 public:
  explicit CategoricalCrossentropy(CrossentropyOptions options = {},
                                   std::optional<std::string> reduction = "sum_over_batch_size",
                                   std::string name = "categorical_crossentropy");
  static std::shared_ptr<CategoricalCrossentropy> from_config(const boost::json::object& config,
                                                              DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  CrossentropyOptions options_;
};

class CategoricalFocalCrossentropy : public LossFunctionWrapper {
 public:
  // `alpha` is one number, or a list of per-class numbers when `alpha_is_list`.
  explicit CategoricalFocalCrossentropy(std::vector<Number> alpha = {Number::real(0.25)}, bool alpha_is_list = false,
                                        Number gamma = Number::real(2.0), CrossentropyOptions options = {},
                                        std::optional<std::string> reduction = "sum_over_batch_size",
                                        std::string name = "categorical_focal_crossentropy");
  static std::shared_ptr<CategoricalFocalCrossentropy> from_config(const boost::json::object& config,
                                                                   DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  std::vector<Number> alpha_;
  bool alpha_is_list_;
  Number gamma_;
  CrossentropyOptions options_;
};

class SparseCategoricalCrossentropy : public LossFunctionWrapper {
 public:
  explicit SparseCategoricalCrossentropy(bool from_logits = false,
                                         std::optional<std::int64_t> ignore_class = std::nullopt,
                                         std::int64_t axis = -1,
                                         std::optional<std::string> reduction = "sum_over_batch_size",
                                         std::string name = "sparse_categorical_crossentropy");
  // With ignore_class, ignored entries are masked out of the reduction as Keras's mask does:
  // "sum_over_batch_size" divides by the number of kept entries.
  std::optional<Tensor> loss_mask(const Tensor& y_true, const Tensor& y_pred, const Tensor& losses) const override;
  static std::shared_ptr<SparseCategoricalCrossentropy> from_config(const boost::json::object& config,
                                                                    DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  bool from_logits_;
  std::optional<std::int64_t> ignore_class_;
  std::int64_t axis_;
};

class CategoricalGeneralizedCrossEntropy : public LossFunctionWrapper {
 public:
  explicit CategoricalGeneralizedCrossEntropy(Number q = Number::real(0.5),
                                              std::optional<std::string> reduction = "sum_over_batch_size",
                                              std::string name = "categorical_generalized_cross_entropy");
  static std::shared_ptr<CategoricalGeneralizedCrossEntropy> from_config(const boost::json::object& config,
                                                                         DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
  void add_arguments(boost::json::object& config) const override;

 private:
  Number q_;
};

class CTC : public LossFunctionWrapper {
 public:
  explicit CTC(std::optional<std::string> reduction = "sum_over_batch_size", std::string name = "ctc");
  static std::shared_ptr<CTC> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor compute(const Tensor& y_true, const Tensor& y_pred) const override;
};

}  // namespace kplug::losses
#pragma GCC visibility pop
