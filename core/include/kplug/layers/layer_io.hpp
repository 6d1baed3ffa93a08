// Layers and models as Keras's serialize_keras_object / deserialize_keras_object
// handle them: built layers carry "build_config", models "compile_config".
#pragma once

#include "kplug/layers/layer.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/value.hpp>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

// The object dict of a layer or model, with "build_config" when it was built through
// shapes and "compile_config" for models.
boost::json::value serialize_layer(const Layer& layer);

// A layer (or model) from its object dict at the context's current path. Its
// "build_config" builds it, a model's "compile_config" is kept. Anything else than a
// layer -> ConfigError "Unexpected object from deserialization, expected a layer or
// operation"; an unknown keras.layers class lists the known ones.
LayerPtr deserialize_layer(const boost::json::value& dict, DeserializationContext& context);

}  // namespace kplug

#pragma GCC visibility pop
