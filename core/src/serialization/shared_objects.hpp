// Internal access to this thread's object-sharing scopes.
#pragma once

#include "kplug/serialization.hpp"

#include <cstdint>
#include <unordered_map>

namespace kplug {

namespace detail {
struct SharedSavingState {
  struct Record {
    std::int64_t id = 0;
    int count = 0;
  };
  std::unordered_map<const void*, Record> records;
  std::int64_t next_id = 1;
};

struct SharedLoadingState {
  std::unordered_map<std::int64_t, ObjectPtr> objects;
};

SharedSavingState* active_saving_scope() noexcept;
SharedLoadingState* active_loading_scope() noexcept;
}  // namespace detail

}  // namespace kplug
