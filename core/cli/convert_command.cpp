// kplug convert IN OUT: between a `.keras` archive, its directory form and a config `.json`
// + `.weights.h5` pair, or to a legacy `.h5` model file. The model is loaded (plugins from
// --plugins) and saved again; the compile_config is kept.
#include "commands.hpp"
#include "model_loading.hpp"

#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/saving/keras_file.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>

namespace kplug::cli {
namespace {

bool is_json(const std::string& path) { return path.ends_with(".json"); }

// "model.json" -> "model.weights.h5"
std::string weights_beside(const std::string& json_path) {
  return json_path.substr(0, json_path.size() - std::string_view(".json").size()) + ".weights.h5";
}

}  // namespace

int run_convert(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.size() != 2) throw UsageError{"convert takes IN and OUT"};
  const std::string& in = options.positional[0];
  const std::string& target = options.positional[1];
  if (in == target) throw UsageError{"IN and OUT are the same path"};
  PluginHost host;
  ModelPtr model;
  if (is_json(in)) {
    const std::string weights = options.weights.empty() ? weights_beside(in) : options.weights;
    model = load_model(in, host, options, err, /*compile=*/true);
    load_weights_file(*model, weights);
  } else {
    if (!options.weights.empty()) throw UsageError{"--weights is for a MODEL.json input"};
    model = load_model_file(in, host, options, err, /*compile=*/true);
  }
  if (is_json(target)) {
    const std::string weights = options.weights_out.empty() ? weights_beside(target) : options.weights_out;
    in_file(weights, [&] { saving::save_weights(*model, weights); });
    std::ofstream file(target, std::ios::binary);
    file << model->to_json();
    file.close();
    if (!file) throw FileFailure{target, "cannot write"};
    out << "wrote " << target << " and " << weights << "\n";
  } else {
    if (!options.weights_out.empty()) throw UsageError{"--weights-out is for a .json OUT"};
    saving::SaveModelOptions save;
    // A folder unless the name says archive, or legacy `.h5` / `.hdf5` (Keras's legacy HDF5 layout).
    save.zipped = target.ends_with(".keras") || target.ends_with(".h5") || target.ends_with(".hdf5");
    in_file(target, [&] { saving::save_model(*model, target, save); });
    out << "wrote " << target << (save.zipped ? "" : " (folder: metadata.json, config.json, model.weights.h5)") << "\n";
  }
  return kExitOk;
}

}  // namespace kplug::cli
