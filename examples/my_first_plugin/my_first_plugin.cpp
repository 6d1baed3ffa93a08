// A first plugin: the layer my_first>Shift (y = x + offset, no weights) and the activation
// my_first>halve (x / 2). Once loaded, Keras configs naming these keys resolve to them.
#include <kplug/sdk.hpp>

#include <memory>
#include <vector>

namespace my_first {

class Shift : public kplug::Layer {
 public:
  struct Options {
    kplug::Number offset;  // an int stays an int in the config, as Python keeps it
  };
  // One declaration gives both from_config and get_config for the layer's own keys.
  static const kplug::config::Fields<Options>& fields() {
    static const kplug::config::Fields<Options> f{
        kplug::config::field("offset", &Options::offset).required().check(kplug::config::finite())};
    return f;
  }

  Shift(Options options, kplug::LayerArgs args) : Layer(std::move(args)), options_(options) {
    mark_built_at_init();  // no weights to create
  }

  boost::json::object get_config() const override {
    boost::json::object config = base_config();  // name, trainable, dtype
    fields().write_into(options_, config);
    return config;
  }

  static std::shared_ptr<Shift> from_config(const boost::json::object& config, kplug::DeserializationContext& context) {
    kplug::ConfigReader reader(config, context, "Shift");
    kplug::LayerArgs args = kplug::LayerArgs::read(reader);
    Options options;
    fields().read_into(reader, options);
    reader.finish();  // an unknown key is an error naming its JSON path
    return std::make_shared<Shift>(options, std::move(args));
  }

  std::vector<kplug::PartialShape> compute_output_shape(
      const std::vector<kplug::PartialShape>& input_shapes) const override {
    return {single_shape(input_shapes)};
  }

 protected:
  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override {
    expect_inputs(args, 1);
    return {args.inputs[0] + kplug::to_float32(options_.offset.value)};  // maths through kplug's tensor ops
  }

 private:
  Options options_;
};

}  // namespace my_first

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_class<my_first::Shift>({.package = "my_first", .module = "my_first_plugin"});  // my_first>Shift
  registrar.add_activation("my_first", "halve", [](const kplug::Tensor& x) { return x * 0.5f; });
}
