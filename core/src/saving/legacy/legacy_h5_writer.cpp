// keras.src.legacy.saving.legacy_h5_format.save_model_to_hdf5, written through h5::WeightsWriter.
#include "kplug/saving/legacy_h5_writer.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/saving/h5_writer.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/serialization.hpp"
#include "saving/h5/tensor_convert.hpp"
#include "saving/legacy/keras_variable_paths.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace kplug::saving {
namespace {

using Charset = h5::WeightsWriter::Charset;

// Keras writes backend.backend(); kplug computes as Keras's numpy backend does (CPU, NumPy
// layouts), and Keras's legacy loader reads the value without using it.
constexpr const char* kBackend = "numpy";
// h5py cannot store a larger attribute in an object header (legacy_h5_format's constant).
constexpr std::size_t kHeaderLimit = 64512;

// save_attributes_to_hdf5_group: one attribute `name`, or, when NumPy's bytes array of the
// values (count x longest) passes the header limit, `name0`, `name1`, ... split as
// np.array_split splits (the first count % chunks chunks one longer).
void write_list_attribute(h5::WeightsWriter& writer, const std::string& group, const std::string& name,
                          const std::vector<std::string>& values) {
  if (values.empty()) {
    writer.set_empty_list_attribute(group, name);
    return;
  }
  std::size_t width = 1;
  for (const std::string& value : values) {
    if (value.size() > kHeaderLimit) {
      throw ValueError("The following attributes cannot be saved to HDF5 file because they are larger than " +
                       std::to_string(kHeaderLimit) + " bytes: " + value.substr(0, 200) + "... (" +
                       writer.target().string() + ", " + group + "@" + name + ")");
    }
    width = std::max(width, value.size());
  }
  std::size_t chunks = 1;
  auto largest_chunk = [&] { return (values.size() + chunks - 1) / chunks * width; };
  while (largest_chunk() > kHeaderLimit) ++chunks;
  if (chunks == 1) {
    writer.set_string_list_attribute(group, name, values);
    return;
  }
  const std::size_t base = values.size() / chunks;
  const std::size_t longer = values.size() % chunks;
  auto next = values.begin();
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
    const auto size = static_cast<std::ptrdiff_t>(base + (chunk < longer ? 1 : 0));
    writer.set_fixed_string_list_attribute(group, name + std::to_string(chunk), {next, next + size});
    next += size;
  }
}

// save_subset_weights_to_hdf5_group: weight_names, then a dataset at each name.
void write_weights(h5::WeightsWriter& writer, const std::string& group, const std::vector<VariablePtr>& variables,
                   const detail::KerasVariablePaths& paths) {
  writer.make_group(group);
  std::vector<std::string> names;
  for (const VariablePtr& variable : variables) names.push_back(paths.of(*variable));
  write_list_attribute(writer, group, "weight_names", names);
  for (std::size_t i = 0; i < variables.size(); ++i) {
    writer.write(group + "/" + names[i], detail::to_array(variables[i]->value()));
  }
}

// Keras's model.layers leaves out a graph's Operations (ops called on symbolic tensors, such as
// the not_equal of a mask): kplug's op nodes, which serialize under the module keras.src.ops.*.
bool is_operation(const Layer& layer) {
  const boost::json::value dict = serialize(layer);
  const auto* module = dict.is_object() ? dict.get_object().if_contains("module") : nullptr;
  return module && module->is_string() && module->get_string().starts_with("keras.src.ops.");
}

// save_weights_to_hdf5_group, under "model_weights".
void write_model_weights(h5::WeightsWriter& writer, const Model& model, const detail::KerasVariablePaths& paths) {
  const std::string group = "model_weights";
  writer.make_group(group);
  std::vector<LayerPtr> layers = model.layers();
  std::erase_if(layers, [](const LayerPtr& layer) { return is_operation(*layer); });
  std::vector<std::string> names;
  for (const LayerPtr& layer : layers) names.push_back(layer->name());
  write_list_attribute(writer, group, "layer_names", names);
  writer.set_string_attribute(group, "backend", kBackend, Charset::ascii);
  writer.set_string_attribute(group, "keras_version", kKerasVersion, Charset::ascii);
  // Keras sorts by name so that no group name is a prefix of a later one.
  std::stable_sort(layers.begin(), layers.end(),
                   [](const LayerPtr& a, const LayerPtr& b) { return a->name() < b->name(); });
  for (const LayerPtr& layer : layers) {
    std::vector<VariablePtr> variables = layer->trainable_weights();  // _legacy_weights' order
    const std::vector<VariablePtr> frozen = layer->non_trainable_weights();
    variables.insert(variables.end(), frozen.begin(), frozen.end());
    write_weights(writer, group + "/" + layer->name(), variables, paths);
  }
  write_weights(writer, group + "/top_level_model_weights", model.own_variables(), paths);
}

// save_optimizer_weights_to_hdf5_group: only an optimizer with variables gets the group.
void write_optimizer_weights(h5::WeightsWriter& writer, const Model& model, const detail::KerasVariablePaths& paths) {
  const OptimizerPtr& optimizer = model.optimizer();
  if (!optimizer || optimizer->variables().empty()) return;
  const std::string group = "optimizer_weights";
  writer.make_group(group);
  const std::vector<std::string> names = paths.optimizer_paths(model, *optimizer);
  write_list_attribute(writer, group, "weight_names", names);
  for (std::size_t i = 0; i < names.size(); ++i) {
    writer.write(group + "/" + names[i], detail::to_array(optimizer->variables()[i].value));
  }
}

}  // namespace

void save_legacy_h5(const Model& model, const std::filesystem::path& path, bool include_optimizer) {
  // What can fail on the model comes first: a model without a legacy form writes nothing.
  std::string model_config;
  try {
    model_config = json::write(legacy_model_config(model));
  } catch (const NotSupportedError& e) {
    throw NotSupportedError("cannot save " + path.string() + " in the legacy .h5 format: " + e.what());
  }
  const boost::json::value training_config = include_optimizer ? legacy_training_config(model) : nullptr;
  const detail::KerasVariablePaths paths(model);

  h5::WeightsWriter writer(path);
  // model_metadata's str values (h5py: UTF-8), then its dicts as json.dumps(...).encode() (ASCII).
  writer.set_string_attribute("", "keras_version", kKerasVersion, Charset::utf8);
  writer.set_string_attribute("", "backend", kBackend, Charset::utf8);
  writer.set_string_attribute("", "model_config", model_config, Charset::ascii);
  if (!training_config.is_null()) {
    writer.set_string_attribute("", "training_config", json::write(training_config), Charset::ascii);
  }
  write_model_weights(writer, model, paths);
  if (include_optimizer) write_optimizer_weights(writer, model, paths);
  writer.commit();
}

}  // namespace kplug::saving
