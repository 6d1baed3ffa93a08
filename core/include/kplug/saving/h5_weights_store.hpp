// The HDF5 WeightsStore (Keras's H5IOStore over a `.weights.h5` file) and Keras's
// save_weights / load_weights.
//
// Reading materialises every dataset of the file into memory (float16/bfloat16/float64 as
// float32, as Keras assigns them to float32 variables; integers and bool keep their dtype for
// optimizer counters). By default the file is read in a separate reader process, the
// kplug-h5-reader executable installed next to libkplug_saving (started once and reused for
// later reads, see H5ReadOptions::reuse_reader): libhdf5 1.10.8
// itself crashes, hangs or allocates gigabytes on some malformed files (fuzz/known/), so the
// reader works under a memory and time bound, writes the datasets' bytes into an anonymous
// shared file and streams (path, dtype, shape, size) records over a socket; the parent
// validates every record, then maps that file and builds the store's tensors over it (no copy). `isolate = false`
// reads in-process (trusted files, benchmarks). Writing goes through WeightsWriter: nothing
// reaches the target until commit().
#pragma once

#include "kplug/saving/h5_reader.hpp"
#include "kplug/state/saveable.hpp"
#include "kplug/state/weights_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::saving {

struct H5ReadOptions {
  h5::ReadLimits limits{};
  // Read in a reader process (see the top of this file). false: in this process.
  bool isolate = true;
  // The reader process is started once and serves later reads too (docs/safety.md). false: a
  // fresh one for this read alone (a host that reads untrusted and trusted files in one process).
  bool reuse_reader = true;
  // The reader's executable. Empty: kplug-h5-reader in the folder of libkplug_saving.
  std::filesystem::path reader_executable;
  // The child's address space may grow by this much beyond what it inherits (RLIMIT_AS).
  std::uint64_t child_memory_bytes = std::uint64_t{8} << 30;
  // The child is killed (and the read fails) past this.
  std::chrono::milliseconds child_timeout{std::chrono::minutes(5)};
  // Sum of all datasets' bytes accepted from the file.
  std::uint64_t max_total_bytes = std::uint64_t{64} << 30;
};

class H5WeightsStore final : public WeightsStore {
 public:
  // Reads the whole file (see H5ReadOptions). Throws h5::H5Error / h5::H5UnsafeError.
  static std::unique_ptr<H5WeightsStore> open_read(const std::filesystem::path& file, H5ReadOptions options = {});
  // A store writing to `file` (atomically: see commit()).
  static std::unique_ptr<H5WeightsStore> open_write(const std::filesystem::path& file);
  // A store writing an in-memory file (h5::WeightsWriter::in_memory); finish with image().
  static std::unique_ptr<H5WeightsStore> open_memory_write(const std::string& name);

  H5WeightsStore(const H5WeightsStore&) = delete;
  H5WeightsStore& operator=(const H5WeightsStore&) = delete;
  ~H5WeightsStore() override;

  std::unique_ptr<Entry> make(std::string_view path, const std::optional<std::string>& name) override;
  std::unique_ptr<const Entry> get(std::string_view path) const override;
  bool has_group(std::string_view path) const override;
  bool has_dataset(std::string_view path) const override;
  std::vector<std::string> members(std::string_view group_path) const override;
  std::string description() const override { return file_name_; }

  bool writable() const noexcept;
  // Write mode: renames the temporary file onto the target. Without it nothing is written.
  void commit();
  // In-memory write mode: the file's bytes (then the store is closed).
  std::vector<std::byte> image();
  // Read mode: what was read (every dataset, and the `name` attribute of each vars group).
  const InMemoryWeightsStore& contents() const;

 private:
  struct Impl;
  explicit H5WeightsStore(std::string file_name, std::unique_ptr<Impl> impl);
  std::string file_name_;
  std::unique_ptr<Impl> impl_;
};

// Keras's model.save_weights(path): "The filename must end in `.weights.h5`" (ValueError),
// the walk of save_state, an atomic write.
void save_weights(const Saveable& root, const std::filesystem::path& file);
// Keras's model.load_weights(path): the same name check, a missing file is a FileError
// naming it, then load_state (LoadingError collecting every object's failure). As in Keras,
// another `.h5` / `.hdf5` name is a legacy weights file (load_legacy_weights, into a Model).
void load_weights(Saveable& root, const std::filesystem::path& file, H5ReadOptions options = {});

// The raw read behind open_read: every dataset and vars `name` attribute of the file into an
// in-memory store, isolated or not as `options` says.
std::unique_ptr<InMemoryWeightsStore> read_weights_file(const std::filesystem::path& file,
                                                        const H5ReadOptions& options = {});
// The same from an open regular file (a memfd holding an archive's weights member); `name` is
// what messages call it ("model.keras/model.weights.h5"). The descriptor stays the caller's.
std::unique_ptr<InMemoryWeightsStore> read_weights_fd(int fd, const std::string& name,
                                                      const H5ReadOptions& options = {});

// Every group's string attributes, by group path ("" is the root).
using StringAttributes = std::map<std::string, std::vector<h5::StringAttribute>, std::less<>>;

// A whole HDF5 file as legacy `.h5` loading needs it: the datasets and groups (as
// read_weights_file) and every group's string attributes (under ReadLimits' attribute caps).
struct H5FileContents {
  std::unique_ptr<InMemoryWeightsStore> store;
  StringAttributes attributes;
};
// `fd` >= 0: the open regular file `fd` (the descriptor stays the caller's); else `file`.
// `name` is what messages call it.
H5FileContents read_h5_file(const std::filesystem::path& file, int fd, const std::string& name,
                            const H5ReadOptions& options = {});

}  // namespace kplug::saving
#pragma GCC visibility pop
