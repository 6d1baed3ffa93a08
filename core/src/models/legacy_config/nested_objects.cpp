// Initializers, regularizers and constraints inside legacy layer configs: Keras 2's
// lower-case class names and VarianceScaling's old "normal" distribution.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "models/legacy_config/upgrade.hpp"

#include <algorithm>
#include <cctype>

namespace kplug::legacy::detail {

std::string camel_case(std::string_view snake) {
  std::string out;
  bool upper = true;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

namespace {

bool lower_case(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}

// Keras 3's aliases for names that are not the class name in snake case.
std::string class_for(std::string_view name, ObjectFamily family) {
  if (family == ObjectFamily::initializer) {
    if (name == "normal") return "RandomNormal";
    if (name == "uniform") return "RandomUniform";
    if (name == "zero") return "Zeros";
    if (name == "one") return "Ones";
  }
  if (family == ObjectFamily::constraint) {
    if (name == "maxnorm" || name == "max_norm") return "MaxNorm";
    if (name == "nonneg" || name == "non_neg") return "NonNeg";
    if (name == "unitnorm" || name == "unit_norm") return "UnitNorm";
    if (name == "min_max_norm") return "MinMaxNorm";
  }
  return camel_case(name);
}

}  // namespace

void upgrade_nested_object(boost::json::value& v, ObjectFamily family, const std::string& path) {
  auto* dict = v.if_object();
  if (!dict) return;  // a name or null: the getters read Keras 2's names as they are
  auto* class_name = dict->if_contains("class_name");
  if (!class_name || !class_name->is_string()) {
    malformed(field_path(path, "class_name"),
              "expected a dict {\"class_name\": ..., \"config\": ...}, got " + json::excerpt(v));
  }
  if (!dict->contains("module") && lower_case(class_name->get_string())) {
    *class_name = class_for(class_name->get_string(), family);
  }
  auto* config = dict->if_contains("config");
  if (!config) return;
  if (!config->is_object()) {
    malformed(field_path(path, "config"), "expected a dict, got " + std::string(json::type_name(*config)));
  }
  if (family == ObjectFamily::initializer && class_name->get_string() == "VarianceScaling") {
    // Keras 2.0-2.2's "normal" was already truncated (Keras 3 maps it the same way).
    auto* distribution = config->get_object().if_contains("distribution");
    if (distribution && distribution->is_string() && distribution->get_string() == "normal") {
      *distribution = "truncated_normal";
    }
  }
}

}  // namespace kplug::legacy::detail
