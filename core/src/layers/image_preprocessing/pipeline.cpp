// Pipeline (keras/src/layers/preprocessing/pipeline.py): a plain layer running a list of
// layers in turn, passing `training` on (so at inference only layers acting then, such as
// Rescaling, AutoContrast or Dense, change the data).
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/image_preprocessing.hpp"
#include "kplug/layers/layer_io.hpp"

namespace kplug::layers {

const config::Fields<PipelineOptions>& Pipeline::fields() {
  static const config::Fields<Options> list{config::custom_field<Options>(
      "layers",
      [](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        if (!v.is_array()) {
          r.fail(k,
                 "`Pipeline` config must contain a `layers` key mapping to a list of serialized layers. Received "
                 "config with layers=" +
                     json::excerpt(v));
        }
        DeserializationContext& context = r.context();
        DeserializationContext::PathScope scope(context, k);
        for (std::size_t i = 0; i < v.get_array().size(); ++i) {
          DeserializationContext::PathScope item(context, "[" + std::to_string(i) + "]");
          o.layers.push_back(deserialize_layer(v.get_array()[i], context));
        }
      },
      [](const Options& o) {
        boost::json::array layers;
        for (const auto& layer : o.layers) layers.push_back(serialize_layer(*layer));
        return boost::json::value(std::move(layers));
      },
      false)};
  return list;
}

// Keras's Pipeline(layers, name=None): no trainable or dtype argument.
std::shared_ptr<Pipeline> Pipeline::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Pipeline");
  if (!reader.has("layers")) {
    reader.fail("layers", "`Pipeline` config must contain a `layers` key mapping to a list of serialized layers");
  }
  LayerArgs args;
  args.name = reader.optional_string("name");
  Options options;
  fields().read_into(reader, options);
  reader.finish();
  return std::make_shared<Pipeline>(std::move(options), std::move(args));
}

Pipeline::Pipeline(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  for (std::size_t i = 0; i < options_.layers.size(); ++i) {
    if (!options_.layers[i]) throw ValueError("Pipeline: layers[" + std::to_string(i) + "] is null");
  }
}

boost::json::object Pipeline::get_config() const {
  boost::json::object config = fields().write(options_);
  config["name"] = name();
  return config;
}

std::vector<LayerAttribute> Pipeline::layer_attributes() const {
  return {LayerAttribute{"layers", options_.layers, true}};
}

std::vector<PartialShape> Pipeline::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  std::vector<PartialShape> shapes = input_shapes;
  for (const auto& layer : options_.layers) shapes = layer->compute_output_shape(shapes);
  return shapes;
}

// Keras builds each layer on its first call: here each one not yet built (from its own
// build_config) gets the shapes the previous layers give.
void Pipeline::build(const std::vector<PartialShape>& input_shapes) {
  std::vector<PartialShape> shapes = input_shapes;
  for (const auto& layer : options_.layers) {
    layer->maybe_build(shapes);
    shapes = layer->compute_output_shape(shapes);
  }
}

std::vector<Tensor> Pipeline::call(CallArgs& args) {
  std::vector<Tensor> outputs = std::move(args.inputs);
  std::vector<std::optional<Tensor>> masks = std::move(args.masks);
  for (const auto& layer : options_.layers) {
    CallArgs inner(std::move(outputs));
    inner.training = args.training;
    inner.masks = std::move(masks);
    outputs = (*layer)(inner);
    masks = layer->compute_mask(inner, outputs);
  }
  return outputs;
}

}  // namespace kplug::layers
