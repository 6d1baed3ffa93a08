// TEMPORARY SHIM (lead): replaced by helper's header on merge.
#pragma once
#include <boost/json/value.hpp>
#include <string>
#include <vector>
#pragma GCC visibility push(default)
namespace kplug::saving::legacy {
struct UpgradeReport { std::vector<std::string> warnings; bool changed = false; };
boost::json::value upgrade_model_config(const boost::json::value& config, UpgradeReport& report);
boost::json::value compile_config_from_training_config(const boost::json::value& training_config, UpgradeReport& report);
}
#pragma GCC visibility pop
