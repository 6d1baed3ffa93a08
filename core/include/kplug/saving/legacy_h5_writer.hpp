// Whole-model files in Keras's legacy HDF5 layout, as Keras 3.16's `model.save("x.h5")`
// writes them (keras/src/legacy/saving/legacy_h5_format.py, save_model_to_hdf5):
//
//   /                      attrs backend, keras_version (UTF-8), model_config and, when
//                          compiled, training_config (ASCII JSON, Python's json.dumps)
//   /model_weights         attrs layer_names (model.layers order), backend, keras_version
//     /<layer>             one group per layer, attr weight_names (the variables' Keras
//                          paths, trainable then non-trainable), a dataset at each path
//     /top_level_model_weights   the model's own variables (usually none)
//   /optimizer_weights     attr weight_names and a dataset per optimizer variable
//
// Dataset names are Keras's variable paths as Keras names them in a model it built itself
// ("mlp/dense/kernel": docs/file-formats.md says when Keras names them otherwise).
// A list attribute that would not fit HDF5's 64 KB object header is split as Keras splits
// it (`weight_names0`, `weight_names1`, ...). An empty list is a float64 array of shape (0,).
// Only Sequential and Functional models (nested ones too) have a legacy config: other
// models throw NotSupportedError naming them.
#pragma once

#include "kplug/models/model.hpp"

#include <boost/json/value.hpp>

#include <filesystem>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::saving {

// Writes `model` to `path` (any name; save_model sends `.h5` and `.hdf5` here). Atomic: the
// file is written under a temporary name in the same folder and renamed over `path`.
// include_optimizer=false leaves out training_config and optimizer_weights.
void save_legacy_h5(const Model& model, const std::filesystem::path& path, bool include_optimizer = true);

// The `model_config` attribute: {"class_name", "config"} as Keras writes it under
// use_legacy_config=True. Layer dicts (those of models, at any nesting) lose `module`,
// `registered_name`, `build_config` and `compile_config`, and are named by their registered
// name; what sits inside a layer's config (initializers, dtype policies, wrapped layers) keeps
// the current form, as Keras's get_config returns it.
boost::json::value legacy_model_config(const Model& model);

// The `training_config` attribute of a compiled model (null when the model has no optimizer):
// the compile arguments without the optimizer, loss and metric objects as {class_name,
// config}, then optimizer_config {class_name, config} from the optimizer's current state
// (Keras's saving_utils.model_metadata).
boost::json::value legacy_training_config(const Model& model);

}  // namespace kplug::saving
#pragma GCC visibility pop
