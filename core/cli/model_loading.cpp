#include "model_loading.hpp"

#include "commands.hpp"
#include "plugin_setup.hpp"

#include "kplug/saving/h5_reader.hpp"
#include "kplug/saving/weights_store.hpp"

#include <span>
#include <string_view>

namespace kplug::cli {
namespace {

// h5::Array (the file's dtype) to a Tensor: floats as float32, integers and bools as int64
// (what Keras assigns to variables; load_weights checks the shapes).
Tensor to_tensor(const h5::Array& array) {
  const Shape shape(array.shape.begin(), array.shape.end());
  if (h5::is_floating(array.dtype)) return Tensor(shape, array.to_float32());
  const std::vector<std::int64_t> values = array.to_int64();
  return Tensor::from_values<std::int64_t>(shape, std::span<const std::int64_t>(values));
}

}  // namespace

ModelPtr load_model(const std::string& path, PluginHost& host, const CommonOptions& options, std::ostream& err) {
  setup_plugins(host, options, err);
  DeserializeOptions deserialize_options;
  deserialize_options.safe_mode = !options.unsafe;
  deserialize_options.key_provider = &host;
  return in_file(path, [&] { return model_from_json(read_input(path), deserialize_options); });
}

void load_weights_file(Model& model, const std::string& path) {
  in_file(path, [&] {
    const h5::WeightsReader reader = h5::WeightsReader::open(path);
    saving::InMemoryWeightsStore store;
    for (const h5::DatasetInfo& info : reader.walk()) {
      auto* group = &store.root();
      std::string_view rest = info.path;
      for (auto slash = rest.find('/'); slash != std::string_view::npos; slash = rest.find('/')) {
        group = &group->groups[std::string(rest.substr(0, slash))];
        rest.remove_prefix(slash + 1);
      }
      group->datasets[std::string(rest)] = to_tensor(reader.read(info.path));
    }
    model.load_weights(store);
  });
}

}  // namespace kplug::cli
