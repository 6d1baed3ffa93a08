// Reading a weights file in an isolated reader process (reader_process.hpp, reader_protocol.hpp).
#pragma once

#include "kplug/saving/h5_weights_store.hpp"
#include "unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace kplug::saving::detail {

class ReaderProcess;

// One read in a reader process: the constructor sends the request (the reader then works while
// the caller does: load_model builds the model meanwhile), finish() takes the answer. Dropped
// unfinished, the reader is killed (never reused halfway through a request).
class IsolatedRead {
 public:
  // Arguments as read_isolated's; `with_attributes`: finish() is given where attributes go.
  IsolatedRead(const std::filesystem::path& file, std::string name, const H5ReadOptions& options, int image_fd,
               bool with_attributes);
  IsolatedRead(IsolatedRead&&) noexcept;
  IsolatedRead& operator=(IsolatedRead&&) = delete;
  ~IsolatedRead();

  // The file's contents, checked; throws h5::H5Error naming the file. Once.
  std::unique_ptr<InMemoryWeightsStore> finish(StringAttributes* attributes);

 private:
  std::string name_;
  H5ReadOptions options_;
  std::chrono::steady_clock::time_point deadline_;
  bool with_attributes_;
  UniqueFd data_;
  UniqueFd source_;
  std::uint64_t file_size_ = 0;
  std::unique_ptr<ReaderProcess> reader_;
};

// `name` is what messages call the file (an archive member read through /proc/self/fd/N).
// `image_fd` >= 0: read that open file (not `file`) as an in-memory image.
// `attributes`: where every group's string attributes go (null: not read).
std::unique_ptr<InMemoryWeightsStore> read_isolated(const std::filesystem::path& file, const std::string& name,
                                                    const H5ReadOptions& options, int image_fd,
                                                    StringAttributes* attributes);

}  // namespace kplug::saving::detail
