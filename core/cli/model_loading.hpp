// What summary and predict share: the model of a model.json (plugins and safe mode
// from the flags), and a .weights.h5 file loaded into it.
#pragma once

#include "cli_options.hpp"

#include "kplug/models/model.hpp"
#include "kplug/plugin_host.hpp"

#include <boost/json/object.hpp>

#include <iosfwd>
#include <string>

namespace kplug::cli {

// `host` must outlive the model (plugins' code stays loaded while it is used). `compile` false:
// the compile_config is dropped unread (Keras's compile=False).
ModelPtr load_model(const std::string& path, PluginHost& host, const CommonOptions& options, std::ostream& err,
                    bool compile);

// A whole-model file (`.keras` archive, its directory form or a legacy `.h5`), weights included, through
// saving::load_model (plugins and safe mode from the flags, `compile` as given).
bool is_model_file(const std::string& path);
ModelPtr load_model_file(const std::string& path, PluginHost& host, const CommonOptions& options, std::ostream& err,
                         bool compile);

// summary --json's facts: layers, outputs, parameter counts.
boost::json::object summary_json(const Model& model);

// Reads every dataset of `path` with the hardened reader (kplug::h5::WeightsReader) and
// loads them through Model::load_weights (Keras's paths, counts, shapes and messages); an
// HDF5 file not named `.weights.h5` as a legacy weights file (saving::load_legacy_weights).
void load_weights_file(Model& model, const std::string& path);
// The same, with progress on `err` when it takes over a second (options.progress).
void load_weights_file(Model& model, const std::string& path, const CommonOptions& options, std::ostream& err);

}  // namespace kplug::cli
