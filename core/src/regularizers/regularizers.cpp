#include "kplug/regularizers.hpp"

#include "builtins/catalog.hpp"
#include "kplug/json.hpp"
#include "kplug/number.hpp"
#include "kplug/ops/linalg.hpp"

#include <cmath>

namespace kplug {

Regularizer::~Regularizer() = default;

double validate_non_negative(double value, const char* name) {
  if (!std::isfinite(value) || value < 0) {
    throw ValueError(std::string("Invalid value for argument ") + name +
                     ": expected a non-negative float. Received: " + name + "=" + std::to_string(value));
  }
  return value;
}

namespace regularizers {
namespace {
// L1 and OrthogonalRegularizer keep their factor as float32 (Keras: a float32 tensor). What
// kplug accepts it must read back, so the range is checked as stored: 1e39 would become inf,
// be written as `Infinity` and be refused on reading (by Keras too), so it is refused here.
float validate_non_negative_float32(double value, const char* name) {
  validate_non_negative(value, name);
  const float stored = to_float32(value);
  if (std::isinf(stored)) {
    throw ValueError(std::string("Invalid value for argument ") + name +
                     ": expected a non-negative float within float32's range (kplug stores it as float32, as "
                     "Keras does). Received: " +
                     name + "=" + json::format_double(value));
  }
  return stored;
}

// Keras writes `null` for l1/l2 as "use the default".
double number_or_default(ConfigReader& reader, std::string_view key, double fallback) {
  const boost::json::value* v = reader.raw(key);
  if (!v || v->is_null()) return fallback;
  return reader.real(key, fallback);
}
}  // namespace

L1L2::L1L2(double l1, double l2) : l1_(validate_non_negative(l1, "l1")), l2_(validate_non_negative(l2, "l2")) {}

float L1L2::operator()(const Tensor& x) const {
  float penalty = 0.0f;
  if (l1_ != 0.0) penalty += static_cast<float>(l1_) * x.abs().sum();
  if (l2_ != 0.0) penalty += static_cast<float>(l2_) * x.square().sum();
  return penalty;
}

boost::json::object L1L2::get_config() const { return {{"l1", l1_}, {"l2", l2_}}; }

std::shared_ptr<L1L2> L1L2::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "L1L2");
  const double l1 = number_or_default(reader, "l1", 0.0);
  const double l2 = number_or_default(reader, "l2", 0.0);
  reader.finish();
  return std::make_shared<L1L2>(l1, l2);
}

L1::L1(double l1) : l1_(validate_non_negative_float32(l1, "l1")) {}

float L1::operator()(const Tensor& x) const { return l1_ * x.abs().sum(); }

boost::json::object L1::get_config() const { return {{"l1", static_cast<double>(l1_)}}; }

std::shared_ptr<L1> L1::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "L1");
  const double l1 = number_or_default(reader, "l1", 0.01);
  reader.finish();
  return std::make_shared<L1>(l1);
}

L2::L2(double l2) : l2_(validate_non_negative(l2, "l2")) {}

float L2::operator()(const Tensor& x) const { return static_cast<float>(l2_) * x.square().sum(); }

boost::json::object L2::get_config() const { return {{"l2", l2_}}; }

std::shared_ptr<L2> L2::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "L2");
  const double l2 = number_or_default(reader, "l2", 0.01);
  reader.finish();
  return std::make_shared<L2>(l2);
}

OrthogonalRegularizer::OrthogonalRegularizer(double factor, std::string mode)
    : factor_(validate_non_negative_float32(factor, "factor")), mode_(std::move(mode)) {
  if (mode_ != "rows" && mode_ != "columns") {
    throw ValueError("Invalid value for argument `mode`. Expected one of {'rows', 'columns'}. Received: mode=" + mode_);
  }
}

float OrthogonalRegularizer::operator()(const Tensor& x) const {
  if (x.rank() != 2) {
    throw ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=" +
                     shape_to_string(x.shape()));
  }
  // Normalise each row (or column) to unit L2 norm; an all-zero one stays zero.
  const std::int64_t axis = mode_ == "rows" ? 1 : 0;
  Tensor norms = x.square().sum(axis, true).sqrt().map([](float n) { return n == 0.0f ? 1.0f : n; });
  Tensor unit = x / norms;
  Tensor product = mode_ == "rows" ? ops::matmul(unit, unit.transpose()) : ops::matmul(unit.transpose(), unit);
  const std::int64_t size = product.dim(0);
  if (size < 2) return 0.0f;
  float off_diagonal = 0.0f;
  for (std::int64_t i = 0; i < size; ++i) {
    for (std::int64_t j = 0; j < size; ++j) {
      if (i != j) off_diagonal += std::fabs(product.at({i, j}));
    }
  }
  const float pairs = static_cast<float>(size) * (static_cast<float>(size) - 1.0f) / 2.0f;
  return factor_ * 0.5f * off_diagonal / pairs;
}

boost::json::object OrthogonalRegularizer::get_config() const {
  return {{"factor", static_cast<double>(factor_)}, {"mode", mode_}};
}

std::shared_ptr<OrthogonalRegularizer> OrthogonalRegularizer::from_config(const boost::json::object& config,
                                                                          DeserializationContext& context) {
  ConfigReader reader(config, context, "OrthogonalRegularizer");
  const double factor = reader.real("factor", 0.01);
  std::string mode = reader.choice("mode", "rows", {"rows", "columns"});
  reader.finish();
  return std::make_shared<OrthogonalRegularizer>(factor, std::move(mode));
}

}  // namespace regularizers

namespace detail {
void add_builtin_regularizers(CatalogBuilder& builder) {
  using namespace regularizers;
  constexpr std::string_view module = "keras.regularizers";
  builder.add_class<L1>(module, {"L1", "l1"});
  builder.add_class<L2>(module, {"L2", "l2"});
  builder.add_class<L1L2>(module, {"L1L2", "l1_l2"});
  builder.add_class<OrthogonalRegularizer>(module, {"OrthogonalRegularizer", "orthogonal_regularizer"});
}
}  // namespace detail

}  // namespace kplug
