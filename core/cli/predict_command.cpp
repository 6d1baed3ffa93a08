// kplug predict MODEL.json --weights W.weights.h5 --input io.json [--output out.json]
// kplug predict MODEL.keras|MODEL.h5 --input io.json (an archive, its folder or a legacy .h5 holds its weights)
#include "commands.hpp"
#include "io_json.hpp"
#include "model_loading.hpp"

#include "kplug/json.hpp"

#include <fstream>
#include <map>
#include <ostream>

namespace kplug::cli {

int run_predict(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.size() != 1) throw UsageError{"predict takes one MODEL.json, MODEL.keras or MODEL.h5"};
  const std::string& path = options.positional[0];
  PluginHost host;
  ModelPtr model;
  if (is_model_file(path)) {
    if (!options.weights.empty()) throw UsageError{"--weights is for a MODEL.json: '" + path + "' holds its weights"};
    model = load_model_file(path, host, options, err, /*compile=*/false);  // predicting needs no optimizer
  } else {
    if (options.weights.empty()) throw UsageError{"--weights is required with a MODEL.json"};
    model = load_model(path, host, options, err, /*compile=*/false);
    load_weights_file(*model, options.weights, options, err);
  }

  const std::vector<NamedTensor> inputs =
      in_file(options.input, [&] { return read_io(json::parse(read_input(options.input)), "inputs"); });
  std::map<std::string, Tensor, std::less<>> by_name;
  for (const auto& [name, value] : inputs) {
    if (!by_name.emplace(name, value).second) {
      throw FileFailure{options.input, "inputs: '" + name + "' is given twice"};
    }
  }
  const std::vector<Tensor> predicted = in_file(path, [&] { return model->predict_named(by_name); });
  const std::vector<std::string> names = model->output_names();
  std::vector<NamedTensor> outputs;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    outputs.push_back({i < names.size() ? names[i] : "output_" + std::to_string(i), predicted[i]});
  }
  const std::string text = json::write(write_io(outputs, "outputs")) + "\n";
  if (options.output.empty()) {
    out << text;
  } else {
    std::ofstream file(options.output, std::ios::binary);
    file << text;
    file.close();
    if (!file) throw FileFailure{options.output, "cannot write"};
  }
  return kExitOk;
}

}  // namespace kplug::cli
