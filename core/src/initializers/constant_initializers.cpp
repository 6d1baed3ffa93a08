// Zeros, Ones, Constant and Identity (keras/src/initializers/constant_initializers.py).
#include "kplug/allocation_budget.hpp"
#include "kplug/initializers.hpp"

#include "kplug/config_fields.hpp"

#include "initializers/random_sampling.hpp"
#include "kplug/errors.hpp"
#include "util/argument_checks.hpp"

#include <algorithm>

namespace kplug::initializers {

namespace {
struct NoOptions {};
const config::Fields<NoOptions>& no_fields() {
  static const config::Fields<NoOptions> fields;
  return fields;
}

struct ConstantOptions {
  Number value = Number::real(0.0);
};
const config::Fields<ConstantOptions>& constant_fields() {
  static const config::Fields<ConstantOptions> fields{config::field("value", &ConstantOptions::value)};
  return fields;
}

struct IdentityOptions {
  Number gain = Number::real(1.0);
};
// Keras's Identity has no get_config, so it loses `gain` (a config of Identity(gain=2.0) is {}).
// kplug writes a gain other than 1 so the object survives a round trip; the default still gives {}.
const config::Fields<IdentityOptions>& identity_fields() {
  static const config::Fields<IdentityOptions> fields{
      config::field("gain", &IdentityOptions::gain).write_if([](const IdentityOptions& a) {
        return a.gain.value != 1.0;
      })};
  return fields;
}
}  // namespace

Tensor Zeros::operator()(const Shape& shape) const {
  check_allocation(shape, sizeof(float), "Zeros initializer");
  return Tensor(shape, 0.0f);
}

boost::json::object Zeros::get_config() const { return no_fields().write({}); }

std::shared_ptr<Zeros> Zeros::from_config(const boost::json::object& config, DeserializationContext& context) {
  no_fields().read(config, context, "Zeros");
  return std::make_shared<Zeros>();
}

Tensor Ones::operator()(const Shape& shape) const {
  check_allocation(shape, sizeof(float), "Ones initializer");
  return Tensor(shape, 1.0f);
}

boost::json::object Ones::get_config() const { return no_fields().write({}); }

std::shared_ptr<Ones> Ones::from_config(const boost::json::object& config, DeserializationContext& context) {
  no_fields().read(config, context, "Ones");
  return std::make_shared<Ones>();
}

Constant::Constant(Number value) : value_(value) { checks::require_finite(value_.value, "value"); }

Tensor Constant::operator()(const Shape& shape) const {
  check_allocation(shape, sizeof(float), "Constant initializer");
  return Tensor(shape, to_float32(value_.value));
}

// Number keeps `0` and `0.0` apart, as Python writes them.
boost::json::object Constant::get_config() const { return constant_fields().write({value_}); }

std::shared_ptr<Constant> Constant::from_config(const boost::json::object& config, DeserializationContext& context) {
  return std::make_shared<Constant>(constant_fields().read(config, context, "Constant").value);
}

Identity::Identity(Number gain) : gain_(gain) { checks::require_finite(gain_.value, "gain"); }

Tensor Identity::operator()(const Shape& shape) const {
  if (shape.size() != 2) {
    throw ValueError("Identity matrix initializer can only be used for 2D matrices. Received: shape=" +
                     shape_to_string(shape) + " of rank " + std::to_string(shape.size()) + ".");
  }
  check_allocation(shape, sizeof(float), "Identity initializer");
  Tensor out(shape, 0.0f);
  const std::int64_t diagonal = std::min(shape[0], shape[1]);
  for (std::int64_t i = 0; i < diagonal; ++i) out.at({i, i}) = to_float32(gain_.value);
  return out;
}

boost::json::object Identity::get_config() const { return identity_fields().write({gain_}); }

std::shared_ptr<Identity> Identity::from_config(const boost::json::object& config, DeserializationContext& context) {
  return std::make_shared<Identity>(identity_fields().read(config, context, "Identity").gain);
}

}  // namespace kplug::initializers
