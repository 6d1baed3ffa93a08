#include "kplug/constraints.hpp"

#include "builtins/catalog.hpp"
#include "util/keras_epsilon.hpp"

namespace kplug {

Constraint::~Constraint() = default;

namespace constraints {
namespace {

// sqrt(sum(w^2)) over `axes`, keeping them (so it broadcasts against w).
Tensor norms(const Tensor& w, const NormAxes& axis) {
  Tensor squares = w.square();
  for (std::int64_t a : axis.axes) squares = squares.sum(a, true);
  return squares.sqrt();
}

}  // namespace

boost::json::value NormAxes::to_json() const {
  if (!as_list && axes.size() == 1) return axes.front();
  boost::json::array list;
  for (std::int64_t a : axes) list.push_back(a);
  return list;
}

NormAxes NormAxes::read(ConfigReader& reader, std::int64_t fallback) {
  const boost::json::value* v = reader.raw("axis");
  NormAxes result{{fallback}, false};
  if (!v) return result;
  auto axes = reader.optional_int_list("axis");
  if (!axes) reader.fail("axis", "expected an integer or a list of integers, got null");
  result.axes = *axes;
  result.as_list = v->is_array();
  return result;
}

MaxNorm::MaxNorm(Number max_value, NormAxes axis) : max_value_(max_value), axis_(std::move(axis)) {}

Tensor MaxNorm::operator()(const Tensor& w) const {
  Tensor n = norms(w, axis_);
  Tensor desired = n.clip(0.0f, static_cast<float>(max_value_.value));
  return w * (desired / (n + kKerasEpsilon));
}

boost::json::object MaxNorm::get_config() const {
  return {{"max_value", max_value_.to_json()}, {"axis", axis_.to_json()}};
}

std::shared_ptr<MaxNorm> MaxNorm::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "MaxNorm");
  Number max_value = reader.number("max_value", Number::integer(2));
  NormAxes axis = NormAxes::read(reader, 0);
  reader.finish();
  return std::make_shared<MaxNorm>(max_value, std::move(axis));
}

MinMaxNorm::MinMaxNorm(Number min_value, Number max_value, Number rate, NormAxes axis)
    : min_value_(min_value), max_value_(max_value), rate_(rate), axis_(std::move(axis)) {}

Tensor MinMaxNorm::operator()(const Tensor& w) const {
  Tensor n = norms(w, axis_);
  const float rate = static_cast<float>(rate_.value);
  Tensor desired =
      rate * n.clip(static_cast<float>(min_value_.value), static_cast<float>(max_value_.value)) + (1.0f - rate) * n;
  return w * (desired / (n + kKerasEpsilon));
}

boost::json::object MinMaxNorm::get_config() const {
  return {{"min_value", min_value_.to_json()},
          {"max_value", max_value_.to_json()},
          {"rate", rate_.to_json()},
          {"axis", axis_.to_json()}};
}

std::shared_ptr<MinMaxNorm> MinMaxNorm::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  ConfigReader reader(config, context, "MinMaxNorm");
  Number min_value = reader.number("min_value", Number::real(0.0));
  Number max_value = reader.number("max_value", Number::real(1.0));
  Number rate = reader.number("rate", Number::real(1.0));
  NormAxes axis = NormAxes::read(reader, 0);
  reader.finish();
  return std::make_shared<MinMaxNorm>(min_value, max_value, rate, std::move(axis));
}

Tensor NonNeg::operator()(const Tensor& w) const {
  return w.map([](float x) { return x >= 0.0f ? x : 0.0f; });
}

std::shared_ptr<NonNeg> NonNeg::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "NonNeg");
  reader.finish();
  return std::make_shared<NonNeg>();
}

UnitNorm::UnitNorm(NormAxes axis) : axis_(std::move(axis)) {}

Tensor UnitNorm::operator()(const Tensor& w) const { return w / (norms(w, axis_) + kKerasEpsilon); }

boost::json::object UnitNorm::get_config() const { return {{"axis", axis_.to_json()}}; }

std::shared_ptr<UnitNorm> UnitNorm::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "UnitNorm");
  NormAxes axis = NormAxes::read(reader, 0);
  reader.finish();
  return std::make_shared<UnitNorm>(std::move(axis));
}

}  // namespace constraints

namespace detail {
void add_builtin_constraints(CatalogBuilder& builder) {
  using namespace constraints;
  constexpr std::string_view module = "keras.constraints";
  builder.add_class<MaxNorm>(module, {"MaxNorm", "max_norm"});
  builder.add_class<MinMaxNorm>(module, {"MinMaxNorm", "min_max_norm"});
  builder.add_class<NonNeg>(module, {"NonNeg", "non_neg"});
  builder.add_class<UnitNorm>(module, {"UnitNorm", "unit_norm"});
}
}  // namespace detail

}  // namespace kplug
