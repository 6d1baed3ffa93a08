// Typed, path-aware reading of a from_config argument dict. Every error names the
// key's JSON path and what was expected; `finish()` rejects arguments the class
// does not take (Keras: "unexpected keyword argument"), suggesting near names.
#pragma once

#include "kplug/number.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class ConfigReader {
 public:
  ConfigReader(const boost::json::object& config, DeserializationContext& context, std::string class_name);
  ~ConfigReader();
  ConfigReader(const ConfigReader&) = delete;
  ConfigReader& operator=(const ConfigReader&) = delete;

  bool has(std::string_view key) const;
  // Marks `key` as accepted and returns its raw value (null when absent).
  const boost::json::value* raw(std::string_view key);

  Number number(std::string_view key);  // required
  Number number(std::string_view key, Number fallback);
  Number finite_number(std::string_view key, Number fallback);  // NaN and +-inf fail, naming the key
  double real(std::string_view key, double fallback);
  std::int64_t integer(std::string_view key, std::int64_t fallback);
  std::optional<std::int64_t> optional_integer(std::string_view key);  // absent or null -> nullopt
  bool boolean(std::string_view key, bool fallback);
  std::string string(std::string_view key, std::string fallback);
  std::optional<std::string> optional_string(std::string_view key);
  // A string that must be one of `choices`.
  std::string choice(std::string_view key, std::string fallback, std::initializer_list<std::string_view> choices);
  // An integer or a list of integers (Keras accepts both for `axis`); null -> nullopt.
  std::optional<std::vector<std::int64_t>> optional_int_list(std::string_view key);

  // The same conversions for a value already at hand (a list element): errors name `key`,
  // which may carry an index ("kernel_size[1]").
  Number as_number(std::string_view key, const boost::json::value& v) const;
  std::int64_t as_integer(std::string_view key, const boost::json::value& v) const;
  bool as_boolean(std::string_view key, const boost::json::value& v) const;
  std::string as_string(std::string_view key, const boost::json::value& v) const;

  template <class T>
  std::shared_ptr<T> object(std::string_view key) {
    const boost::json::value* v = raw(key);
    if (!v) return nullptr;
    return context_.object<T>(*v, key);
  }

  // Rejects keys no getter asked for.
  void finish() const;

  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  DeserializationContext& context() noexcept { return context_; }

 private:
  const boost::json::object& config_;
  DeserializationContext& context_;
  std::string class_name_;
  // The accepted keys, in an opaque inline buffer (its type is libkplug's business, not
  // the ABI's): reading a small config usually allocates nothing for its bookkeeping.
  struct Accepted;  // defined in libkplug
  Accepted& accepted() noexcept;
  const Accepted& accepted() const noexcept;
  alignas(std::max_align_t) std::byte accepted_storage_[320];
};

}  // namespace kplug
#pragma GCC visibility pop
