// A legacy `.h5` file read whole (datasets and string attributes) through the hardened reader,
// with the attribute look-ups Keras's legacy loader makes.
#pragma once

#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/saving/keras_file.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kplug::saving::legacy {

class LegacyH5File {
 public:
  // `fd` >= 0: that open file (the caller's); else `path`. Attributes are capped at
  // limits.max_config_bytes in all (model_config is one of them).
  static LegacyH5File read(const std::filesystem::path& path, int fd, const H5ReadOptions& read,
                           const ArchiveLimits& limits);

  const std::string& name() const noexcept { return name_; }
  const InMemoryWeightsStore& store() const noexcept { return *contents_.store; }

  bool has_group(std::string_view path) const { return store().find_group(path) != nullptr; }
  // A single string attribute (a scalar, or an array of one string), nullopt when absent.
  std::optional<std::string> text(std::string_view group, std::string_view name) const;
  // Keras's load_attributes_from_hdf5_group: `name`, or its chunks `name0`, `name1`, ...;
  // empty when absent.
  std::vector<std::string> list(std::string_view group, std::string_view name) const;
  bool has_attribute(std::string_view group, std::string_view name) const;

  // The dataset `<group>/<name>` (Keras's safe_get_h5_dataset), a FileError naming it if absent.
  const Tensor& dataset(std::string_view group, std::string_view name) const;

 private:
  LegacyH5File(std::string name, H5FileContents contents) : name_(std::move(name)), contents_(std::move(contents)) {}
  const h5::StringAttribute* find(std::string_view group, std::string_view name) const;

  std::string name_;
  H5FileContents contents_;
};

}  // namespace kplug::saving::legacy
