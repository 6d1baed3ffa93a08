// The Keras serialization guide's custom object, in C++: a registered class whose
// config holds a regularizer, serialized, then deserialized back.
#include "kplug/config_reader.hpp"
#include "kplug/json.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/serialization.hpp"

#include <iostream>

// A custom regularizer that scales another one: config {"factor": ..., "inner": {...}}.
class Scaled : public kplug::Regularizer {
 public:
  Scaled(double factor, std::shared_ptr<kplug::Regularizer> inner) : factor_(factor), inner_(std::move(inner)) {}

  float operator()(const kplug::Tensor& x) const override { return static_cast<float>(factor_) * (*inner_)(x); }

  boost::json::object get_config() const override { return {{"factor", factor_}, {"inner", kplug::serialize(inner_)}}; }

  static std::shared_ptr<Scaled> from_config(const boost::json::object& config,
                                             kplug::DeserializationContext& context) {
    kplug::ConfigReader reader(config, context, "Scaled");
    const double factor = reader.real("factor", 1.0);
    auto inner = reader.object<kplug::Regularizer>("inner");
    reader.finish();
    if (!inner) reader.fail("inner", "a regularizer is required");
    return std::make_shared<Scaled>(factor, std::move(inner));
  }

 private:
  double factor_;
  std::shared_ptr<kplug::Regularizer> inner_;
};

int main() {
  const std::string key = kplug::register_serializable<Scaled>({.package = "my_package"});
  Scaled original(2.0, std::make_shared<kplug::regularizers::L2>(0.5));

  const boost::json::value config = kplug::serialize(original);
  std::cout << kplug::json::write(config, {.indent = 2}) << "\n";

  auto restored = kplug::deserialize_as<kplug::Regularizer>(config);
  const kplug::Tensor weights = kplug::Tensor::vector({1.0f, -2.0f});
  const float a = original(weights), b = (*restored)(weights);
  std::cout << key << " penalty: " << a << " (restored: " << b << ")\n";
  return a == b && kplug::json::write(kplug::serialize(*restored)) == kplug::json::write(config) ? 0 : 1;
}
