// Keras's naming utilities (keras/src/utils/naming.py).
#include "kplug/layers/layer.hpp"

#include <unordered_map>

namespace kplug {
namespace {
// Keras keeps these counters in its thread-local global state; so does kplug.
thread_local std::unordered_map<std::string, std::int64_t> t_name_uids;

}  // namespace

std::string unique_object_name(std::string_view prefix) {
  std::string key(prefix);
  auto& uid = t_name_uids[key];
  std::string name = uid == 0 ? key : key + "_" + std::to_string(uid);
  ++uid;
  return name;
}

void reset_object_names() { t_name_uids.clear(); }

}  // namespace kplug
