// libFuzzer target for legacy `.h5` model files: any bytes loaded as load_model does, through
// the isolated reader (a forked child reads the file: libhdf5 1.10.8's own crashes on hostile
// attributes, fuzz/known/, end as a clean H5Error), then config upgrade, model building and
// weight matching. A kplug::Error is the expected outcome of bad input; anything else is a finding.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "kplug/errors.hpp"
#include "kplug/saving/legacy_h5.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("fuzz-legacy-h5", MFD_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd, data + written, size - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  kplug::saving::LoadModelOptions options;
  options.weights.limits.max_elements = std::uint64_t{1} << 24;  // the fuzzer's memory cap
  options.weights.child_memory_bytes = std::uint64_t{1} << 30;
  options.weights.child_timeout = std::chrono::seconds(5);
  options.limits.max_config_bytes = std::uint64_t{1} << 20;
  options.on_warning = [](const std::string&) {};
  try {
    (void)kplug::saving::load_legacy_h5_model(fd, "fuzz.h5", options);
  } catch (const kplug::Error&) {
  }
  ::close(fd);
  return 0;
}
