// A read of an open weights file begun before its result is needed (load_model builds the model
// from config.json in between): with H5ReadOptions::isolate the reader process reads the file
// meanwhile; in-process, get() reads it.
#pragma once

#include "kplug/saving/h5_weights_store.hpp"
#include "reader_client.hpp"

#include <memory>
#include <optional>
#include <string>

namespace kplug::saving::detail {

class WeightsReadInProgress {
 public:
  // `fd`: an open regular file, kept open by the caller until get() returns.
  WeightsReadInProgress(int fd, std::string name, const H5ReadOptions& options);
  // As read_weights_fd(fd, name, options). Once.
  std::unique_ptr<InMemoryWeightsStore> get();

 private:
  int fd_;
  std::string name_;
  H5ReadOptions options_;
  std::optional<IsolatedRead> isolated_;
};

}  // namespace kplug::saving::detail
