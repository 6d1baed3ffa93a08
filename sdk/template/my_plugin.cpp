// A starter plugin: a regularizer with a config, a function, a layer and a Lambda's implementation.
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
    // A float in Keras's config. Where Keras writes an int (a count, an axis), read it with
    // reader.integer / optional_integer: reader.real would write 0 back as 0.0. A seed is a
    // kplug::Seed (any int64 or uint64, as Keras writes it): a field of std::optional<Seed>.
    const double factor = reader.real("factor", 1.0);
    reader.finish();  // rejects arguments ScaledL2 does not take
    return std::make_shared<ScaledL2>(factor);
  }

 private:
  double factor_;
};

// A layer: y = x * scale, one trainable scale per feature (the last axis). Its arguments are
// an Options struct holding Keras's defaults and one field list in get_config order;
// FieldsLayer gives from_config and get_config (Keras's base keys name, trainable, dtype first).
struct ScaleOptions {
  std::shared_ptr<kplug::Initializer> scale_initializer = std::make_shared<kplug::initializers::Ones>();
};

class Scale : public kplug::FieldsLayer<Scale, ScaleOptions> {
 public:
  static const kplug::config::Fields<ScaleOptions>& fields() {
    static const kplug::config::Fields<ScaleOptions> f{
        kplug::config::field("scale_initializer", &ScaleOptions::scale_initializer).null_is_default()};
    return f;
  }
  using FieldsLayer::FieldsLayer;

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
  kplug::VariablePtr scale_;
};

// What a Keras Lambda calling the registered Python function my_package>sampling computes
// (`@keras.saving.register_keras_serializable(package="my_package") def sampling(x): ...`),
// so that a model holding `keras.layers.Lambda(sampling)` loads without Python.
std::vector<kplug::Tensor> sampling(const std::vector<kplug::Tensor>& inputs, const boost::json::object& arguments) {
  (void)arguments;  // the Lambda's `arguments` (its function's keyword arguments)
  return {kplug::ops::add(kplug::ops::multiply(inputs.at(0), 2.0f), 1.0f)};  // x * 2 + 1
}

}  // namespace my_plugin

KPLUG_PLUGIN_REGISTER(registrar) {
  // "module" is what serialize() writes; Keras writes the defining Python module.
  registrar.add_class<my_plugin::ScaledL2>({.package = "my_package", .module = "my_plugin"});
  registrar.add_activation("my_package", "cube", [](const kplug::Tensor& x) { return x * x * x; });
  registrar.add_class<my_plugin::Scale>({.package = "my_package", .module = "my_plugin"});
  // Lambdas calling my_package>sampling. The output shape comes from the Lambda's
  // output_shape, else from one call on a small batch (or give .output_shape).
  registrar.add_lambda("my_package", "sampling", {.call = my_plugin::sampling});
}
