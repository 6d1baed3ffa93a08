#include "saving/h5/types.hpp"

#include <bit>
#include <cstring>
#include <vector>

#include "kplug/saving/h5_error.hpp"

namespace kplug::h5::detail {

static_assert(std::endian::native == std::endian::little, "kplug's HDF5 layer assumes a little-endian host");

namespace {

std::string class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_TIME: return "time";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "variable-length";
    case H5T_ARRAY: return "array";
    default: return "unknown";
  }
}

[[noreturn]] void bad_type(const std::string& file, std::string_view path, const std::string& what) {
  throw H5Error(file, std::string(path),
                "unsupported dataset type: " + what +
                    "; expected a little- or big-endian IEEE float (16/32/64 bit, bfloat16), an integer of 1-8 "
                    "bytes or a bool");
}

struct FloatLayout {
  std::size_t spos, epos, esize, mpos, msize, ebias;
  bool operator==(const FloatLayout&) const = default;
};

bool byte_order_ok(hid_t type) {
  H5T_order_t order = H5Tget_order(type);
  return order == H5T_ORDER_LE || order == H5T_ORDER_BE;
}

std::string order_name(hid_t type) {
  switch (H5Tget_order(type)) {
    case H5T_ORDER_LE: return "little-endian";
    case H5T_ORDER_BE: return "big-endian";
    case H5T_ORDER_VAX: return "VAX order";
    case H5T_ORDER_MIXED: return "mixed order";
    default: return "no byte order";
  }
}

DType classify_float(hid_t type, const std::string& file, std::string_view path) {
  const std::size_t size = H5Tget_size(type);
  FloatLayout got{};
  if (H5Tget_fields(type, &got.spos, &got.epos, &got.esize, &got.mpos, &got.msize) < 0) {
    fail(file, path, "cannot read the float type's bit layout");
  }
  got.ebias = H5Tget_ebias(type);
  const std::string desc = std::to_string(size * 8) + "-bit " + order_name(type) + " float";
  if (!byte_order_ok(type)) bad_type(file, path, desc);
  if (H5Tget_offset(type) != 0 || H5Tget_precision(type) != size * 8 || H5Tget_norm(type) != H5T_NORM_IMPLIED) {
    bad_type(file, path, desc + " with a non-IEEE bit layout");
  }
  if (size == 4 && got == FloatLayout{31, 23, 8, 0, 23, 127}) return DType::float32;
  if (size == 8 && got == FloatLayout{63, 52, 11, 0, 52, 1023}) return DType::float64;
  if (size == 2 && got == FloatLayout{15, 10, 5, 0, 10, 15}) return DType::float16;
  if (size == 2 && got == FloatLayout{15, 7, 8, 0, 7, 127}) return DType::bfloat16;
  bad_type(file, path, desc + " with a non-IEEE bit layout");
}

DType classify_integer(hid_t type, const std::string& file, std::string_view path) {
  const std::size_t size = H5Tget_size(type);
  const H5T_sign_t sign = H5Tget_sign(type);
  const std::string desc = std::to_string(size * 8) + "-bit " + order_name(type) + " integer";
  if (!byte_order_ok(type) || H5Tget_offset(type) != 0 || H5Tget_precision(type) != size * 8 ||
      (sign != H5T_SGN_NONE && sign != H5T_SGN_2)) {
    bad_type(file, path, desc + " with padding bits or an unknown sign");
  }
  const bool is_signed = sign == H5T_SGN_2;
  switch (size) {
    case 1: return is_signed ? DType::int8 : DType::uint8;
    case 2: return is_signed ? DType::int16 : DType::uint16;
    case 4: return is_signed ? DType::int32 : DType::uint32;
    case 8: return is_signed ? DType::int64 : DType::uint64;
    default: bad_type(file, path, desc);
  }
}

// h5py's bool: an enum over int8 with exactly FALSE=0 and TRUE=1.
bool is_h5py_bool(hid_t type) {
  if (H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2) return false;
  for (unsigned i = 0; i < 2; ++i) {
    char* name = H5Tget_member_name(type, i);
    if (name == nullptr) return false;
    const std::string member(name);
    H5free_memory(name);
    signed char value = 0;
    if (H5Tget_member_value(type, i, &value) < 0) return false;
    if (!((member == "FALSE" && value == 0) || (member == "TRUE" && value == 1))) return false;
  }
  return true;
}

// Keras marks bfloat16 datasets with attribute dtype="bfloat16" (h5py stores the data opaque).
bool has_bfloat16_marker(hid_t dataset) {
  if (H5Aexists(dataset, "dtype") <= 0) return false;
  Handle attr(H5Aopen(dataset, "dtype", H5P_DEFAULT));
  if (!attr.valid()) return false;
  Handle type(H5Aget_type(attr.get()));
  Handle space(H5Aget_space(attr.get()));
  if (!type.valid() || !space.valid() || H5Tget_class(type.get()) != H5T_STRING ||
      H5Sget_simple_extent_npoints(space.get()) != 1) {
    return false;
  }
  std::string value;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1));
    if (!mem.valid() || H5Tset_size(mem.get(), H5T_VARIABLE) < 0) return false;
    char* text = nullptr;
    if (H5Aread(attr.get(), mem.get(), &text) < 0) return false;
    if (text != nullptr) value = text;
    H5free_memory(text);
  } else {
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0 || size > 64) return false;
    std::vector<char> buffer(size + 1, '\0');
    if (H5Aread(attr.get(), type.get(), buffer.data()) < 0) return false;
    value = buffer.data();
  }
  return value == "bfloat16";
}

Handle copy(hid_t type, const std::string& file, std::string_view path) {
  return Handle(check(H5Tcopy(type), file, path, "cannot copy an HDF5 type"));
}

}  // namespace

DType classify(hid_t type, hid_t dataset, const std::string& file, std::string_view path) {
  const H5T_class_t c = H5Tget_class(type);
  switch (c) {
    case H5T_FLOAT: return classify_float(type, file, path);
    case H5T_INTEGER: return classify_integer(type, file, path);
    case H5T_ENUM:
      if (is_h5py_bool(type)) return DType::bool_;
      bad_type(file, path, "an enum that is not h5py's bool (int8 FALSE=0, TRUE=1)");
    case H5T_OPAQUE:
      if (H5Tget_size(type) == 2 && has_bfloat16_marker(dataset)) return DType::bfloat16;
      bad_type(file, path,
               "an opaque type (" + std::to_string(H5Tget_size(type)) +
                   " bytes) without Keras's dtype=\"bfloat16\" attribute");
    default: bad_type(file, path, "HDF5 class " + class_name(c));
  }
}

Handle memory_type(DType dtype, hid_t stored_type, const std::string& file, std::string_view path) {
  switch (dtype) {
    case DType::float32: return copy(H5T_NATIVE_FLOAT, file, path);
    case DType::float64: return copy(H5T_NATIVE_DOUBLE, file, path);
    case DType::int8: return copy(H5T_NATIVE_INT8, file, path);
    case DType::int16: return copy(H5T_NATIVE_INT16, file, path);
    case DType::int32: return copy(H5T_NATIVE_INT32, file, path);
    case DType::int64: return copy(H5T_NATIVE_INT64, file, path);
    case DType::uint8: return copy(H5T_NATIVE_UINT8, file, path);
    case DType::uint16: return copy(H5T_NATIVE_UINT16, file, path);
    case DType::uint32: return copy(H5T_NATIVE_UINT32, file, path);
    case DType::uint64: return copy(H5T_NATIVE_UINT64, file, path);
    default: {
      // float16 / bfloat16 / bool: the stored layout itself (opaque tags must match), little-endian.
      Handle t = copy(stored_type, file, path);
      if (H5Tget_class(t.get()) == H5T_FLOAT && H5Tset_order(t.get(), H5T_ORDER_LE) < 0) {
        fail(file, path, "cannot make the memory type");
      }
      return t;
    }
  }
}

Handle file_type(DType dtype, const std::string& file, std::string_view path) {
  switch (dtype) {
    case DType::float32: return copy(H5T_IEEE_F32LE, file, path);
    case DType::float64: return copy(H5T_IEEE_F64LE, file, path);
    case DType::int8: return copy(H5T_STD_I8LE, file, path);
    case DType::int16: return copy(H5T_STD_I16LE, file, path);
    case DType::int32: return copy(H5T_STD_I32LE, file, path);
    case DType::int64: return copy(H5T_STD_I64LE, file, path);
    case DType::uint8: return copy(H5T_STD_U8LE, file, path);
    case DType::uint16: return copy(H5T_STD_U16LE, file, path);
    case DType::uint32: return copy(H5T_STD_U32LE, file, path);
    case DType::uint64: return copy(H5T_STD_U64LE, file, path);
    case DType::float16: {  // exactly h5py's H5PY_IEEE_F16LE
      Handle t = copy(H5T_IEEE_F32LE, file, path);
      if (H5Tset_fields(t.get(), 15, 10, 5, 0, 10) < 0 || H5Tset_size(t.get(), 2) < 0 ||
          H5Tset_ebias(t.get(), 15) < 0) {
        fail(file, path, "cannot make the float16 type");
      }
      return t;
    }
    case DType::bfloat16: {
      Handle t(check(H5Tcreate(H5T_OPAQUE, 2), file, path, "cannot make the bfloat16 type"));
      return t;
    }
    case DType::bool_: {
      Handle t(check(H5Tenum_create(H5T_NATIVE_INT8), file, path, "cannot make the bool type"));
      const signed char no = 0;
      const signed char yes = 1;
      if (H5Tenum_insert(t.get(), "FALSE", &no) < 0 || H5Tenum_insert(t.get(), "TRUE", &yes) < 0) {
        fail(file, path, "cannot make the bool type");
      }
      return t;
    }
  }
  throw H5Error(file, std::string(path), "unknown dtype");
}

Handle vlen_string_type(const std::string& file, std::string_view path, H5T_cset_t charset) {
  Handle t = copy(H5T_C_S1, file, path);
  if (H5Tset_size(t.get(), H5T_VARIABLE) < 0 || H5Tset_cset(t.get(), charset) < 0 ||
      H5Tset_strpad(t.get(), H5T_STR_NULLTERM) < 0) {
    fail(file, path, "cannot make the string type");
  }
  return t;
}

}  // namespace kplug::h5::detail
