// Registers a class without from_config: must fail to compile, saying what is missing.
#include <kplug/sdk.hpp>

namespace no_from_config {
class NoFromConfig : public kplug::Regularizer {
 public:
  float operator()(const kplug::Tensor& x) const override { return x.sum(); }
  boost::json::object get_config() const override { return {}; }
};
}  // namespace no_from_config

KPLUG_PLUGIN_REGISTER(registrar) { registrar.add_class<no_from_config::NoFromConfig>({.package = "no_from_config"}); }
