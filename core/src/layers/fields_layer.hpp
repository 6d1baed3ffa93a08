// from_config / get_config for a layer whose own keys are one field list over `T::Options`
// (`T::fields()` unless given) and whose constructor is `T(Options, LayerArgs)`.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/config_reader.hpp"
#include "kplug/layers/layer.hpp"

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

// An axis argument given as an int or a list of ints; `is_list` remembers the form, which
// Keras writes back as it holds it.
template <class Options>
config::Field<Options> axis_field(std::string key, std::vector<std::int64_t> Options::*axes, bool Options::*is_list) {
  return config::custom_field<Options>(
      std::move(key),
      [axes, is_list](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        o.*is_list = v.is_array();
        o.*axes = config::Codec<std::vector<std::int64_t>>::read(r, k, v.is_array() ? v : boost::json::array{v});
        if ((o.*axes).empty()) r.fail(k, "expected an int or a non-empty list of ints");
      },
      [axes, is_list](const Options& o) {
        return o.*is_list ? config::Codec<std::vector<std::int64_t>>::write(o.*axes)
                          : boost::json::value((o.*axes).front());
      },
      false);
}

}  // namespace kplug::layers::detail
