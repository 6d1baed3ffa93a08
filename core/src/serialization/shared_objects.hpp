// Internal access to this thread's object-sharing scopes.
#pragma once

#include "kplug/serialization.hpp"

#include <cstdint>
#include <unordered_map>

namespace kplug {

struct SharedObjectSavingScope::State {
  struct Record {
    std::int64_t id = 0;
    int count = 0;
  };
  std::unordered_map<const void*, Record> records;
  std::int64_t next_id = 1;
};

struct SharedObjectLoadingScope::State {
  std::unordered_map<std::int64_t, ObjectPtr> objects;
};

namespace detail {
SharedObjectSavingScope::State* active_saving_scope() noexcept;
SharedObjectLoadingScope::State* active_loading_scope() noexcept;
}  // namespace detail

}  // namespace kplug
