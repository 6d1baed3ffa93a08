#include "model_loading.hpp"

#include "commands.hpp"
#include "plugin_setup.hpp"
#include "progress.hpp"

#include "kplug/json.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/saving/legacy_h5.hpp"

#include <string>

namespace kplug::cli {

ModelPtr load_model(const std::string& path, PluginHost& host, const CommonOptions& options, std::ostream& err,
                    bool compile) {
  setup_plugins(host, options, err);
  DeserializeOptions deserialize_options;
  deserialize_options.safe_mode = !options.unsafe;
  deserialize_options.key_provider = &host;
  const Progress progress(err, options.progress, path);
  return in_file(path, [&] {
    boost::json::value config = json::parse(read_input(path));
    // Predicting and summarising never need the compile state (a missing custom metric must not
    // stop them): Keras's compile=False.
    if (auto* object = config.if_object(); !compile && object && object->contains("compile_config")) {
      (*object)["compile_config"] = nullptr;
    }
    return model_from_config(config, deserialize_options);
  });
}

bool is_model_file(const std::string& path) { return saving::is_model_file(path); }

ModelPtr load_model_file(const std::string& path, PluginHost& host, const CommonOptions& options, std::ostream& err,
                         bool compile) {
  setup_plugins(host, options, err);
  saving::LoadModelOptions load_options;
  load_options.safe_mode = !options.unsafe;
  load_options.key_provider = &host;
  load_options.compile = compile;
  return in_file(path, [&] { return saving::load_model(path, load_options); });
}

// The file is read in an isolated child process (a libhdf5 crash on a hostile file becomes
// an error), then loaded with Model::load_weights's checks.
// Keras's rule: `.weights.h5` is the Keras 3 layout, any other HDF5 file a legacy weights file
// (layer_names at the root, or a whole legacy model's model_weights).
void load_weights_file(Model& model, const std::string& path) {
  in_file(path, [&] {
    if (!path.ends_with(".weights.h5") &&
        saving::detect_model_file_format(path) == saving::ModelFileFormat::legacy_h5) {
      saving::load_legacy_weights(model, path);
    } else {
      model.load_weights(*saving::read_weights_file(path));
    }
  });
}

void load_weights_file(Model& model, const std::string& path, const CommonOptions& options, std::ostream& err) {
  const Progress progress(err, options.progress, path);
  load_weights_file(model, path);
}

}  // namespace kplug::cli
