// keras.constraints: projections applied to a weight tensor after each update.
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/number.hpp"
#include "kplug/object.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <memory>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class Constraint : public SerializableOfKind<Kind::constraint> {
 public:
  ~Constraint() override;
  virtual Tensor operator()(const Tensor& w) const = 0;
};

namespace constraints {

// The axes a norm constraint reduces over: Keras accepts an int or a list of ints.
struct NormAxes {
  std::vector<std::int64_t> axes{0};
  bool as_list = false;
  boost::json::value to_json() const;
  static NormAxes read(ConfigReader& reader, std::int64_t fallback);
};

// Rescales slices whose L2 norm exceeds max_value.
class MaxNorm : public Constraint {
 public:
  explicit MaxNorm(Number max_value = Number::integer(2), NormAxes axis = {});
  Tensor operator()(const Tensor& w) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<MaxNorm> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  Number max_value_;
  NormAxes axis_;
};

// Moves slice norms into [min_value, max_value] at `rate`.
class MinMaxNorm : public Constraint {
 public:
  explicit MinMaxNorm(Number min_value = Number::real(0.0), Number max_value = Number::real(1.0),
                      Number rate = Number::real(1.0), NormAxes axis = {});
  Tensor operator()(const Tensor& w) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<MinMaxNorm> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  Number min_value_, max_value_, rate_;
  NormAxes axis_;
};

// Zeroes negative weights.
class NonNeg : public Constraint {
 public:
  Tensor operator()(const Tensor& w) const override;
  boost::json::object get_config() const override { return {}; }
  static std::shared_ptr<NonNeg> from_config(const boost::json::object& config, DeserializationContext& context);
};

// Scales slices to unit L2 norm.
class UnitNorm : public Constraint {
 public:
  explicit UnitNorm(NormAxes axis = {});
  Tensor operator()(const Tensor& w) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<UnitNorm> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  NormAxes axis_;
};

}  // namespace constraints
}  // namespace kplug
#pragma GCC visibility pop
