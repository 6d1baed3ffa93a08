// keras.saving.load_model / save_model for `.keras` archives and their directory form.
#include "kplug/saving/keras_file.hpp"

#include "atomic_file.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/models/legacy_config.hpp"
#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/legacy_h5.hpp"
#include "kplug/saving/legacy_h5_writer.hpp"
#include "kplug/version.hpp"
#include "saving/h5/unique_fd.hpp"
#include "saving/h5/weights_read.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <optional>

namespace kplug::saving {
namespace {

constexpr const char* kMetadata = "metadata.json";
constexpr const char* kConfig = "config.json";
constexpr const char* kWeights = "model.weights.h5";
constexpr const char* kWeightsNpz = "model.weights.npz";
constexpr const char* kAssets = "assets/";

using Fd = detail::UniqueFd;

bool ends_with(const std::filesystem::path& path, std::string_view suffix) { return path.string().ends_with(suffix); }

bool is_keras_directory(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) && std::filesystem::exists(path / kConfig, ec);
}

[[noreturn]] void unsupported_format(const std::filesystem::path& path) {
  throw ValueError("File format not supported: filepath=" + path.string() +
                   ". kplug loads `.keras` zip archives (and their folder form), legacy HDF5 model files (`.h5`), "
                   "whatever their extension; this file is neither (a SavedModel folder is not supported either).");
}

// What a file holds, from its first bytes (see detect_model_file_format).
ModelFileFormat sniff_file(const std::filesystem::path& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) throw FileError(path.string(), std::string("cannot open: ") + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) throw FileError(path.string(), "not a regular file");
  auto bytes_at = [&](off_t offset) {
    std::string head(8, '\0');
    const ssize_t n = ::pread(fd.get(), head.data(), head.size(), offset);
    head.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return head;
  };
  const std::string head = bytes_at(0);
  if (head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06")) return ModelFileFormat::keras_archive;
  constexpr std::string_view hdf5_signature("\x89HDF\r\n\x1a\n", 8);
  for (off_t offset = 0; offset + 8 <= info.st_size; offset = offset == 0 ? 512 : offset * 2) {
    if (bytes_at(offset) == hdf5_signature) return ModelFileFormat::legacy_h5;
  }
  const std::size_t first = head.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (head[first] == '{' || head[first] == '[')) return ModelFileFormat::json_config;
  return ModelFileFormat::unknown;
}

void warn(const LoadModelOptions& options, const std::string& message) { emit_warning(options.on_warning, message); }

// The member's bytes in an anonymous in-memory file (for the HDF5 reader's isolated child).
int member_to_memfd(const ZipArchiveReader& archive, const std::string& member, std::uint64_t cap) {
  const int fd = ::memfd_create("kplug-keras-weights", MFD_CLOEXEC);
  if (fd < 0) throw FileError(archive.file_name(), std::string("memfd_create failed: ") + std::strerror(errno), member);
  try {
    archive.read_chunks(member, cap, [&](std::span<const std::byte> chunk) {
      const std::byte* p = chunk.data();
      std::size_t left = chunk.size();
      while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
          throw FileError(archive.file_name(), std::string("cannot buffer the member: ") + std::strerror(errno),
                          member);
        p += n;
        left -= static_cast<std::size_t>(n);
      }
    });
  } catch (...) {
    ::close(fd);
    throw;
  }
  return fd;
}

// A file of the directory form: a regular file (no link), read under `cap`.
std::string read_directory_file(const std::filesystem::path& file, std::uint64_t cap) {
  const Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ELOOP) throw ArchiveUnsafeError(file.string(), "Not allowed: a symbolic link in a model folder");
    throw FileError(file.string(), std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) throw FileError(file.string(), "not a regular file");
  if (static_cast<std::uint64_t>(info.st_size) > cap) {
    throw ArchiveUnsafeError(file.string(), "Not allowed: the file has " + std::to_string(info.st_size) +
                                                " bytes, more than " + std::to_string(cap) + " (ArchiveLimits)");
  }
  std::string text(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileError(file.string(), std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  return text;
}

std::vector<std::string> directory_files(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The Keras version metadata.json names, when it says one ("" otherwise: Keras ignores it too).
std::string keras_version_of(const std::optional<std::string>& metadata, const std::string& where,
                             const LoadModelOptions& options) {
  if (!metadata) return "";
  json::ParseOptions parse;
  parse.max_bytes = static_cast<std::size_t>(options.limits.max_config_bytes);
  const boost::json::value value = with_location(Location::entry(where), [&] { return json::parse(*metadata, parse); });
  const auto* object = value.if_object();
  const auto* version = object ? object->if_contains("keras_version") : nullptr;
  return version && version->is_string() ? std::string(version->get_string()) : "";
}

// `keras_version`: metadata.json's. tf.keras 2.13-2.15 wrote `.keras` archives whose config.json
// carries Keras 2 arguments (`time_major`, `batch_input_shape`, ...): upgraded as legacy configs.
ModelPtr model_from_config_text(const std::string& text, const std::string& where, const std::string& keras_version,
                                const LoadModelOptions& options) {
  json::ParseOptions parse;
  parse.max_bytes = static_cast<std::size_t>(options.limits.max_config_bytes);
  boost::json::value config = with_location(Location::entry(where), [&] { return json::parse(text, parse); });
  if (kplug::legacy::is_keras1_or_2_version(keras_version)) {
    kplug::legacy::UpgradeReport report;
    config = with_location(Location::entry(where),
                           [&] { return kplug::legacy::upgrade_model_config(config, report, keras_version); });
    for (const std::string& warning : report.warnings) warn(options, where + ": " + warning);
  }
  if (!options.compile && config.is_object()) {
    // Keras's compile=False: config_dict["compile_config"] = None.
    if (auto* compile_config = config.as_object().if_contains("compile_config")) *compile_config = nullptr;
  }
  DeserializeOptions deserialize;
  deserialize.custom_objects = options.custom_objects;
  deserialize.safe_mode = options.safe_mode;
  deserialize.key_provider = options.key_provider;
  SharedObjectLoadingScope sharing;  // config.json carries shared_object_id (Keras's ObjectSharingScope)
  return with_location(Location::entry(where), [&] { return model_from_config(config, deserialize); });
}

ModelPtr load_archive(const std::filesystem::path& path, const LoadModelOptions& options) {
  const ZipArchiveReader archive = ZipArchiveReader::open(path, options.limits);
  const std::string name = archive.file_name();
  if (!archive.contains(kConfig)) {
    throw FileError(name, "There is no item named 'config.json' in the archive", kConfig);
  }
  // The weights are read (in the isolated reader, by default) while config.json is read and
  // the model built: the request goes first.
  std::optional<Fd> weights_fd;
  std::optional<detail::WeightsReadInProgress> weights;
  if (archive.contains(kWeights)) {
    weights_fd.emplace(member_to_memfd(archive, kWeights, options.limits.max_weights_bytes));
    weights.emplace(weights_fd->get(), name + "/" + kWeights, options.weights);
  }
  const std::string config = archive.read(kConfig, options.limits.max_config_bytes);
  const std::optional<std::string> metadata =
      archive.contains(kMetadata) ? std::optional(archive.read(kMetadata, options.limits.max_config_bytes))
                                  : std::nullopt;
  ModelPtr model = model_from_config_text(config, name + "/" + kConfig,
                                          keras_version_of(metadata, name + "/" + kMetadata, options), options);
  if (weights) {
    const auto store = weights->get();
    // Assets are checked (caps) as Keras extracts them; no kplug object reads assets yet.
    std::uint64_t assets_left = options.limits.max_asset_bytes;
    for (const ArchiveMember& member : archive.members()) {
      if (!member.name.starts_with(kAssets) || member.is_directory) continue;
      archive.read_chunks(member.name, assets_left,
                          [&](std::span<const std::byte> chunk) { assets_left -= chunk.size(); });
    }
    model->load_weights(*store);
  } else if (archive.contains(kWeightsNpz)) {
    throw NotSupportedError("'" + name + "': model.weights.npz archives are not supported (only model.weights.h5)");
  } else {
    throw FileError(name, "Expected a model.weights.h5 or model.weights.npz file.");
  }
  return model;
}

ModelPtr load_directory(const std::filesystem::path& path, const LoadModelOptions& options) {
  const std::string config = read_directory_file(path / kConfig, options.limits.max_config_bytes);
  std::error_code ec;
  const std::optional<std::string> metadata =
      std::filesystem::exists(path / kMetadata, ec)
          ? std::optional(read_directory_file(path / kMetadata, options.limits.max_config_bytes))
          : std::nullopt;
  ModelPtr model = model_from_config_text(config, (path / kConfig).string(),
                                          keras_version_of(metadata, (path / kMetadata).string(), options), options);
  const std::filesystem::path weights = path / kWeights;
  if (!std::filesystem::exists(std::filesystem::symlink_status(weights, ec))) {
    if (std::filesystem::exists(path / kWeightsNpz, ec)) {
      throw NotSupportedError("'" + path.string() + "': model.weights.npz is not supported (only model.weights.h5)");
    }
    throw FileError(path.string(), "Expected a model.weights.h5 or model.weights.npz file.");
  }
  const Fd fd(::open(weights.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ELOOP) throw ArchiveUnsafeError(weights.string(), "Not allowed: a symbolic link in a model folder");
    throw FileError(weights.string(), std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) throw FileError(weights.string(), "not a regular file");
  if (static_cast<std::uint64_t>(info.st_size) > options.limits.max_weights_bytes) {
    throw ArchiveUnsafeError(weights.string(), "Not allowed: more than " +
                                                   std::to_string(options.limits.max_weights_bytes) +
                                                   " bytes (ArchiveLimits::max_weights_bytes)");
  }
  model->load_weights(*read_weights_fd(fd.get(), weights.string(), options.weights));
  return model;
}

std::string date_saved() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d@%H:%M:%S", &local);
  return text;
}

std::string metadata_json() {
  boost::json::object metadata;
  metadata["keras_version"] = kKerasVersion;
  metadata["date_saved"] = date_saved();
  metadata["kplug_version"] = KPLUG_VERSION_STRING;
  return json::write(metadata);
}

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

}  // namespace

void emit_warning(const WarningSink& sink, const std::string& message) {
  if (sink) {
    sink(message);
  } else {
    std::clog << "kplug: warning: " << message << '\n';
  }
}

ModelFileFormat detect_model_file_format(const std::filesystem::path& path) {
  if (is_keras_directory(path)) return ModelFileFormat::keras_directory;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return ModelFileFormat::unknown;
  return sniff_file(path);
}

bool is_model_file(const std::filesystem::path& path) {
  switch (detect_model_file_format(path)) {
    case ModelFileFormat::keras_archive:
    case ModelFileFormat::keras_directory:
    case ModelFileFormat::legacy_h5: return true;
    case ModelFileFormat::json_config: return false;
    case ModelFileFormat::unknown: break;
  }
  // Named as one (maybe broken or missing): load_model's reader for that name says what is wrong.
  return ends_with(path, ".keras") || ends_with(path, ".h5") || ends_with(path, ".hdf5");
}

KerasFileContents read_keras_file(const std::filesystem::path& path, const ArchiveLimits& limits) {
  KerasFileContents contents;
  contents.file = path.string();
  std::error_code ec;
  if (is_keras_directory(path)) {
    contents.members = directory_files(path);
    contents.config = read_directory_file(path / kConfig, limits.max_config_bytes);
    if (std::filesystem::exists(path / kMetadata, ec)) {
      contents.metadata = read_directory_file(path / kMetadata, limits.max_config_bytes);
    }
    const auto size = std::filesystem::file_size(path / kWeights, ec);
    if (!ec) contents.weights_bytes = size;
    if (std::filesystem::is_directory(path / "assets", ec)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path / "assets")) {
        contents.assets.push_back(std::filesystem::relative(entry.path(), path).string());
      }
    }
    return contents;
  }
  if (!ends_with(path, ".keras")) {
    if (std::filesystem::is_directory(path, ec)) {
      throw FileError(path.string(), "a folder without config.json is not a model saved with zipped=False");
    }
    unsupported_format(path);
  }
  if (!std::filesystem::exists(path, ec)) {
    throw ValueError("File not found: filepath=" + path.string() +
                     ". Please ensure the file is an accessible `.keras` zip file.");
  }
  const ZipArchiveReader archive = ZipArchiveReader::open(path, limits);
  for (const ArchiveMember& member : archive.members()) {
    contents.members.push_back(member.name);
    if (member.name.starts_with(kAssets)) contents.assets.push_back(member.name);
    if (member.name == kWeights) contents.weights_bytes = member.declared_size;
  }
  if (!archive.contains(kConfig)) {
    throw FileError(archive.file_name(), "There is no item named 'config.json' in the archive", kConfig);
  }
  contents.config = archive.read(kConfig, limits.max_config_bytes);
  if (archive.contains(kMetadata)) contents.metadata = archive.read(kMetadata, limits.max_config_bytes);
  return contents;
}

ModelPtr load_model(const std::filesystem::path& path, const LoadModelOptions& options) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);  // once: a load is short
  if (std::filesystem::is_directory(status)) {
    if (std::filesystem::exists(path / kConfig, ec)) return load_directory(path, options);
    throw FileError(path.string(), "a folder without config.json is not a model saved with zipped=False");
  }
  if (!std::filesystem::exists(status)) {
    throw ValueError("File not found: filepath=" + path.string() +
                     ". Please ensure the file is an accessible `.keras` zip file or legacy `.h5` file.");
  }
  const bool h5_name = ends_with(path, ".h5") || ends_with(path, ".hdf5");
  const ModelFileFormat format = sniff_file(path);
  if (format == ModelFileFormat::keras_archive) {
    if (!ends_with(path, ".keras")) {
      warn(options, "'" + path.string() + "' is a `.keras` zip archive under another name: loaded as one");
    }
    return load_archive(path, options);
  }
  if (format == ModelFileFormat::legacy_h5) {
    if (!h5_name) {
      warn(options, "'" + path.string() + "' is an HDF5 file (a legacy Keras model saved under another name): " +
                        "loaded as a legacy `.h5` model");
    }
    return load_legacy_h5_model(path, options);
  }
  // Neither: the reader the name asks for says what is wrong with the file.
  if (ends_with(path, ".keras")) return load_archive(path, options);
  if (h5_name) return load_legacy_h5_model(path, options);
  if (format == ModelFileFormat::json_config) {
    throw ValueError("File format not supported: filepath=" + path.string() +
                     " is a JSON model config, not a model file: build it with model_from_json and load its "
                     "weights (kplug predict MODEL.json --weights WEIGHTS)");
  }
  unsupported_format(path);
}

boost::json::value model_file_config(const Model& model) {
  SharedObjectSavingScope scope;
  boost::json::value document = serialize_layer(model);
  scope.finalize(document);
  return document;
}

void save_model(const Model& model, const std::filesystem::path& path, const SaveModelOptions& options) {
  const std::string name = path.string();
  if (options.zipped && !ends_with(path, ".keras")) {
    if (ends_with(path, ".h5") || ends_with(path, ".hdf5")) {
      save_legacy_h5(model, path, options.include_optimizer);  // Keras 3: the legacy layout
      return;
    }
    throw ValueError(
        "Invalid filepath extension for saving. Please add either a `.keras` extension for the native Keras format "
        "(recommended) or a `.h5` extension. Use `model.export(filepath)` if you want to export a SavedModel for use "
        "with TFLite/TFServing/etc. Received: filepath=" +
        name + ".");
  }
  if (!options.zipped && ends_with(path, ".keras")) {
    throw ValueError(
        "When using `zipped=False`, the `filepath` argument should not end in `.keras`. Received: filepath=" + name);
  }
  // Everything is produced in memory first: a failure here leaves the target untouched.
  const std::string config = json::write(model_file_config(model));
  const std::string metadata = metadata_json();
  auto weights_store = H5WeightsStore::open_memory_write(name + "/" + kWeights);
  model.save_weights(*weights_store);
  const std::vector<std::byte> weights = weights_store->image();
  if (options.zipped) {
    const std::vector<std::byte> archive = write_zip_image(
        {{kMetadata, bytes_of(metadata), false}, {kConfig, bytes_of(config), false}, {kWeights, weights, true}}, name);
    detail::write_file_atomically(path, archive);
    return;
  }
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw FileError(name, "cannot create the folder: " + ec.message());
  detail::write_file_atomically(path / kMetadata, bytes_of(metadata));
  detail::write_file_atomically(path / kConfig, bytes_of(config));
  detail::write_file_atomically(path / kWeights, weights);
}

}  // namespace kplug::saving
