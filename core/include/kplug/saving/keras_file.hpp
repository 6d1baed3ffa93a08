// Whole-model files, as keras.saving.save_model / load_model: the `.keras` zip archive
// (members metadata.json, config.json, model.weights.h5, then assets/..., STORED, in that
// order) and its unzipped directory form (Keras's `zipped=False`).
//
// Loading builds the model from config.json (every class and safety error is raised before
// a weight is read), then loads model.weights.h5 through the hardened HDF5 reader from
// memory: nothing is extracted to disk. Saving writes the whole archive to an unnamed
// temporary file in the target's folder and renames it over the target: a failed or killed
// save leaves the previous file whole.
#pragma once

#include "kplug/models/model.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/saving/zip_archive.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/value.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::saving {

// The Keras version written in metadata.json (the version whose files kplug reads and writes),
// and kplug's own, written beside it as "kplug_version".
inline constexpr const char* kKerasVersion = "3.16.0";

// Where loading reports what it did not take as it was (Keras's warnings): a legacy file under
// a `.keras` name, optimizer weights dropped. Null: a line on std::clog.
using WarningSink = std::function<void(const std::string&)>;
// Hands `message` to `sink`, or writes it as a "kplug: warning: " line on std::clog when it is null.
void emit_warning(const WarningSink& sink, const std::string& message);

struct LoadModelOptions {
  CustomObjectMap custom_objects;
  // false: the top-level compile_config is dropped (Keras's compile=False).
  bool compile = true;
  bool safe_mode = true;
  KeyProvider* key_provider = nullptr;  // e.g. the PluginHost (not owned)
  ArchiveLimits limits{};
  H5ReadOptions weights{};
  WarningSink on_warning;
};

// What a `.keras` file (or its directory form) holds, read and checked but nothing built:
// for tools (kplug inspect, convert) that must not build what they do not need.
struct KerasFileContents {
  std::string file;                     // for messages
  std::optional<std::string> metadata;  // metadata.json's text (loading does not need it)
  std::string config;                   // config.json's text
  std::vector<std::string> members;     // archive member (or directory file) names, in order
  std::vector<std::string> assets;      // the assets/ members
  std::uint64_t weights_bytes = 0;      // model.weights.h5's size
};

// What a path holds, by content (never by name): a zip archive, a folder holding config.json,
// an HDF5 file (its signature at 0 or after a user block), a JSON text, or none of these
// (a missing file too). Throws FileError only when an existing file cannot be read.
enum class ModelFileFormat { keras_archive, keras_directory, legacy_h5, json_config, unknown };
ModelFileFormat detect_model_file_format(const std::filesystem::path& path);

// True for a path load_model reads as a model file: a zip archive, its folder form, or a legacy
// HDF5 model, whatever the extension; also a file that is none of these (or is missing) but is
// named `.keras`, `.h5` or `.hdf5` (load_model then reports what is wrong with it).
bool is_model_file(const std::filesystem::path& path);

// Reads metadata.json and config.json (under the caps) and lists the members; checks the
// archive as load_model does. Keras's messages for wrong extensions and missing files.
KerasFileContents read_keras_file(const std::filesystem::path& path, const ArchiveLimits& limits = {});

// keras.saving.load_model(path, custom_objects, compile, safe_mode): a `.keras` archive, a
// folder saved with zipped=False, or a legacy HDF5 model (kplug/saving/legacy_h5.hpp), told
// apart by content; a known format under another extension loads with a warning.
ModelPtr load_model(const std::filesystem::path& path, const LoadModelOptions& options = {});

// The config dict written as config.json: serialize_keras_object(model) under object sharing,
// with the compile_config as the model holds it.
boost::json::value model_file_config(const Model& model);

struct SaveModelOptions {
  // false: Keras's zipped=False, a folder (whose name must not end in `.keras`).
  bool zipped = true;
  // Legacy `.h5` files only: false leaves out training_config and optimizer_weights.
  bool include_optimizer = true;
};

// keras.saving.save_model(model, path): a `.keras` archive, or (zipped) a path ending in
// `.h5` or `.hdf5` writes Keras's legacy HDF5 layout (kplug/saving/legacy_h5_writer.hpp);
// "Invalid filepath extension for saving" otherwise. Atomic (see the top of this file).
void save_model(const Model& model, const std::filesystem::path& path, const SaveModelOptions& options = {});

}  // namespace kplug::saving
#pragma GCC visibility pop
