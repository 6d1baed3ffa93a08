// Parsing a document that is only read and then dropped (a model's JSON): private to libkplug.
#pragma once

#include "kplug/json.hpp"

#include <boost/json/storage_ptr.hpp>

#include <string_view>

namespace kplug::json {

// json::parse into `storage`.
value parse(std::string_view text, const ParseOptions& options, boost::json::storage_ptr storage);
// json::parse into an arena freed at once with the document (see parse.cpp).
value parse_scratch(std::string_view text, const ParseOptions& options = {});

}  // namespace kplug::json
