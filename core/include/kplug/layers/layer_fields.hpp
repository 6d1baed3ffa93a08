// Config fields for the keys Keras layers share, on top of kplug/config_fields.hpp.
//
// A layer reads its own keys with a `config::Fields<Options>` list after the base keys,
// with the same ConfigReader, and writes them after `base_config()`:
//
//   static const config::Fields<Options>& fields() {
//     static const config::Fields<Options> f{
//         config::field("units", &Options::units).required().check(config::at_least(1)),
//         layers::activation_field("activation", &Options::activation),
//         config::field("use_bias", &Options::use_bias, true), ...};
//     return f;
//   }
//   from_config: ConfigReader reader(config, context, "Dense");
//                LayerArgs args = LayerArgs::read(reader);
//                Options o; fields().read_into(reader, o); reader.finish();
//   get_config:  auto config = base_config(); fields().write_into(options_, config);
#pragma once

#include "kplug/activations.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Serialized as Keras's layers write activations: a built-in's name ("relu"), else the object dict.
boost::json::value serialize_activation(const std::shared_ptr<Activation>& activation);

// An activation as layers hold it: a name or a dict read through the registry; null and
// an absent key mean "linear" (Keras's `activation=None`), written back as "linear".
template <class Options>
config::Field<Options> activation_field(std::string key, std::shared_ptr<Activation> Options::*member) {
  return config::custom_field<Options>(
      std::move(key),
      [member](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        o.*member = r.context().template object<Activation>(v, k);
      },
      [member](const Options& o) { return serialize_activation(o.*member); });
}

// A key Keras accepts and ignores (a deprecated argument): read, never written.
template <class Options>
config::Field<Options> ignored_field(std::string key) {
  auto f = config::custom_field<Options>(
      std::move(key), [](ConfigReader&, std::string_view, const boost::json::value&, Options&) {}, {});
  f.read_only();
  return f;
}

// Keras's conv and RNN layers write `activity_regularizer` among their own keys (null when
// unset), where FieldsLayer places it. LayerArgs reads it and the Layer holds it: the field
// only writes `Options::*member`, which the layer's constructor sets from activity_regularizer().
template <class Options>
config::Field<Options> activity_regularizer_field(std::shared_ptr<Regularizer> Options::*member) {
  return config::custom_field<Options>(
      "activity_regularizer", [](ConfigReader&, std::string_view, const boost::json::value&, Options&) {},
      [member](const Options& o) { return serialize(o.*member); });
}

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

// Keras 3's quantization and LoRA keys (`quantization_config`, `lora_rank`,
// `lora_alpha`): kplug runs float32 models only, so a quantized or LoRA layer is a clear
// NotSupportedError naming the key; the unset forms (null, 0) are accepted.
// `quantization_config` is written back as null, the LoRA keys are never written (as Keras).
template <class Options>
config::Fields<Options> quantization_fields(std::string_view class_name) {
  auto refuse_set = [name = std::string(class_name)](std::string_view what) {
    return
        [name, what = std::string(what)](ConfigReader& r, std::string_view k, const boost::json::value& v, Options&) {
          if (!v.is_null() && !(v.is_int64() && v.get_int64() == 0)) {
            throw NotSupportedError(r.context().path_of(k) + ": " + name + " with " + what + " is not supported");
          }
        };
  };
  auto lora_rank = config::custom_field<Options>("lora_rank", refuse_set("lora_rank"), {});
  return config::Fields<Options>{
      config::custom_field<Options>("quantization_config", refuse_set("quantization_config"),
                                    [](const Options&) { return boost::json::value(nullptr); }),
      lora_rank.read_only(), ignored_field<Options>("lora_alpha")};
}

}  // namespace kplug::layers

#pragma GCC visibility pop
