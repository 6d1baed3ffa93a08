// keras.saving.load_model / load_weights of legacy HDF5 files (Keras's load_model_from_hdf5).
#include "kplug/saving/legacy_h5.hpp"

#include "keras2_optimizer_weights.hpp"
#include "kplug/json.hpp"
#include "kplug/models/legacy_config.hpp"
#include "kplug/saving/h5_error.hpp"
#include "legacy_h5_file.hpp"
#include "legacy_weights_loading.hpp"

namespace kplug::saving {
namespace {

constexpr const char* kModelWeights = "model_weights";
constexpr const char* kOptimizerWeights = "optimizer_weights";

std::string attribute_where(const legacy::LegacyH5File& file, std::string_view attribute) {
  return file.name() + "@" + std::string(attribute);
}

// A JSON root attribute (model_config, training_config), capped like a `.keras` config.json.
boost::json::value parse_attribute(const legacy::LegacyH5File& file, const std::string& text,
                                   std::string_view attribute, const ArchiveLimits& limits) {
  if (text.size() > limits.max_config_bytes) {
    throw ArchiveUnsafeError(file.name(), "Not allowed: the " + std::string(attribute) + " attribute has " +
                                              std::to_string(text.size()) + " bytes, more than " +
                                              std::to_string(limits.max_config_bytes) +
                                              " (ArchiveLimits::max_config_bytes)");
  }
  json::ParseOptions parse;
  parse.max_bytes = static_cast<std::size_t>(limits.max_config_bytes);
  return with_location(Location::entry(attribute_where(file, attribute)), [&] { return json::parse(text, parse); });
}

void report(const kplug::legacy::UpgradeReport& upgrade, const WarningSink& sink, const std::string& where) {
  for (const std::string& warning : upgrade.warnings) emit_warning(sink, where + ": " + warning);
}

ModelPtr build_model(const legacy::LegacyH5File& file, const LoadModelOptions& options) {
  const std::optional<std::string> text = file.text("", "model_config");
  if (!text) {
    throw ValueError("No model config found in the file at " + file.name() +
                     (file.has_attribute("", "layer_names") || file.has_group(kModelWeights)
                          ? ". It holds weights only (a weights-only file): build the model from its config, then "
                            "load_weights."
                          : "."));
  }
  const boost::json::value config = parse_attribute(file, *text, "model_config", options.limits);
  const std::string where = attribute_where(file, "model_config");
  // Keras 2 writes its version at the root (and in model_weights); Keras 1 in model_weights only.
  std::string keras_version = file.text("", "keras_version").value_or("");
  if (keras_version.empty()) keras_version = file.text(kModelWeights, "keras_version").value_or("");
  kplug::legacy::UpgradeReport upgrade;
  const boost::json::value upgraded = with_location(
      Location::entry(where), [&] { return kplug::legacy::upgrade_model_config(config, upgrade, keras_version); });
  report(upgrade, options.on_warning, where);
  DeserializeOptions deserialize;
  deserialize.custom_objects = options.custom_objects;
  deserialize.safe_mode = options.safe_mode;
  deserialize.key_provider = options.key_provider;
  return with_location(Location::entry(where), [&] { return model_from_config(upgraded, deserialize); });
}

// Keras assigns optimizer_weights by position (optimizer.set_weights). kplug does when the file
// has Keras 3's layout, which kplug's optimizers share: `<name>/iteration`, `<name>/learning_rate`,
// then each slot in build order, every shape equal. tf.keras's named layout (`Adam/iter:0`,
// `Adam/dense_1/kernel/m:0`) is placed by name; any other (Keras 2.2's `training/Adam/Variable:0`)
// is named in a warning and dropped.
bool same_layout(const std::vector<std::string>& names, const std::vector<const Tensor*>& values,
                 const Optimizer& optimizer) {
  const std::vector<OptimizerVariable>& variables = optimizer.variables();
  if (names.size() != variables.size() || names.size() < 2) return false;
  if (!names[0].ends_with("/iteration") || !names[1].ends_with("/learning_rate")) return false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (values[i]->shape() != variables[i].value.shape()) return false;
  }
  return true;
}

void load_optimizer_weights(Model& model, const legacy::LegacyH5File& file, const WarningSink& sink) {
  if (!file.has_group(kOptimizerWeights)) return;
  const std::vector<std::string> names = file.list(kOptimizerWeights, "weight_names");
  std::vector<const Tensor*> values;
  for (const std::string& name : names) values.push_back(&file.dataset(kOptimizerWeights, name));
  const OptimizerPtr& optimizer = model.optimizer();
  std::optional<std::vector<Tensor>> placed;
  if (optimizer && optimizer->built()) {
    if (same_layout(names, values, *optimizer)) {
      placed.emplace();
      for (const Tensor* value : values) placed->push_back(*value);
    } else {
      placed = legacy::place_keras2_optimizer_weights(model, *optimizer, names, values);
    }
  }
  if (!placed) {
    std::string listed;
    for (const std::string& name : names) listed += (listed.empty() ? "" : ", ") + name;
    emit_warning(sink, file.name() + ": the optimizer_weights [" + listed +
                           "] are not in a layout kplug knows for the " +
                           "compiled optimizer's variables; they are not loaded and the optimizer starts fresh");
    return;
  }
  InMemoryWeightsStore staged;
  const auto entry = staged.make("", std::nullopt);
  for (std::size_t i = 0; i < placed->size(); ++i) entry->set(i, (*placed)[i]);
  optimizer->load_own_variables(*staged.get(""));
  if (optimizer->last_load_warning()) emit_warning(sink, file.name() + ": " + *optimizer->last_load_warning());
}

void compile_model(Model& model, const legacy::LegacyH5File& file, const LoadModelOptions& options) {
  const std::optional<std::string> text = file.text("", "training_config");
  if (!text) return;  // Keras: "No training configuration found in the save file" (not compiled)
  const std::string where = attribute_where(file, "training_config");
  const boost::json::value training = parse_attribute(file, *text, "training_config", options.limits);
  kplug::legacy::UpgradeReport upgrade;
  const boost::json::value compile_config = with_location(
      Location::entry(where), [&] { return kplug::legacy::compile_config_from_training_config(training, upgrade); });
  report(upgrade, options.on_warning, where);
  with_location(Location::entry(where), [&] { model.set_compile_config(compile_config); });
  load_optimizer_weights(model, file, options.on_warning);
}

ModelPtr load_from(const legacy::LegacyH5File& file, const LoadModelOptions& options) {
  ModelPtr model = build_model(file, options);
  if (!file.has_group(kModelWeights)) {
    throw h5::H5NotFoundError(file.name(), kModelWeights, "a legacy model file without its model_weights group");
  }
  legacy::WeightMatching matching{false, options.on_warning};
  with_location(Location::file(file.name()),
                [&] { legacy::load_weights_by_order(*model, file, kModelWeights, matching); });
  if (options.compile) compile_model(*model, file, options);
  return model;
}

}  // namespace

LegacyH5Info read_legacy_h5_info(const std::filesystem::path& path, const LoadModelOptions& options) {
  const legacy::LegacyH5File file = legacy::LegacyH5File::read(path, -1, options.weights, options.limits);
  LegacyH5Info info;
  info.file = file.name();
  info.model_config = file.text("", "model_config");
  info.training_config = file.text("", "training_config");
  info.weights_only = !info.model_config && file.has_attribute("", "layer_names");
  const std::string group = info.weights_only ? "" : kModelWeights;
  info.keras_version = file.text("", "keras_version");
  if (!info.keras_version) info.keras_version = file.text(group, "keras_version");
  info.backend = file.text("", "backend");
  if (!info.backend) info.backend = file.text(group, "backend");
  info.layer_names = file.list(group, "layer_names");
  if (file.has_group(kOptimizerWeights)) info.optimizer_weight_names = file.list(kOptimizerWeights, "weight_names");
  return info;
}

ModelPtr load_legacy_h5_model(const std::filesystem::path& path, const LoadModelOptions& options) {
  return load_from(legacy::LegacyH5File::read(path, -1, options.weights, options.limits), options);
}

ModelPtr load_legacy_h5_model(int fd, const std::string& name, const LoadModelOptions& options) {
  return load_from(legacy::LegacyH5File::read(name, fd, options.weights, options.limits), options);
}

void load_legacy_weights(Model& model, const std::filesystem::path& path, const LegacyWeightsOptions& options) {
  const legacy::LegacyH5File file = legacy::LegacyH5File::read(path, -1, options.read, options.limits);
  // Keras: a whole-model file's weights are its model_weights group.
  std::string group;
  if (!file.has_attribute("", "layer_names")) {
    if (!file.has_group(kModelWeights)) {
      throw h5::H5Error(file.name(), "",
                        "not a legacy Keras weights file: no layer_names attribute at the root and no model_weights "
                        "group");
    }
    group = kModelWeights;
  }
  legacy::WeightMatching matching{options.skip_mismatch, options.on_warning};
  with_location(Location::file(file.name()), [&] {
    if (options.by_name) {
      legacy::load_weights_by_name(model, file, group, matching);
    } else {
      legacy::load_weights_by_order(model, file, group, matching);
    }
  });
}

}  // namespace kplug::saving
