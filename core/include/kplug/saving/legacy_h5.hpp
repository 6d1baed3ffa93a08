// Legacy HDF5 model files: Keras 2.0-2.15 / tf.keras `model.save("x.h5")`, Keras 3's own
// legacy writer, and legacy weights-only files (`save_weights("w.h5")` before Keras 3).
//
// Layout: root attributes `model_config` (JSON), `training_config` (JSON, compiled models),
// `keras_version`, `backend`; group `model_weights` (the root itself in a weights-only file)
// with `layer_names` and, per layer, a group with `weight_names` naming its datasets (an
// attribute list may be chunked as `name0`, `name1`, ... when it outgrew an object header).
// Every dataset and attribute is read through the hardened HDF5 reader (isolated child,
// allocation budget, links and external storage refused) before a weight is assigned.
#pragma once

#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/saving/keras_file.hpp"

#include <boost/json/value.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::saving {

// What a legacy file says about itself, read and checked but nothing built (kplug inspect).
struct LegacyH5Info {
  std::string file;
  std::optional<std::string> keras_version;  // the root's, else model_weights'
  std::optional<std::string> backend;
  std::optional<std::string> model_config;     // JSON text, absent in weights-only files
  std::optional<std::string> training_config;  // JSON text, compiled models only
  std::vector<std::string> layer_names;        // of the weights group
  std::vector<std::string> optimizer_weight_names;
  bool weights_only = false;  // layer_names at the root, no model_config
};

// Reads a legacy file's attributes (and checks every dataset) under `options`' caps.
LegacyH5Info read_legacy_h5_info(const std::filesystem::path& path, const LoadModelOptions& options = {});

// keras.saving.load_model of a legacy `.h5` (Keras's load_model_from_hdf5): the config,
// upgraded from Keras 1/2 dialects, then the weights by topological order, then (compile)
// the training config and what kplug can honour of `optimizer_weights`.
ModelPtr load_legacy_h5_model(const std::filesystem::path& path, const LoadModelOptions& options = {});
// The same from an open regular file (a memfd, say; the descriptor stays the caller's), called
// `name` in messages.
ModelPtr load_legacy_h5_model(int fd, const std::string& name, const LoadModelOptions& options = {});

struct LegacyWeightsOptions {
  bool by_name = false;        // match layers by name (Keras's load_weights(by_name=True))
  bool skip_mismatch = false;  // skip, with a warning, layers whose weight count or shapes differ
  H5ReadOptions read{};
  ArchiveLimits limits{};  // max_config_bytes caps the attributes
  WarningSink on_warning;  // null: std::clog
};

// model.load_weights("w.h5") of a legacy weights file (weights-only, or the `model_weights` of
// a whole-model file), with Keras's messages for count and shape mismatches.
void load_legacy_weights(Model& model, const std::filesystem::path& path, const LegacyWeightsOptions& options = {});

}  // namespace kplug::saving
#pragma GCC visibility pop
