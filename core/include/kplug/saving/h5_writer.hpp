// Writes a weights file in Keras 3's layout (groups, `<path>/vars` with a `name`
// attribute, datasets "0", "1", ... contiguous, as h5py writes them) so that Python
// Keras loads it. The save is atomic: everything goes to a temporary file in the target's
// folder, renamed over the target by commit(); without commit (or when it fails) the
// temporary file is removed and the target is untouched.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kplug/saving/h5_array.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::h5 {

class WeightsWriter {
 public:
  explicit WeightsWriter(std::filesystem::path target);
  // A file held in memory (HDF5's core driver, no backing store, nothing on disk): the weights
  // member of a `.keras` archive. `name` labels messages; finish with image(), not commit().
  static WeightsWriter in_memory(std::string name);
  WeightsWriter(WeightsWriter&&) noexcept;
  WeightsWriter& operator=(WeightsWriter&&) noexcept;
  ~WeightsWriter();

  const std::filesystem::path& target() const noexcept;
  const std::filesystem::path& temporary() const noexcept;

  // Creates the group and any missing parents; an existing group is kept.
  void make_group(std::string_view path);
  // Keras's `make(path, {"name": name})`: the group `<object>/vars` ("vars" for the root
  // object "") with a UTF-8 variable-length string attribute `name`.
  void make_vars(std::string_view object_path, const std::optional<std::string>& name);
  // A dataset at a full path; parents are created. An existing name is an error.
  void write(std::string_view dataset_path, const Array& array);
  // Dataset "<index>" in `<object>/vars` (created without a name if missing).
  void write_var(std::string_view object_path, std::size_t index, const Array& array);
  // A scalar UTF-8 variable-length string attribute on an existing group or dataset.
  void set_string_attribute(std::string_view object_path, std::string_view name, std::string_view value);

  // Flushes, closes and renames onto the target. Further calls throw.
  void commit();
  // In-memory writers: flushes and returns the file's bytes. Further calls throw.
  std::vector<std::byte> image();

 private:
  struct Impl;
  explicit WeightsWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kplug::h5
#pragma GCC visibility pop
