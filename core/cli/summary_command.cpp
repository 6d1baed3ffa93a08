// kplug summary MODEL.json|MODEL.keras|MODEL.h5 [--json]: Keras's model.summary() table, or the same facts as JSON.
#include "commands.hpp"
#include "model_loading.hpp"

#include "kplug/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <ostream>

namespace kplug::cli {

boost::json::object summary_json(const Model& model) {
  boost::json::object out;
  out["name"] = model.name();
  out["class_name"] = model.class_name();
  boost::json::array layers;
  for (const LayerPtr& layer : model.layers()) {
    layers.push_back(boost::json::object{
        {"name", layer->name()}, {"class_name", layer->class_name()}, {"params", layer->count_params()}});
  }
  out["layers"] = std::move(layers);
  boost::json::array outputs;
  const std::vector<std::string> names = model.output_names();
  const std::vector<PartialShape> shapes = model.output_shapes();
  for (std::size_t i = 0; i < names.size() && i < shapes.size(); ++i) {
    outputs.push_back(boost::json::object{{"name", names[i]}, {"shape", shapes[i].to_json()}});
  }
  out["outputs"] = std::move(outputs);
  const std::int64_t trainable = model.count_trainable_params();
  const std::int64_t non_trainable = model.count_non_trainable_params();
  out["total_params"] = trainable + non_trainable;
  out["trainable_params"] = trainable;
  out["non_trainable_params"] = non_trainable;
  return out;
}

int run_summary(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.size() != 1) throw UsageError{"summary takes one MODEL.json, MODEL.keras or MODEL.h5"};
  const std::string& path = options.positional[0];
  PluginHost host;
  const ModelPtr model = is_model_file(path) ? load_model_file(path, host, options, err, /*compile=*/false)
                                             : load_model(path, host, options, err, /*compile=*/false);
  in_file(path, [&] {
    if (options.json) {
      json::WriteOptions write_options;
      out << json::write(summary_json(*model), write_options) << "\n";
    } else {
      out << model->summary();
    }
  });
  return kExitOk;
}

}  // namespace kplug::cli
