// Helpers for layer tests: a built-in layer from its class name and config text.
#pragma once

#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/serialization.hpp"

#include <string>

namespace kplug::test {

// `{"module": "keras.layers", "class_name": <class_name>, "config": <config>}` deserialized.
inline LayerPtr layer_from(const std::string& class_name, const std::string& config) {
  DeserializeOptions options;
  DeserializationContext context(options);
  return deserialize_layer(
      json::parse(R"({"module": "keras.layers", "class_name": ")" + class_name + R"(", "config": )" + config + "}"),
      context);
}

}  // namespace kplug::test
