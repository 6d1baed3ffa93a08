// Every custom object a config needs that nothing provides, found at once: a model that
// needs two plugin classes names both (and each place using them), not the first only.
#pragma once

#include "kplug/errors.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace kplug::detail {

struct MissingObject {
  std::string key;                // "package>name"
  std::vector<std::string> uses;  // "config.layers[1] ('my_layer')"
};

// The "package>name" classes (registered_name) and functions of `config` that no scope,
// registration, custom_objects entry or key provider resolves, in order of first use.
std::vector<MissingObject> missing_objects(const boost::json::value& config, const DeserializeOptions& options);

// Rethrows `first` (the deserializer's error at the first unknown object) listing every
// missing object of `config` with its uses, when there is more to say than `first` says.
// Call it from the handler that caught `first`.
[[noreturn]] void rethrow_listing_missing(const UnknownObjectError& first, const boost::json::value& config,
                                          const DeserializeOptions& options);

}  // namespace kplug::detail
