// A first plugin: the layer my_first>Shift (y = x + offset, no weights) and the activation
// my_first>halve (x / 2). Once loaded, Keras configs naming these keys resolve to them.
#include <kplug/sdk.hpp>

#include <memory>
#include <vector>

namespace my_first {

struct ShiftOptions {
  kplug::Number offset;  // an int stays an int in the config, as Python keeps it
};

// Written as every kplug layer is: FieldsLayer makes from_config and get_config (Keras's base
// keys, then fields()) and names the class "Shift"; build and call are what remain.
class Shift : public kplug::FieldsLayer<Shift, ShiftOptions> {
 public:
  static const kplug::config::Fields<ShiftOptions>& fields() {
    static const kplug::config::Fields<ShiftOptions> f{
        kplug::config::field("offset", &ShiftOptions::offset).required().check(kplug::config::finite())};
    return f;
  }

  Shift(ShiftOptions options, kplug::LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
    mark_built_at_init();  // no weights to create
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
};

}  // namespace my_first

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_class<my_first::Shift>({.package = "my_first", .module = "my_first_plugin"});  // my_first>Shift
  registrar.add_activation("my_first", "halve", [](const kplug::Tensor& x) { return x * 0.5f; });
}
