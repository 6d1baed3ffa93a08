// Mapping between HDF5 datatypes and DType: which file types are accepted (class,
// size, byte order, bit layout all checked), the native memory type to read into,
// and the types h5py writes.
#pragma once

#include <string>
#include <string_view>

#include "kplug/saving/h5_array.hpp"
#include "saving/h5/handle.hpp"

namespace kplug::h5::detail {

// The DType of a dataset's file type; H5Error naming the class/size/order otherwise.
// `dataset` is needed for bfloat16, which h5py stores as 2-byte opaque + attribute dtype.
DType classify(hid_t file_type, hid_t dataset, const std::string& file, std::string_view path);

// A type equal to `dtype` in native byte order (HDF5 converts byte order while reading).
// `stored_type` is the dataset's file type (already classified as `dtype`).
Handle memory_type(DType dtype, hid_t stored_type, const std::string& file, std::string_view path);

// The type h5py writes for a NumPy array of this dtype (little-endian IEEE / STD, h5py's
// float16, an int8 enum FALSE/TRUE for bool, 2-byte opaque for bfloat16).
Handle file_type(DType dtype, const std::string& file, std::string_view path);

// A variable-length string type (attributes): UTF-8 unless told.
Handle vlen_string_type(const std::string& file, std::string_view path, H5T_cset_t charset = H5T_CSET_UTF8);

}  // namespace kplug::h5::detail
