// The implementations of the two Lambda layers of tests/data/plugin_models/lambda_plugin:
// `sample` calls the registered Python function lambda_test>sampling (x * 2 + 1), `total`
// holds a Python lambda (sum over the last axis, plus its `offset` argument).
#include <kplug/sdk.hpp>

#include <vector>

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_lambda(
      "lambda_test", "sampling", {.call = [](const std::vector<kplug::Tensor>& inputs, const boost::json::object&) {
        return std::vector<kplug::Tensor>{kplug::ops::add(kplug::ops::multiply(inputs.at(0), 2.0f), 1.0f)};
      }});
  registrar.add_lambda(
      "lambda_test", "total",
      {.match = kplug::LambdaMatch::layer_name,
       .call =
           [](const std::vector<kplug::Tensor>& inputs, const boost::json::object& arguments) {
             const auto offset = static_cast<float>(arguments.at("offset").to_number<double>());
             return std::vector<kplug::Tensor>{kplug::ops::add(kplug::ops::sum(inputs.at(0), {-1}, true), offset)};
           },
       .output_shape =
           [](const std::vector<kplug::PartialShape>& shapes) {
             return std::vector<kplug::PartialShape>{kplug::PartialShape{shapes.at(0)[0], 1}};
           }});
}
