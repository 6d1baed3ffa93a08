// The main job (README's first command): the Keras saving guide's custom model, end to end in
// C++ with its custom objects coming from a plugin.
//   1. builds Input(4) -> MyLayers>CustomLayer(0.5) -> Dense(1, activation my_package>custom_fn)
//      with the layer and the activation from the shipped keras_guide plugin;
//   2. saves it as custom_model.keras;
//   3. reloads it in a fresh plugin host that only knows the plugin directory and checks the
//      predictions are equal;
//   4. loads the same model as saved by Python Keras and prints its summary and a prediction
//      next to Keras's own.
// Exit status 0 when every check holds, 1 otherwise (with the reason on stderr).
//
//   kplug_guide_demo PLUGIN_DIR KERAS_ARCHIVE KERAS_IO_JSON OUTPUT_DIR
#include "example_files.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/models/sequential.hpp"
#include "kplug/plugin_host.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/serialization.hpp"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct CheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string row_text(const kplug::Tensor& t, std::int64_t row) {
  const std::int64_t width = t.shape().size() > 1 ? t.shape()[1] : 1;
  std::string out = "[";
  for (std::int64_t j = 0; j < width; ++j) {
    char number[32];
    std::snprintf(number, sizeof number, "%s%.6f", j == 0 ? "" : ", ", static_cast<double>(t.data()[row * width + j]));
    out += number;
  }
  return out + "]";
}

// The plugin host of this process: the directory's plugins, each reported.
void load_plugins(kplug::PluginHost& host, const fs::path& directory) {
  for (const auto& report : host.load_directory(directory, /*strict=*/true)) {
    if (!report.loaded) throw CheckFailed("plugin " + report.path.string() + " did not load: " + report.error);
  }
}

// Step 1: the guide's model, built in C++. The custom layer and activation are looked up by
// their registered names in the plugin host, exactly as a config naming them would be.
kplug::ModelPtr build_guide_model(kplug::PluginHost& host) {
  kplug::DeserializeOptions options;
  options.key_provider = &host;
  auto model = std::make_shared<kplug::Sequential>(kplug::LayerArgs{.name = "guide_model"});
  model->add(std::make_shared<kplug::layers::InputLayer>(
      kplug::layers::InputLayer::Options{.batch_shape = kplug::PartialShape{std::nullopt, 4}}, kplug::LayerArgs{}));
  model->add(kplug::deserialize_as<kplug::Layer>(
      kplug::json::parse(R"({"class_name": "MyLayers>CustomLayer", "config": {"factor": 0.5}})"), options));
  kplug::layers::Dense::Options dense;
  dense.units = 1;
  dense.activation = kplug::deserialize_as<kplug::Activation>(boost::json::value("my_package>custom_fn"), options);
  model->add(std::make_shared<kplug::layers::Dense>(std::move(dense), kplug::LayerArgs{}));
  return model;
}

kplug::Tensor sample_batch() {
  return kplug::Tensor({3, 4}, {0.1f, -0.2f, 0.3f, 0.4f, 1.0f, 2.0f, -1.0f, 0.5f, -0.7f, 0.0f, 0.25f, -1.5f});
}

int run(const fs::path& plugin_dir, const fs::path& keras_archive, const fs::path& keras_io, const fs::path& out_dir) {
  fs::create_directories(out_dir);
  const fs::path saved = out_dir / "custom_model.keras";
  const kplug::Tensor inputs = sample_batch();

  kplug::Tensor built_prediction;
  {
    kplug::PluginHost host;
    load_plugins(host, plugin_dir);
    const kplug::ModelPtr model = build_guide_model(host);
    std::cout << "1. Built the guide's model in C++ (MyLayers>CustomLayer and my_package>custom_fn from "
              << plugin_dir.string() << "):\n"
              << model->summary() << "\n";
    built_prediction = model->predict({inputs})[0];
    kplug::saving::save_model(*model, saved);
    std::cout << "2. Saved " << saved.string() << " (" << fs::file_size(saved) << " bytes)\n";
  }  // the first host goes: its plugins' keys leave the registry with it

  {
    kplug::PluginHost fresh;
    load_plugins(fresh, plugin_dir);
    kplug::saving::LoadModelOptions options;
    options.key_provider = &fresh;
    const kplug::ModelPtr reloaded = kplug::saving::load_model(saved, options);
    const kplug::Tensor prediction = reloaded->predict({inputs})[0];
    if (!(prediction == built_prediction)) throw CheckFailed("the reloaded model predicts differently");
    std::cout << "3. Reloaded it in a fresh plugin host: predictions equal (first row " << row_text(prediction, 0)
              << ")\n";

    const examples::KerasIO io = examples::read_io(keras_io);
    const kplug::ModelPtr from_keras = kplug::saving::load_model(keras_archive, options);
    const kplug::Tensor predicted = from_keras->predict({io.input})[0];
    const kplug::Tensor& expected = io.output;
    std::cout << "4. Loaded " << keras_archive.string() << ", saved by Python Keras:\n"
              << from_keras->summary() << "\n"
              << "   kplug predicts " << row_text(predicted, 0) << ", Keras predicted " << row_text(expected, 0)
              << "\n";
    if (!kplug::allclose(predicted, expected, 1e-4f, 1e-5f)) throw CheckFailed("the prediction differs from Keras's");
  }
  std::cout << "All checks passed.\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: " << argv[0] << " PLUGIN_DIR KERAS_ARCHIVE KERAS_IO_JSON OUTPUT_DIR\n";
    return 1;
  }
  try {
    return run(argv[1], argv[2], argv[3], argv[4]);
  } catch (const std::exception& e) {
    std::cerr << "guide demo failed: " << e.what() << "\n";
    return 1;
  }
}
