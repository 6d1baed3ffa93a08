// Reads a Keras 3 `.weights.h5` file through the HDF5 C library, safely: the file is
// opened read-only, every path component must be a hard link (external and soft links
// are refused), nothing the file names is ever opened, and a dataset's layout, dtype,
// shape and stored size are checked before a byte is allocated for it.
// Keras's layout: each saveable object has a group `<path>/vars` with a string attribute
// `name` and datasets "0", "1", ... by position (docs/saving.md, "Saveable").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kplug/saving/h5_array.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::h5 {

struct ReadLimits {
  // Per dataset; beyond it the dataset is refused whatever is stored (2^32 float32 = 16 GiB).
  std::uint64_t max_elements = std::uint64_t{1} << 32;
  // A dataset may declare at most this many times the bytes it stores (compression);
  // without a filter it must store all it declares. Keras uses 1000 as well.
  std::uint64_t max_expansion = 1000;
  // Declared sizes up to this are not ratio-checked (an unwritten tiny dataset reads as fill).
  std::uint64_t bomb_floor_bytes = std::uint64_t{1} << 20;
  std::size_t max_group_members = std::size_t{1} << 20;
  int max_depth = 64;  // group nesting walked by walk()
  // String attributes read by tree(with_attributes): all of a file's together (legacy `.h5`
  // files keep the model's whole config in one attribute), and how many one object may have.
  std::uint64_t max_attribute_bytes = std::uint64_t{64} << 20;
  std::size_t max_attributes_per_object = 4096;
};

// A string attribute as legacy `.h5` files keep them: one string (`model_config`), or an array
// of strings (`layer_names`, `weight_names`), fixed or variable length. Keras stores an empty
// list as an empty float64 array: that reads as an array of no strings.
struct StringAttribute {
  std::string name;
  std::vector<std::string> values;
  bool is_array = false;
};

// What a dataset holds, known without reading its data.
struct DatasetInfo {
  std::string path;  // e.g. "layers/dense/vars/0"
  DType dtype = DType::float32;
  std::vector<std::int64_t> shape;
  std::uint64_t element_count = 0;
  std::uint64_t stored_bytes = 0;  // bytes in the file (H5Dget_storage_size)
};

// Everything loading a file needs, from one pass over it (see WeightsReader::tree).
struct FileTree {
  struct Group {
    std::string path;                         // "" for the root
    std::optional<std::string> vars_name;     // the `name` attribute of a "vars" group, when it has one
    std::vector<StringAttribute> attributes;  // tree(true) only: every string attribute, by name
  };
  struct Dataset {
    DatasetInfo info;
    std::optional<std::uint64_t> offset;  // contiguous_offset's answer
  };
  std::vector<Group> groups;      // depth-first in name order, parents before children
  std::vector<Dataset> datasets;  // sorted by path
};

// "<object>/vars", or "vars" for the root object (Keras's path "").
std::string vars_path(std::string_view object_path);

class WeightsReader {
 public:
  // Throws H5Error (not HDF5, truncated, unreadable) or H5UnsafeError.
  static WeightsReader open(const std::filesystem::path& file, ReadLimits limits = {});
  // The same from bytes in memory (an archive member, a fuzzer input); `name` is used in messages.
  static WeightsReader open_image(std::span<const std::byte> image, std::string name, ReadLimits limits = {});

  WeightsReader(WeightsReader&&) noexcept;
  WeightsReader& operator=(WeightsReader&&) noexcept;
  ~WeightsReader();

  const std::string& file_name() const noexcept;
  const ReadLimits& limits() const noexcept;

  // Paths are relative to the root, components separated by '/', none empty ("" is the root).
  // A component that is a link throws H5UnsafeError; a dataset where a group is expected
  // (or the reverse) throws H5Error. Missing: false here, H5NotFoundError elsewhere.
  bool has_group(std::string_view path) const;
  bool has_dataset(std::string_view path) const;
  // Member names of a group in HDF5's name order; throws H5UnsafeError above max_group_members.
  std::vector<std::string> members(std::string_view group_path) const;
  // A string attribute of a group or dataset (fixed or variable length), nullopt if absent.
  // Not hardened like datasets: libhdf5 1.10.8 sizes a variable-length string from the file
  // (up to 4 GiB) before checking it (fuzz/known/). Loading weights needs no attribute.
  std::optional<std::string> string_attribute(std::string_view object_path, std::string_view name) const;

  // All checks, no data read.
  DatasetInfo dataset_info(std::string_view dataset_path) const;
  Array read(std::string_view dataset_path) const;
  // The same into caller-owned storage (e.g. a variable's buffer, after checking dataset_info's
  // shape): `destination` must hold exactly element_count * dtype_size(dtype) bytes, else H5Error.
  DatasetInfo read_into(std::string_view dataset_path, std::span<std::byte> destination) const;
  // Where a dataset's bytes lie in the file when reading them is a plain file read: stored
  // contiguously, unfiltered, allocated, in its dtype's native (little-endian) layout, in a
  // file without user block. nullopt otherwise. All checks of dataset_info run first, and a
  // range past the end of the file throws H5UnsafeError.
  std::optional<std::uint64_t> contiguous_offset(std::string_view dataset_path) const;

  // Keras's per-object store: `<object>/vars`. Missing vars group: has_vars false, 0 vars.
  bool has_vars(std::string_view object_path) const;
  std::size_t vars_count(std::string_view object_path) const;             // members of the vars group
  Array read_var(std::string_view object_path, std::size_t index) const;  // dataset "<index>"

  // Every dataset in the file, depth-first in name order; objects reachable twice are refused.
  std::vector<DatasetInfo> walk() const;
  // walk() plus every group, the `name` of each "vars" group and where each dataset's bytes lie,
  // in one pass that opens each object once (resolving paths one by one costs libhdf5 ~5x more).
  // Reads attributes, which string_attribute's caveat applies to. `with_attributes`: every
  // group's string attributes too (other attribute types are passed over), under the limits'
  // attribute caps.
  FileTree tree(bool with_attributes = false) const;

 private:
  struct Impl;
  explicit WeightsReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kplug::h5
#pragma GCC visibility pop
