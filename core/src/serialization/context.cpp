#include "kplug/serialization.hpp"

#include "serialization/active_call.hpp"

namespace kplug {

KeyProvider::~KeyProvider() = default;

DeserializationContext::DeserializationContext(const DeserializeOptions& options) : options_(options) {}
DeserializationContext::~DeserializationContext() = default;

std::string DeserializationContext::path_of(std::string_view field) const {
  if (path_.empty()) return std::string(field);
  std::string out = path_;
  out += '.';
  out += field;
  return out;
}

std::string DeserializationContext::path_of(std::size_t index) const {
  return path_ + "[" + std::to_string(index) + "]";
}

DeserializationContext::PathScope::PathScope(DeserializationContext& context, std::string_view field)
    : context_(context), old_size_(context.path_.size()) {
  if (!context_.path_.empty()) context_.path_ += '.';
  context_.path_ += field;
}

DeserializationContext::PathScope::PathScope(DeserializationContext& context, std::size_t index)
    : context_(context), old_size_(context.path_.size()) {
  context_.path_ += "[" + std::to_string(index) + "]";
}

DeserializationContext::PathScope::~PathScope() { context_.path_.resize(old_size_); }

Value DeserializationContext::value(const boost::json::value& v, std::string_view field) {
  PathScope scope(*this, field);
  return deserialize_value(v);
}

ObjectPtr DeserializationContext::object(const boost::json::value& v, std::string_view field, Kind kind) {
  PathScope scope(*this, field);
  return deserialize_kind(v, kind);
}

void DeserializationContext::throw_wrong_type(std::string_view field, const Serializable& obj) const {
  throw KindMismatchError(path_of(field), "'" + obj.class_name() + "' is a " + std::string(kind_name(obj.kind())) +
                                              " of a C++ type this field cannot hold");
}

}  // namespace kplug
