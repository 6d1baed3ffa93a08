#include "serialization/shared_objects.hpp"

#include <unordered_set>

namespace kplug {
namespace {
thread_local detail::SharedSavingState* t_saving = nullptr;
thread_local detail::SharedLoadingState* t_loading = nullptr;

void drop_single_use_ids(boost::json::value& v, const std::unordered_set<std::int64_t>& reused) {
  if (auto* array = v.if_array()) {
    for (auto& item : *array) drop_single_use_ids(item, reused);
    return;
  }
  auto* object = v.if_object();
  if (!object) return;
  if (auto it = object->find("shared_object_id"); it != object->end() && object->contains("class_name")) {
    if (const auto* id = it->value().if_int64(); id && !reused.contains(*id)) object->erase(it);
  }
  for (auto& item : *object) drop_single_use_ids(item.value(), reused);
}
}  // namespace

namespace detail {
SharedSavingState* active_saving_scope() noexcept { return t_saving; }
SharedLoadingState* active_loading_scope() noexcept { return t_loading; }
}  // namespace detail

SharedObjectSavingScope::SharedObjectSavingScope()
    : state_(std::make_unique<detail::SharedSavingState>()), previous_(t_saving) {
  t_saving = state_.get();
}
SharedObjectSavingScope::~SharedObjectSavingScope() { t_saving = previous_; }

void SharedObjectSavingScope::finalize(boost::json::value& document) const {
  std::unordered_set<std::int64_t> reused;
  for (const auto& [object, record] : state_->records) {
    if (record.count > 1) reused.insert(record.id);
  }
  drop_single_use_ids(document, reused);
}

SharedObjectLoadingScope::SharedObjectLoadingScope()
    : state_(std::make_unique<detail::SharedLoadingState>()), previous_(t_loading) {
  t_loading = state_.get();
}
SharedObjectLoadingScope::~SharedObjectLoadingScope() { t_loading = previous_; }

boost::json::value serialize_shared(const Serializable& object) {
  SharedObjectSavingScope scope;
  boost::json::value document = serialize(object);
  scope.finalize(document);
  return document;
}

}  // namespace kplug
