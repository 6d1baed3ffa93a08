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
  // A scalar variable-length string attribute on an existing group or dataset (an existing
  // attribute of that name is replaced). h5py writes a Python str as UTF-8 and bytes as ASCII.
  enum class Charset { ascii, utf8 };
  void set_string_attribute(std::string_view object_path, std::string_view name, std::string_view value,
                            Charset charset = Charset::utf8);
  // A 1-d attribute of variable-length ASCII strings: what h5py writes for a list of bytes.
  void set_string_list_attribute(std::string_view object_path, std::string_view name,
                                 const std::vector<std::string>& values);
  // A 1-d attribute of fixed-length, null-padded ASCII strings as wide as the longest value:
  // what h5py writes for a NumPy bytes array (dtype `S<width>`).
  void set_fixed_string_list_attribute(std::string_view object_path, std::string_view name,
                                       const std::vector<std::string>& values);
  // A float64 attribute of shape (0,): what h5py writes for an empty list.
  void set_empty_list_attribute(std::string_view object_path, std::string_view name);

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
