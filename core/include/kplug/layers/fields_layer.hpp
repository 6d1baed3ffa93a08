// The one way to write a layer, in core, in plugins and in the docs.
//
// A layer's own arguments are an `Options` struct whose member initialisers are Keras's
// defaults, and one typed field list over it, in Keras's get_config order. FieldsLayer
// turns that list into from_config (base keys, then the fields, then "no other key") and
// get_config (base_config(), then the fields), and names the class once:
//
//   struct ScaleOptions {
//     std::shared_ptr<kplug::Initializer> scale_initializer = std::make_shared<kplug::initializers::Ones>();
//   };
//   class Scale : public kplug::FieldsLayer<Scale, ScaleOptions> {
//    public:
//     static const kplug::config::Fields<ScaleOptions>& fields() {
//       static const kplug::config::Fields<ScaleOptions> f{
//           kplug::config::field("scale_initializer", &ScaleOptions::scale_initializer).null_is_default()};
//       return f;
//     }
//     using FieldsLayer::FieldsLayer;  // or a constructor of its own that checks the options
//     std::vector<kplug::PartialShape> compute_output_shape(const std::vector<kplug::PartialShape>&) const override;
//    protected:
//     void build(const std::vector<kplug::PartialShape>& input_shapes) override;
//     std::vector<kplug::Tensor> call(kplug::CallArgs& args) override;
//   };
//
// The Keras class name is the C++ class name, unless the class declares
// `static constexpr std::string_view keras_class_name = "Activation";`.
//
// `Base` (default Layer) is a Layer subclass constructible from LayerArgs that the layer
// shares with others (the RNN loop). A field named like a base key (activity_regularizer)
// keeps the base key's place when base_config() wrote it (a set regularizer) and takes the
// list's place otherwise, as Python's `config.update(...)` in Keras's get_config.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/config_reader.hpp"
#include "kplug/layers/layer.hpp"

#include <boost/json/object.hpp>

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

template <class Derived, class OptionsT, class Base = Layer>
requires std::derived_from<Base, Layer>
class FieldsLayer : public Base {
 public:
  using Options = OptionsT;

  // The Keras class name: `Derived::keras_class_name` where declared, else the C++ name.
  static std::string keras_class_name_of() {
    if constexpr (requires { Derived::keras_class_name; }) {
      return std::string(Derived::keras_class_name);
    } else {
      return plain_type_name(typeid(Derived));
    }
  }

  // Keras's `from_config(config)`: name, trainable, dtype (and activity_regularizer), then
  // `Derived::fields()`; any other key is an error naming it.
  static std::shared_ptr<Derived> from_config(const boost::json::object& config, DeserializationContext& context) {
    ConfigReader reader(config, context, keras_class_name_of());
    LayerArgs args = LayerArgs::read(reader);
    Options options;
    Derived::fields().read_into(reader, options);
    reader.finish();
    return std::make_shared<Derived>(std::move(options), std::move(args));
  }

  boost::json::object get_config() const override {
    boost::json::object config = this->base_config();
    Derived::fields().write_into(options_, config);
    return config;
  }

  std::string class_name() const override { return keras_class_name_of(); }

  const Options& options() const noexcept { return options_; }

  // Public, so that `using FieldsLayer::FieldsLayer;` gives the derived class a public one.
  FieldsLayer(Options options, LayerArgs args) : Base(std::move(args)), options_(std::move(options)) {}

 protected:
  Options options_;
};

}  // namespace kplug

#pragma GCC visibility pop
