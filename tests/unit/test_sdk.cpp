// Acceptance: install the SDK to a temporary prefix, build sdk/template out of tree
// against it, load the result and use its objects.
#define BOOST_TEST_MODULE sdk
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/json.hpp"
#include "kplug/plugin_host.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

void run(const std::string& command) {
  BOOST_TEST_MESSAGE("$ " << command);
  BOOST_REQUIRE_MESSAGE(std::system((command + " > /dev/null").c_str()) == 0, "command failed: " << command);
}

}  // namespace

BOOST_AUTO_TEST_CASE(template_builds_out_of_tree_and_loads) {
  const fs::path work = fs::temp_directory_path() / ("kplug_sdk_" + std::to_string(::getpid()));
  fs::remove_all(work);
  const std::string cmake = KPLUG_CMAKE_COMMAND;
  run(cmake + " --install " + KPLUG_BUILD_DIR + " --prefix " + (work / "prefix").string());
  fs::copy(KPLUG_SDK_TEMPLATE_DIR, work / "my_plugin", fs::copy_options::recursive);
  run(cmake + " -S " + (work / "my_plugin").string() + " -B " + (work / "build").string() +
      " -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + (work / "prefix").string());
  run(cmake + " --build " + (work / "build").string());

  const fs::path plugin = work / "build" / "libmy_plugin.so";
  const PluginListing listing = PluginHost::inspect(plugin);
  BOOST_TEST(listing.name == "my_plugin");
  BOOST_TEST(listing.keys == (std::vector<std::string>{"my_package>ScaledL2", "my_package>cube"}));

  PluginHost host;
  BOOST_TEST(host.load(plugin) == "my_plugin");
  const auto config = json::parse(
      R"({"module": "my_plugin", "class_name": "ScaledL2", "config": {"factor": 0.5}, "registered_name": "my_package>ScaledL2"})");
  auto regularizer = deserialize_as<Regularizer>(config);
  BOOST_REQUIRE(regularizer);
  BOOST_TEST((*regularizer)(Tensor::vector({1.0f, 2.0f})) == 2.5f);
  BOOST_TEST(json::write(serialize(*regularizer)) == json::write(config));
  auto cube = deserialize_as<Activation>(json::parse(
      R"({"module": "builtins", "class_name": "function", "config": "my_package>cube", "registered_name": "function"})"));
  BOOST_TEST((*cube)(Tensor::vector({2.0f}))[0] == 8.0f);
  host.unload("my_plugin");
  BOOST_TEST((*regularizer)(Tensor::vector({2.0f})) == 2.0f);  // survives the unload
  regularizer.reset();
  cube.reset();
  fs::remove_all(work);
}
