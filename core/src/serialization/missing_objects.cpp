#include "serialization/missing_objects.hpp"

#include "serialization/custom_lookup.hpp"
#include "util/suggest.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace kplug::detail {
namespace {

std::string below(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}

// The custom key an object dict names: a class's registered_name, a function's config.
std::string custom_key_of(const boost::json::object& o) {
  const auto* class_name = o.if_contains("class_name");
  const auto* key = class_name && class_name->is_string() && class_name->get_string() == "function"
                        ? o.if_contains("config")
                        : o.if_contains("registered_name");
  if (!key || !key->is_string() || key->get_string().find('>') == boost::json::string::npos) return "";
  return std::string(key->get_string());
}

// "config.layers[1] ('my_layer')": where, and the layer's name when the object has one.
std::string use_of(const boost::json::object& o, const std::string& path) {
  const auto* config = o.if_contains("config");
  const auto* c = config ? config->if_object() : nullptr;
  const auto* name = c ? c->if_contains("name") : nullptr;
  const std::string where = path.empty() ? "the top level" : path;
  return name && name->is_string() ? where + " ('" + std::string(name->get_string()) + "')" : where;
}

class Collector {
 public:
  explicit Collector(const DeserializeOptions& options) : options_(options) {}

  void walk(const boost::json::value& v, const std::string& path) {
    if (const auto* o = v.if_object()) {
      if (std::string key = custom_key_of(*o); !key.empty() && missing(key)) add(key, use_of(*o, path));
      for (const auto& item : *o) walk(item.value(), below(path, item.key()));
    } else if (const auto* a = v.if_array()) {
      for (std::size_t i = 0; i < a->size(); ++i) walk((*a)[i], path + "[" + std::to_string(i) + "]");
    }
  }
  std::vector<MissingObject> found() && { return std::move(found_); }

 private:
  bool missing(const std::string& key) {
    auto it = std::find_if(found_.begin(), found_.end(), [&](const MissingObject& m) { return m.key == key; });
    return it != found_.end() || !find_custom(key, options_);
  }
  void add(const std::string& key, std::string use) {
    auto it = std::find_if(found_.begin(), found_.end(), [&](const MissingObject& m) { return m.key == key; });
    if (it == found_.end()) it = found_.insert(found_.end(), MissingObject{key, {}});
    it->uses.push_back(std::move(use));
  }

  const DeserializeOptions& options_;
  std::vector<MissingObject> found_;
};

}  // namespace

std::vector<MissingObject> missing_objects(const boost::json::value& config, const DeserializeOptions& options) {
  Collector collector(options);
  collector.walk(config, "");
  return std::move(collector).found();
}

void rethrow_listing_missing(const UnknownObjectError& first, const boost::json::value& config,
                             const DeserializeOptions& options) {
  const std::vector<MissingObject> missing = missing_objects(config, options);
  const bool one_use = missing.size() == 1 && missing.front().uses.size() == 1;
  if (missing.empty() || one_use) throw;  // called from the handler of `first`: unchanged
  std::vector<std::string> keys;
  std::string uses;
  for (const auto& m : missing) {
    keys.push_back(m.key);
    uses += "\n  '" + m.key + "' used at ";
    for (std::size_t i = 0; i < m.uses.size(); ++i) uses += (i ? ", " : "") + m.uses[i];
  }
  throw UnknownObjectError(
      first.path(), "the model needs " + std::to_string(missing.size()) +
                        " custom object(s) that no registration or loaded plugin provides: " + quoted_list(keys) + "." +
                        uses +
                        "\n  Register them (kplug::register_serializable) or load the plugin providing them; "
                        "`kplug inspect` on the model file prints a plugin skeleton for them." +
                        "\n  First failure: " + first.message());
}

}  // namespace kplug::detail
