#include "kplug/config_fields.hpp"

#include "kplug/json.hpp"
#include "util/suggest.hpp"

#include <algorithm>
#include <cmath>

namespace kplug::config {

namespace {
// Python's float repr in messages, as the rest of kplug.
std::string show(const Number& n) {
  return n.integral ? std::to_string(static_cast<std::int64_t>(n.value)) : json::format_double(n.value);
}

// Keras's policy names whose compute dtype is float32.
bool computes_in_float32(std::string_view name) { return name == "float32"; }
}  // namespace

DTypePolicy Codec<DTypePolicy>::read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
  DTypePolicy policy;
  if (v.is_null()) return policy;
  if (v.is_string()) {
    policy.name = std::string(v.get_string());
  } else if (const auto* dict = v.if_object()) {
    const auto* class_name = dict->if_contains("class_name");
    if (!class_name || !class_name->is_string() || class_name->get_string() != "DTypePolicy") {
      if (class_name && class_name->is_string() && class_name->get_string().starts_with("DTypePolicy")) {
        throw NotSupportedError(r.context().path_of(key) + ": dtype policy '" + std::string(class_name->get_string()) +
                                "' is not supported; kplug computes in float32");
      }
      r.fail(key, "expected a DTypePolicy dict or a dtype name, got " + json::excerpt(v, 80));
    }
    const auto* config = dict->if_contains("config");
    const auto* inner = config ? config->if_object() : nullptr;
    const auto* name = inner ? inner->if_contains("name") : nullptr;
    if (!name || !name->is_string())
      r.fail(key, "expected a DTypePolicy config with a string \"name\", got " + json::excerpt(v, 80));
    policy.name = std::string(name->get_string());
  } else {
    r.fail(key, "expected a DTypePolicy dict or a dtype name, got " + std::string(json::type_name(v)));
  }
  if (!computes_in_float32(policy.name)) {
    throw NotSupportedError(r.context().path_of(key) + ": dtype policy '" + policy.name +
                            "' is not supported: kplug computes in float32 only");
  }
  return policy;
}

boost::json::value Codec<DTypePolicy>::write(const DTypePolicy& v) {
  return boost::json::object{{"module", "keras"},
                             {"class_name", "DTypePolicy"},
                             {"config", boost::json::object{{"name", v.name}}},
                             {"registered_name", nullptr}};
}

Check<Number> finite() {
  return [](const Number& n) {
    return std::isfinite(n.value) ? std::string() : "expected a finite number, got " + show(n);
  };
}

Check<Number> positive() {
  return [](const Number& n) {
    return std::isfinite(n.value) && n.value > 0 ? std::string() : "expected a positive number, got " + show(n);
  };
}

Check<Number> non_negative() {
  return
      [](const Number& n) { return n.value >= 0 ? std::string() : "expected a non-negative number, got " + show(n); };
}

Check<Number> finite_non_negative() {
  return [](const Number& n) {
    return std::isfinite(n.value) && n.value >= 0 ? std::string()
                                                  : "expected a finite, non-negative number, got " + show(n);
  };
}

Check<Number> in_range(double lo, double hi) {
  return [lo, hi](const Number& n) {
    return n.value >= lo && n.value <= hi ? std::string()
                                          : "expected a number in [" + json::format_double(lo) + ", " +
                                                json::format_double(hi) + "], got " + show(n);
  };
}

Check<std::int64_t> at_least(std::int64_t lo) {
  return [lo](const std::int64_t& v) {
    return v >= lo ? std::string() : "expected an integer >= " + std::to_string(lo) + ", got " + std::to_string(v);
  };
}

Check<std::string> one_of(std::initializer_list<std::string_view> choices) {
  std::vector<std::string> names(choices.begin(), choices.end());
  return [names](const std::string& value) {
    if (std::find(names.begin(), names.end(), value) != names.end()) return std::string();
    return "invalid value '" + value + "'; expected one of " + kplug::detail::quoted_list(names) + "." +
           kplug::detail::did_you_mean(value, names);
  };
}

}  // namespace kplug::config
