// read_weights_file: the whole file into memory, in-process or in an isolated reader process
// whose crashes, hangs and huge allocations (libhdf5 1.10.8 bugs, fuzz/known/) cannot reach us
// (reader_client.hpp).
#include "file_image.hpp"
#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "reader_client.hpp"
#include "reader_protocol.hpp"
#include "tensor_convert.hpp"
#include "weights_arena.hpp"
#include "weights_read.hpp"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <span>

namespace kplug::saving {
namespace {

using Group = InMemoryWeightsStore::Group;
using detail::at;
using detail::loaded_bytes;
using detail::map_arena;
using detail::read_loaded;
using detail::slot_end;

// Every dataset of an open file straight into the memory the store's tensors keep. `image`: the
// bytes the reader was opened on, if it was (plain contiguous datasets are then copied from it).
std::unique_ptr<InMemoryWeightsStore> read_in_process(const h5::WeightsReader& reader, const H5ReadOptions& options,
                                                      std::span<const std::byte> image, StringAttributes* attributes) {
  auto owned = std::make_unique<InMemoryWeightsStore>();
  InMemoryWeightsStore& store = *owned;
  h5::FileTree tree = reader.tree(attributes != nullptr);
  for (h5::FileTree::Group& group : tree.groups) {
    Group& added = detail::ensure_group(store.root(), group.path);
    if (group.vars_name) added.attributes.insert_or_assign("name", *group.vars_name);
    if (attributes && !group.attributes.empty()) (*attributes)[group.path] = std::move(group.attributes);
  }
  std::vector<std::uint64_t> slots;
  std::uint64_t end = 0;
  std::uint64_t total = 0;
  for (const h5::FileTree::Dataset& dataset : tree.datasets) {
    const std::uint64_t bytes = loaded_bytes(dataset.info);
    if (bytes > options.max_total_bytes - total) {
      throw h5::H5UnsafeError(reader.file_name(), dataset.info.path,
                              "the datasets exceed " + std::to_string(options.max_total_bytes) +
                                  " bytes in all (H5ReadOptions::max_total_bytes)");
    }
    total += bytes;
    slots.push_back(end);
    end = slot_end(end, bytes);
  }
  const std::shared_ptr<void> arena = end > 0 ? map_arena(end) : nullptr;
  for (std::size_t i = 0; i < tree.datasets.size(); ++i) {
    const h5::DatasetInfo& info = tree.datasets[i].info;
    const std::optional<std::uint64_t>& offset = tree.datasets[i].offset;
    Shape shape(info.shape.begin(), info.shape.end());
    const std::uint64_t bytes = loaded_bytes(info);
    if (bytes == 0) {
      detail::add_dataset(store.root(), info.path, Tensor::empty(std::move(shape), detail::loaded_dtype(info.dtype)));
      continue;
    }
    const std::span<std::byte> destination{at(arena, slots[i]), static_cast<std::size_t>(bytes)};
    if (!image.empty() && offset && detail::loaded_dtype(info.dtype) == info.dtype && *offset <= image.size() &&
        bytes <= image.size() - *offset) {
      std::memcpy(destination.data(), image.data() + *offset, destination.size());
    } else {
      read_loaded(reader, info, destination);
    }
    detail::add_dataset(store.root(), info.path,
                        Tensor::adopt(arena, at(arena, slots[i]), std::move(shape), detail::loaded_dtype(info.dtype)));
  }
  return owned;
}

void check_regular(int fd, const std::string& name) {
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    throw h5::H5Error(name, "", "not a regular file descriptor");
  }
}

// The file by path, or (fd >= 0) the open regular file `fd`, read as an in-memory image.
std::unique_ptr<InMemoryWeightsStore> read_file(const std::filesystem::path& file, int fd, const std::string& name,
                                                const H5ReadOptions& options, StringAttributes* attributes) {
  if (fd < 0) {
    if (options.isolate) return detail::read_isolated(file, name, options, -1, attributes);
    return read_in_process(h5::WeightsReader::open(file, options.limits), options, {}, attributes);
  }
  check_regular(fd, name);
  if (options.isolate) return detail::read_isolated(name, name, options, fd, attributes);
  const detail::FileImage image = detail::FileImage::load(fd, name);
  const h5::WeightsReader reader = h5::WeightsReader::open_image(image.bytes(), name, options.limits);
  return read_in_process(reader, options, image.bytes(), attributes);
}

}  // namespace

std::unique_ptr<InMemoryWeightsStore> read_weights_file(const std::filesystem::path& file,
                                                        const H5ReadOptions& options) {
  return read_file(file, -1, file.string(), options, nullptr);
}

std::unique_ptr<InMemoryWeightsStore> read_weights_fd(int fd, const std::string& name, const H5ReadOptions& options) {
  return read_file({}, fd, name, options, nullptr);
}

detail::WeightsReadInProgress::WeightsReadInProgress(int fd, std::string name, const H5ReadOptions& options)
    : fd_(fd), name_(std::move(name)), options_(options) {
  if (!options_.isolate) return;
  check_regular(fd_, name_);
  isolated_.emplace(name_, name_, options_, fd_, false);
}

std::unique_ptr<InMemoryWeightsStore> detail::WeightsReadInProgress::get() {
  if (!isolated_) return read_file({}, fd_, name_, options_, nullptr);
  IsolatedRead read = std::move(*isolated_);
  isolated_.reset();
  return read.finish(nullptr);
}

H5FileContents read_h5_file(const std::filesystem::path& file, int fd, const std::string& name,
                            const H5ReadOptions& options) {
  H5FileContents contents;
  contents.store = read_file(file, fd, name, options, &contents.attributes);
  return contents;
}

}  // namespace kplug::saving
