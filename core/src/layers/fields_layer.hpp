// from_config / get_config for a layer whose own keys are one field list over `T::Options`
// (`T::fields()` unless given) and whose constructor is `T(Options, LayerArgs)`.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/config_reader.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_fields.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kplug::layers::detail {

template <class T>
std::shared_ptr<T> read_fields_layer(const boost::json::object& config, DeserializationContext& context,
                                     const char* class_name, const config::Fields<typename T::Options>& fields) {
  ConfigReader reader(config, context, class_name);
  LayerArgs args = LayerArgs::read(reader);
  typename T::Options options;
  fields.read_into(reader, options);
  reader.finish();
  return std::make_shared<T>(std::move(options), std::move(args));
}

template <class T>
std::shared_ptr<T> read_fields_layer(const boost::json::object& config, DeserializationContext& context,
                                     const char* class_name) {
  return read_fields_layer<T>(config, context, class_name, T::fields());
}

template <class T>
boost::json::object write_fields_layer(const T& layer, const typename T::Options& options,
                                       const config::Fields<typename T::Options>& fields) {
  boost::json::object config = layer.base_config();
  fields.write_into(options, config);
  return config;
}

template <class T>
boost::json::object write_fields_layer(const T& layer, const typename T::Options& options) {
  return write_fields_layer(layer, options, T::fields());
}

}  // namespace kplug::layers::detail

namespace kplug::layers::detail {

using kplug::layers::axis_field;  // moved to kplug/layers/layer_fields.hpp

}  // namespace kplug::layers::detail
