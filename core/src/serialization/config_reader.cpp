#include "kplug/config_reader.hpp"

#include "kplug/json.hpp"
#include "util/suggest.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <cmath>
#include <new>

namespace kplug {
struct ConfigReader::Accepted : boost::container::small_vector<std::string, 8> {};

ConfigReader::ConfigReader(const boost::json::object& config, DeserializationContext& context, std::string class_name)
    : config_(config), context_(context), class_name_(std::move(class_name)) {
  // The header's buffer must hold the keys; enlarging it is an ABI change.
  static_assert(sizeof(Accepted) <= sizeof(accepted_storage_) && alignof(Accepted) <= alignof(std::max_align_t));
  new (accepted_storage_) Accepted();
}

ConfigReader::~ConfigReader() { accepted().~Accepted(); }

ConfigReader::Accepted& ConfigReader::accepted() noexcept {
  return *std::launder(reinterpret_cast<Accepted*>(accepted_storage_));
}
const ConfigReader::Accepted& ConfigReader::accepted() const noexcept {
  return *std::launder(reinterpret_cast<const Accepted*>(accepted_storage_));
}

bool ConfigReader::has(std::string_view key) const { return config_.contains(key); }

const boost::json::value* ConfigReader::raw(std::string_view key) {
  auto& keys = accepted();
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.emplace_back(key);
  auto it = config_.find(key);
  return it == config_.end() ? nullptr : &it->value();
}

void ConfigReader::fail(std::string_view key, const std::string& message) const {
  throw ConfigError(context_.path_of(key), "'" + class_name_ + "' could not be deserialized properly: " + message);
}

namespace {
std::string got(const boost::json::value& v) {
  return std::string(json::type_name(v)) + " (" + json::excerpt(v, 60) + ")";
}
}  // namespace

Number ConfigReader::number(std::string_view key) {
  const boost::json::value* v = raw(key);
  if (!v) fail(key, "missing required argument '" + std::string(key) + "'");
  return number(key, Number{});
}

Number ConfigReader::number(std::string_view key, Number fallback) {
  const boost::json::value* v = raw(key);
  if (!v) return fallback;
  return as_number(key, *v);
}

Number ConfigReader::as_number(std::string_view key, const boost::json::value& v) const {
  if (v.is_int64()) return Number::integer(v.get_int64());
  if (v.is_uint64()) return Number::unsigned_integer(v.get_uint64());
  if (v.is_double()) return Number::real(v.get_double());
  fail(key, "expected a number, got " + got(v));
}

Number ConfigReader::finite_number(std::string_view key, Number fallback) {
  const Number n = number(key, fallback);
  if (!std::isfinite(n.value)) fail(key, "expected a finite number, got " + json::format_double(n.value));
  return n;
}

double ConfigReader::real(std::string_view key, double fallback) { return number(key, Number::real(fallback)).value; }

std::int64_t ConfigReader::integer(std::string_view key, std::int64_t fallback) {
  const boost::json::value* v = raw(key);
  if (!v) return fallback;
  return as_integer(key, *v);
}

std::int64_t ConfigReader::as_integer(std::string_view key, const boost::json::value& v) const {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64())
    fail(key, "integer " + std::to_string(v.get_uint64()) + " is beyond int64's range, which this argument takes");
  // Python accepts 2.0 where an int is expected in many Keras constructors only by
  // accident; kplug asks for a whole number and says so.
  if (v.is_double() && std::isfinite(v.get_double()) && std::trunc(v.get_double()) == v.get_double() &&
      std::fabs(v.get_double()) < 9.0e15) {
    return static_cast<std::int64_t>(v.get_double());
  }
  fail(key, "expected an integer, got " + got(v));
}

std::optional<std::int64_t> ConfigReader::optional_integer(std::string_view key) {
  const boost::json::value* v = raw(key);
  if (!v || v->is_null()) return std::nullopt;
  return integer(key, 0);
}

bool ConfigReader::boolean(std::string_view key, bool fallback) {
  const boost::json::value* v = raw(key);
  if (!v) return fallback;
  return as_boolean(key, *v);
}

bool ConfigReader::as_boolean(std::string_view key, const boost::json::value& v) const {
  if (v.is_bool()) return v.get_bool();
  fail(key, "expected true or false, got " + got(v));
}

std::string ConfigReader::string(std::string_view key, std::string fallback) {
  const boost::json::value* v = raw(key);
  if (!v) return fallback;
  return as_string(key, *v);
}

std::string ConfigReader::as_string(std::string_view key, const boost::json::value& v) const {
  if (v.is_string()) return std::string(v.get_string());
  fail(key, "expected a string, got " + got(v));
}

std::optional<std::string> ConfigReader::optional_string(std::string_view key) {
  const boost::json::value* v = raw(key);
  if (!v || v->is_null()) return std::nullopt;
  return string(key, "");
}

std::string ConfigReader::choice(std::string_view key, std::string fallback,
                                 std::initializer_list<std::string_view> choices) {
  std::string value = string(key, std::move(fallback));
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return value;
  std::vector<std::string> names(choices.begin(), choices.end());
  fail(key, "invalid value '" + value + "'; expected one of " + detail::quoted_list(names) + "." +
                detail::did_you_mean(value, names));
}

std::optional<std::vector<std::int64_t>> ConfigReader::optional_int_list(std::string_view key) {
  const boost::json::value* v = raw(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_int64()) return std::vector<std::int64_t>{v->get_int64()};
  if (const auto* list = v->if_array()) {
    std::vector<std::int64_t> out;
    for (const auto& item : *list) {
      if (!item.is_int64()) fail(key, "expected integers, got " + got(item));
      out.push_back(item.get_int64());
    }
    return out;
  }
  fail(key, "expected an integer or a list of integers, got " + got(*v));
}

void ConfigReader::finish() const {
  const auto& keys = accepted();
  for (const auto& item : config_) {
    if (std::find(keys.begin(), keys.end(), item.key()) != keys.end()) continue;
    std::string key(item.key());
    const std::vector<std::string> names(keys.begin(), keys.end());
    fail(key, "unexpected argument '" + key + "'; it takes " + detail::quoted_list(names) + "." +
                  detail::did_you_mean(key, names));
  }
}

}  // namespace kplug
