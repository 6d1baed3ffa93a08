// Keras's special class names: __bytes__, __slice__, __ellipsis__, __numpy__, __tensor__.
#pragma once

#include "kplug/serialization.hpp"

namespace kplug::detail {

boost::json::value serialize_special(const Bytes& bytes);
boost::json::value serialize_special(const Slice& slice);
boost::json::value serialize_special(const Ellipsis& ellipsis);
boost::json::value serialize_special(const NdArray& array);

// Builds the special value of `class_name` (the caller checked it is one) from its config.
Value deserialize_special(std::string_view class_name, const boost::json::object& config,
                          DeserializationContext& context);

bool is_special_class_name(std::string_view class_name) noexcept;

}  // namespace kplug::detail
