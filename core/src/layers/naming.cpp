// Keras's naming utilities (keras/src/utils/naming.py).
#include "kplug/layers/layer.hpp"

#include <cctype>
#include <unordered_map>

namespace kplug {
namespace {
// Keras keeps these counters in its thread-local global state; so does kplug.
thread_local std::unordered_map<std::string, std::int64_t> t_name_uids;

bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool is_lower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
}  // namespace

std::string to_snake_case(std::string_view name) {
  // re.sub(r"\W+", "", name)
  std::string s;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') s += c;
  }
  // re.sub("(.)([A-Z][a-z]+)", r"\1_\2", s): an underscore before each capital that
  // starts a capitalised word, unless it is the first character.
  std::string a;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && is_upper(s[i]) && i + 1 < s.size() && is_lower(s[i + 1])) {
      // Python's regex consumes matches left to right without overlap: "(.)" takes the
      // previous char, so a capital right after another match's word still qualifies.
      a += '_';
    }
    a += s[i];
  }
  // re.sub("([a-z])([A-Z])", r"\1_\2", a).lower()
  std::string out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])));
    if (is_lower(a[i]) && i + 1 < a.size() && is_upper(a[i + 1])) out += '_';
  }
  return out;
}

std::string unique_object_name(std::string_view prefix) {
  std::string key(prefix);
  auto& uid = t_name_uids[key];
  std::string name = uid == 0 ? key : key + "_" + std::to_string(uid);
  ++uid;
  return name;
}

void reset_object_names() { t_name_uids.clear(); }

}  // namespace kplug
