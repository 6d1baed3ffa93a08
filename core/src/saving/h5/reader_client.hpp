// Reading a weights file in an isolated reader process (reader_process.hpp, reader_protocol.hpp).
#pragma once

#include "kplug/saving/h5_weights_store.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace kplug::saving::detail {

// `name` is what messages call the file (an archive member read through /proc/self/fd/N).
// `image_fd` >= 0: read that open file (not `file`) as an in-memory image.
// `attributes`: where every group's string attributes go (null: not read).
std::unique_ptr<InMemoryWeightsStore> read_isolated(const std::filesystem::path& file, const std::string& name,
                                                    const H5ReadOptions& options, int image_fd,
                                                    StringAttributes* attributes);

}  // namespace kplug::saving::detail
