// A starter plugin: one class (a regularizer with a config) and one function.
#include <kplug/sdk.hpp>

#include <memory>

namespace my_plugin {

// factor * sum(x^2), serialized as {"factor": ...}.
class ScaledL2 : public kplug::Regularizer {
 public:
  explicit ScaledL2(double factor) : factor_(factor) {}

  float operator()(const kplug::Tensor& x) const override { return static_cast<float>(factor_) * x.square().sum(); }

  boost::json::object get_config() const override { return {{"factor", factor_}}; }

  static std::shared_ptr<ScaledL2> from_config(const boost::json::object& config,
                                               kplug::DeserializationContext& context) {
    kplug::ConfigReader reader(config, context, "ScaledL2");
    // A float in Keras's config. Where Keras writes an int (a count, an axis, a seed), read it
    // with reader.integer / optional_integer: reader.real would write 0 back as 0.0.
    const double factor = reader.real("factor", 1.0);
    reader.finish();  // rejects arguments ScaledL2 does not take
    return std::make_shared<ScaledL2>(factor);
  }

 private:
  double factor_;
};

}  // namespace my_plugin

KPLUG_PLUGIN_REGISTER(registrar) {
  // "module" is what serialize() writes; Keras writes the defining Python module.
  registrar.add_class<my_plugin::ScaledL2>("my_package", {}, "my_plugin");
  registrar.add_activation("my_package", "cube", [](const kplug::Tensor& x) { return x * x * x; });
}
