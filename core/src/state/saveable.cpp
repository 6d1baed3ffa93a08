// Keras's saving_lib walk (_save_state, _load_state and their container forms).
#include "kplug/state/saveable.hpp"

#include "kplug/object.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <new>
#include <set>

namespace kplug::saving {

Saveable::~Saveable() = default;

void Saveable::build_from_config(const boost::json::object& /*build_config*/) {
  throw NotSupportedError("'" + saveable_class_name() + "' cannot be built from a build_config");
}

void Saveable::compile_from_config(const boost::json::object& /*compile_config*/) {
  throw NotSupportedError("'" + saveable_class_name() + "' cannot be compiled from a compile_config");
}

void Saveable::save_own_variables(WeightsStore::Entry& /*store*/) const {}
void Saveable::load_own_variables(const WeightsStore::Entry& /*store*/) {}
std::vector<SaveableChild> Saveable::children() const { return {}; }
std::optional<std::string> Saveable::saveable_name() const { return std::nullopt; }

std::string Saveable::saveable_class_name() const {
  if (const auto* serializable = dynamic_cast<const Serializable*>(this)) return serializable->class_name();
  return plain_type_name(typeid(*this));
}

namespace {
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
// Python's \w on str: letters, digits, '_' and any non-ASCII character of a UTF-8 name.
bool is_word(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }
}  // namespace

std::string to_snake_case(std::string_view name) {
  // re.sub(r"\W+", "", name)
  std::string s;
  for (char c : name) {
    if (is_word(static_cast<unsigned char>(c))) s += c;
  }
  // re.sub("(.)([A-Z][a-z]+)", r"\1_\2", s): non-overlapping, left to right.
  std::string t;
  for (std::size_t i = 0; i < s.size();) {
    if (i + 2 < s.size() && is_upper(s[i + 1]) && is_lower(s[i + 2])) {
      std::size_t end = i + 3;
      while (end < s.size() && is_lower(s[end])) ++end;
      t += s[i];
      t += '_';
      t.append(s, i + 1, end - i - 1);
      i = end;
    } else {
      t += s[i++];
    }
  }
  // re.sub("([a-z])([A-Z])", r"\1_\2", t).lower()
  std::string out;
  for (std::size_t i = 0; i < t.size();) {
    if (i + 1 < t.size() && is_lower(t[i]) && is_upper(t[i + 1])) {
      out += t[i];
      out += '_';
      out += static_cast<char>(t[i + 1] - 'A' + 'a');
      i += 2;
    } else {
      out += is_upper(t[i]) ? static_cast<char>(t[i] - 'A' + 'a') : t[i];
      ++i;
    }
  }
  return out;
}

std::vector<SaveableChild> walk_order(const Saveable& object) {
  std::vector<SaveableChild> children = object.children();
  // Keras: sorted(dir(obj), key=_name_key), private ("_x") names last as "~_x".
  const auto key = [](const SaveableChild& c) {
    return c.attribute.starts_with('_') ? "~" + c.attribute : c.attribute;
  };
  std::stable_sort(children.begin(), children.end(), [&](const SaveableChild& a, const SaveableChild& b) {
    if (a.walk_first != b.walk_first) return a.walk_first;
    if (a.walk_first) return false;  // in the order given
    return key(a) < key(b);
  });
  return children;
}

namespace {

// Calls `visit(object, path)` for each child of `object` in Keras's order, naming list
// elements by snake_case class name uniquified in order.
template <class Visit>
void for_each_child(const Saveable& object, const std::string& path, Visit&& visit) {
  for (const SaveableChild& child : walk_order(object)) {
    const std::string child_path = join_path(path, child.attribute);
    if (!child.is_list) {
      if (!child.objects.empty() && child.objects.front()) visit(*child.objects.front(), child_path);
      continue;
    }
    std::map<std::string, int> used_names;
    for (Saveable* element : child.objects) {
      if (!element) continue;
      std::string name = to_snake_case(element->saveable_class_name());
      auto [it, fresh] = used_names.try_emplace(name, 0);
      if (!fresh) name += "_" + std::to_string(++it->second);
      visit(*element, join_path(child_path, name));
    }
  }
}

void save_recursive(const Saveable& object, WeightsStore& store, const std::string& path,
                    std::set<const Saveable*>& visited) {
  if (!visited.insert(&object).second) return;
  with_location(Location::object(path.empty() ? "/" : path), [&] {
    std::unique_ptr<WeightsStore::Entry> entry = store.make(path, object.saveable_name());
    object.save_own_variables(*entry);
  });
  for_each_child(object, path, [&](const Saveable& child, const std::string& child_path) {
    save_recursive(child, store, child_path, visited);
  });
}

std::string describe(const Saveable& object) {
  std::string s = object.saveable_class_name();
  if (auto name = object.saveable_name()) s += " '" + *name + "'";
  return s;
}

struct LoadWalk {
  const WeightsStore& store;
  std::set<const Saveable*> visited;
  // Insertion order kept: the report lists objects as the walk met them.
  std::vector<std::pair<const Saveable*, LoadFailure>> failures;

  std::size_t failed_count() const { return failures.size(); }

  void load(Saveable& object, const std::string& path) {
    if (visited.contains(&object)) return;
    bool failure = false;
    try {
      std::unique_ptr<const WeightsStore::Entry> entry = store.get(path);
      object.load_own_variables(*entry);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      // Keras keeps one message per object: the last path tried.
      std::erase_if(failures, [&](const auto& f) { return f.first == &object; });
      failures.emplace_back(&object, LoadFailure{path.empty() ? "/" : path, describe(object), e.what()});
      failure = true;
    }
    const std::size_t before = failed_count();
    for_each_child(object, path, [&](Saveable& child, const std::string& child_path) { load(child, child_path); });
    const bool children_failed = failed_count() > before;
    if (!failure) {
      if (!children_failed) visited.insert(&object);
      std::erase_if(failures, [&](const auto& f) { return f.first == &object; });
    }
  }
};

std::string loading_message(const std::vector<LoadFailure>& failures) {
  std::string msg = "A total of " + std::to_string(failures.size()) + " objects could not be loaded.";
  for (const LoadFailure& f : failures) msg += "\n- " + f.object + " at '" + f.path + "': " + f.message;
  return msg;
}

}  // namespace

void save_state(const Saveable& root, WeightsStore& store) {
  std::set<const Saveable*> visited;
  save_recursive(root, store, "", visited);
}

LoadingError::LoadingError(std::vector<LoadFailure> failures)
    : ValueError(loading_message(failures)), failures_(std::move(failures)) {}
LoadingError::~LoadingError() = default;

void load_state(Saveable& root, const WeightsStore& store) {
  LoadWalk walk{store, {}, {}};
  walk.load(root, "");
  if (walk.failures.empty()) return;
  std::vector<LoadFailure> failures;
  for (auto& [object, failure] : walk.failures) failures.push_back(std::move(failure));
  throw LoadingError(std::move(failures));
}

}  // namespace kplug::saving
