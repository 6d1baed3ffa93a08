// The deserialization call running on this thread, so that a nested top-level call
// (a from_config that calls kplug::deserialize itself) keeps the outer call's
// custom objects and safe mode, as Keras's CustomObjectScope/SafeModeScope do.
#pragma once

#include "kplug/serialization.hpp"

namespace kplug::detail {

class ActiveCall {
 public:
  explicit ActiveCall(const DeserializeOptions& options);
  ~ActiveCall();
  ActiveCall(const ActiveCall&) = delete;
  ActiveCall& operator=(const ActiveCall&) = delete;

  // The outer call's options on this thread, or null.
  static const DeserializeOptions* outer() noexcept;

 private:
  const DeserializeOptions* previous_;
};

}  // namespace kplug::detail
