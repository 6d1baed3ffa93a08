// keras.regularizers: a penalty computed from a weight tensor.
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/object.hpp"
#include "kplug/tensor.hpp"

#include <memory>
#include <string>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class Regularizer : public SerializableOfKind<Kind::regularizer> {
 public:
  ~Regularizer() override;
  // The penalty of `x` (a scalar added to the loss).
  virtual float operator()(const Tensor& x) const = 0;
};

namespace regularizers {

// l1 * sum(|x|) + l2 * sum(x^2). Keras's L1L2 defaults are 0 (l1_l2() uses 0.01).
class L1L2 : public Regularizer {
 public:
  explicit L1L2(double l1 = 0.0, double l2 = 0.0);
  float operator()(const Tensor& x) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<L1L2> from_config(const boost::json::object& config, DeserializationContext& context);
  double l1() const noexcept { return l1_; }
  double l2() const noexcept { return l2_; }

 private:
  double l1_, l2_;
};

// l1 * sum(|x|); Keras keeps l1 as a float32 tensor, so its config shows the float32 value.
class L1 : public Regularizer {
 public:
  explicit L1(double l1 = 0.01);
  float operator()(const Tensor& x) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<L1> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  float l1_;
};

// l2 * sum(x^2).
class L2 : public Regularizer {
 public:
  explicit L2(double l2 = 0.01);
  float operator()(const Tensor& x) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<L2> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  double l2_;
};

// factor * mean |cosine similarity| between distinct rows (or columns) of a 2-D tensor.
class OrthogonalRegularizer : public Regularizer {
 public:
  explicit OrthogonalRegularizer(double factor = 0.01, std::string mode = "rows");
  float operator()(const Tensor& x) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<OrthogonalRegularizer> from_config(const boost::json::object& config,
                                                            DeserializationContext& context);

 private:
  float factor_;
  std::string mode_;
};

}  // namespace regularizers

// Keras's validate_float_arg: a finite, non-negative number, else ValueError naming `name`.
double validate_non_negative(double value, const char* name);

}  // namespace kplug
#pragma GCC visibility pop
