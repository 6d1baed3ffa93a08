// A starter plugin: a regularizer with a config, a function and a layer.
#include <kplug/sdk.hpp>

#include <memory>
#include <vector>

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

// A layer: y = x * scale, one trainable scale per feature (the last axis). Its config is
// Keras's base keys (name, trainable, dtype), then its own, declared once as fields.
class Scale : public kplug::Layer {
 public:
  struct Options {
    std::shared_ptr<kplug::Initializer> scale_initializer = std::make_shared<kplug::initializers::Ones>();
  };
  static const kplug::config::Fields<Options>& fields() {
    static const kplug::config::Fields<Options> f{
        kplug::config::field("scale_initializer", &Options::scale_initializer).null_is_default()};
    return f;
  }

  Scale(Options options, kplug::LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {}

  boost::json::object get_config() const override {
    boost::json::object config = base_config();
    fields().write_into(options_, config);
    return config;
  }

  static std::shared_ptr<Scale> from_config(const boost::json::object& config, kplug::DeserializationContext& context) {
    kplug::ConfigReader reader(config, context, "Scale");
    kplug::LayerArgs args = kplug::LayerArgs::read(reader);  // name, trainable, dtype
    Options options;
    fields().read_into(reader, options);
    reader.finish();
    return std::make_shared<Scale>(std::move(options), std::move(args));
  }

  std::vector<kplug::PartialShape> compute_output_shape(
      const std::vector<kplug::PartialShape>& input_shapes) const override {
    return {single_shape(input_shapes)};
  }

 protected:
  void build(const std::vector<kplug::PartialShape>& input_shapes) override {
    const kplug::PartialShape& in = single_shape(input_shapes);
    if (in.rank() == 0 || !in[in.rank() - 1]) fail("needs a known last dimension, got " + in.to_string());
    scale_ = add_weight({"scale", {*in[in.rank() - 1]}, options_.scale_initializer, nullptr, nullptr, true});
  }

  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override {
    expect_inputs(args, 1);
    return {kplug::ops::multiply(args.inputs[0], scale_->value())};  // maths through kplug::ops
  }

 private:
  Options options_;
  kplug::VariablePtr scale_;
};

}  // namespace my_plugin

KPLUG_PLUGIN_REGISTER(registrar) {
  // "module" is what serialize() writes; Keras writes the defining Python module.
  registrar.add_class<my_plugin::ScaledL2>("my_package", {}, "my_plugin");
  registrar.add_activation("my_package", "cube", [](const kplug::Tensor& x) { return x * x * x; });
  registrar.add_class<my_plugin::Scale>("my_package", {}, "my_plugin");
}
