#include "read_loaded.hpp"

#include "kplug/saving/h5_error.hpp"

#include <cstring>
#include <vector>

namespace kplug::saving::detail {

void read_loaded(const h5::WeightsReader& reader, const h5::DatasetInfo& info, std::span<std::byte> destination) {
  if (loaded_dtype(info.dtype) == info.dtype) {
    reader.read_into(info.path, destination);
    return;
  }
  const std::vector<float> values = reader.read(info.path).to_float32();
  if (values.size() * sizeof(float) != destination.size()) {
    throw h5::H5Error(reader.file_name(), info.path, "the dataset changed size while being read");
  }
  if (!values.empty()) std::memcpy(destination.data(), values.data(), destination.size());
}

}  // namespace kplug::saving::detail
