// Acceptance: install the SDK to a temporary prefix with the documented commands, run the
// installed kplug from there with no environment, build sdk/template and every snippet
// of docs/sdk.md out of tree against it (g++, and clang++-14 when CI has it), load the
// results and use their objects.
#define BOOST_TEST_MODULE sdk
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/errors.hpp"
#include "kplug/initializers.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/plugin_abi.hpp"
#include "kplug/plugin_host.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

using kplug::test::contains;

void run(const std::string& command) {
  BOOST_TEST_MESSAGE("$ " << command);
  BOOST_REQUIRE_MESSAGE(std::system((command + " > /dev/null").c_str()) == 0, "command failed: " << command);
}

// The ```cpp blocks of a Markdown file: those without KPLUG_PLUGIN_REGISTER in order, then
// the one with it (the guide registers everything in one place, shown early).
std::string guide_snippets(const fs::path& markdown) {
  std::istringstream text(test::read_text(markdown));
  std::string line, block, body, registration;
  bool in_block = false;
  while (std::getline(text, line)) {
    const std::string trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (!in_block && trimmed == "```cpp") {
      in_block = true;
      block.clear();
    } else if (in_block && trimmed == "```") {
      in_block = false;
      (contains(block, "KPLUG_PLUGIN_REGISTER") ? registration : body) += block + "\n";
    } else if (in_block) {
      block += line + "\n";
    }
  }
  BOOST_REQUIRE_MESSAGE(!registration.empty(), "no KPLUG_PLUGIN_REGISTER block in " << markdown);
  return body + registration;
}

// A project building the shipped plugins (plugins/addons, plugins/keras_guide) from their own
// folders against an installed SDK, as an author outside the tree would.
void write_shipped_plugins_project(const fs::path& dir) {
  fs::create_directories(dir);
  const std::string plugins = KPLUG_SHIPPED_PLUGINS_DIR;
  std::ofstream(dir / "CMakeLists.txt") << "cmake_minimum_required(VERSION 3.25)\nproject(shipped LANGUAGES CXX)\n"
                                           "find_package(kplug CONFIG REQUIRED)\n"
                                           "add_subdirectory(" +
                                               plugins + "/addons addons)\nadd_subdirectory(" + plugins +
                                               "/keras_guide keras_guide)\n";
}

// A plugin project holding the guide's snippets.
void write_guide_project(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "guide.cpp") << guide_snippets(KPLUG_SDK_GUIDE);
  std::ofstream(dir / "CMakeLists.txt") << "cmake_minimum_required(VERSION 3.25)\nproject(guide LANGUAGES CXX)\n"
                                           "find_package(kplug CONFIG REQUIRED)\n"
                                           "kplug_add_plugin(guide NAME guide PACKAGES my_package SOURCES guide.cpp)\n";
}

// Configures and builds an out-of-tree plugin project, by default with this tree's compiler
// (a plugin must be built by the host's compiler: the handshake compares them).
void build_project(const fs::path& source, const fs::path& build, const fs::path& prefix,
                   const std::string& compiler = KPLUG_SDK_HOST_COMPILER) {
  const std::string cmake = KPLUG_CMAKE_COMMAND;
  run(cmake + " -S " + source.string() + " -B " + build.string() +
      " -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + prefix.string() +
      (compiler.empty() ? "" : " -DCMAKE_CXX_COMPILER=" + compiler));
  run(cmake + " --build " + build.string());
}

fs::path work_dir(const std::string& name) {
  const fs::path work = fs::temp_directory_path() / ("kplug_sdk_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(work);
  return work;
}

void install_to(const fs::path& prefix) {
  const std::string cmake = KPLUG_CMAKE_COMMAND;
  run(cmake + " --install " + KPLUG_BUILD_DIR + " --prefix " + prefix.string());
}

}  // namespace

BOOST_AUTO_TEST_CASE(template_builds_out_of_tree_and_loads) {
  const fs::path work = fs::temp_directory_path() / ("kplug_sdk_" + std::to_string(::getpid()));
  fs::remove_all(work);
  const std::string cmake = KPLUG_CMAKE_COMMAND;
  run(cmake + " --install " + KPLUG_BUILD_DIR + " --prefix " + (work / "prefix").string());
  fs::copy(KPLUG_SDK_TEMPLATE_DIR, work / "my_plugin", fs::copy_options::recursive);
  run(cmake + " -S " + (work / "my_plugin").string() + " -B " + (work / "build").string() +
      " -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + (work / "prefix").string() +
      " -DCMAKE_CXX_COMPILER=" + KPLUG_SDK_HOST_COMPILER);
  run(cmake + " --build " + (work / "build").string());

  const fs::path plugin = work / "build" / "libmy_plugin.so";
  const PluginListing listing = PluginHost::inspect(plugin);
  BOOST_TEST(listing.name == "my_plugin");

  // The installed program runs from its prefix with no environment at all (its RPATH
  // finds the installed libkplug).
  const std::string listed = (work / "listed.txt").string();
  const int status = std::system(("env -i " + (work / "prefix" / "bin" / "kplug").string() + " plugins " +
                                  (work / "build").string() + " --load > " + listed + " 2>&1")
                                     .c_str());
  const std::string output = test::read_text(listed);
  BOOST_TEST(status == 0, output);
  BOOST_TEST(contains(output, "my_plugin 0.1.0"), output);
  BOOST_TEST(contains(output, "load: ok"), output);
  BOOST_TEST(listing.keys == (std::vector<std::string>{"my_package>Scale", "my_package>ScaledL2", "my_package>cube",
                                                       "my_package>sampling"}));

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
  // The template's layer: base keys + its field, a weight per feature (Ones), x * scale.
  const auto scale_config = json::parse(
      R"({"module": "my_plugin", "class_name": "Scale", "config": {"name": "scale", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "scale_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}}, "registered_name": "my_package>Scale", "build_config": {"input_shape": [null, 2]}})");
  auto scale = deserialize_as<Layer>(scale_config);
  BOOST_REQUIRE(scale);
  BOOST_TEST(json::write(serialize_layer(*scale)) == json::write(scale_config));
  BOOST_TEST(scale->weights().size() == 1u);
  BOOST_TEST(((*scale)(Tensor::matrix({{3, -1}})) == Tensor::matrix({{3, -1}})));
  scale->set_weights({Tensor::vector({2, 0.5f})});
  BOOST_TEST(((*scale)(Tensor::matrix({{3, -1}})) == Tensor::matrix({{6, -0.5f}})));
  // The template's Lambda implementation: a Lambda calling my_package>sampling, as Keras 3.16
  // writes it, loads in safe mode and computes x * 2 + 1.
  const auto lambda_config = json::parse(
      R"({"module": "keras.layers", "class_name": "Lambda", "config": {"name": "sample", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "function": {"module": "builtins", "class_name": "function", "config": "my_package>sampling", "registered_name": "function"}, "output_shape": [2], "arguments": {}}, "registered_name": null, "build_config": {"input_shape": [null, 2]}})");
  auto lambda = deserialize_as<Layer>(lambda_config);
  BOOST_REQUIRE(lambda);
  BOOST_TEST(json::write(serialize_layer(*lambda)) == json::write(lambda_config));
  BOOST_TEST(((*lambda)(Tensor::matrix({{3, -1}})) == Tensor::matrix({{7, -1}})));
  lambda.reset();
  scale.reset();
  host.unload("my_plugin");
  BOOST_TEST((*regularizer)(Tensor::vector({2.0f})) == 2.0f);  // survives the unload
  regularizer.reset();
  cube.reset();
  fs::remove_all(work);
}

// Every C++ snippet of docs/sdk.md builds into a plugin that loads and registers the
// guide's objects.
BOOST_AUTO_TEST_CASE(guide_snippets_build_and_load) {
  const fs::path work = work_dir("guide");
  install_to(work / "prefix");
  write_guide_project(work / "guide");
  build_project(work / "guide", work / "build", work / "prefix");
  PluginHost host;
  BOOST_TEST(host.load(work / "build" / "libguide.so") == "guide");
  const auto keys = host.loaded().front().keys;
  BOOST_TEST(keys == (std::vector<std::string>{"my_package>Filled", "my_package>ModifiedMeanSquaredError",
                                               "my_package>ScaledL2", "my_package>ScaledMeanAbsoluteError",
                                               "my_package>SimpleDense", "my_package>SymmetricClip", "my_package>cube",
                                               "my_package>half_squared_error"}));
  // The integer-keeping reader: `copies` stays an int through a round trip.
  const auto config = json::parse(
      R"({"module": null, "class_name": "Filled", "config": {"value": 0.5, "copies": 2}, "registered_name": "my_package>Filled"})");
  auto filled = deserialize_as<Initializer>(config);
  BOOST_TEST(json::write(serialize(*filled)) == json::write(config));
  BOOST_TEST((*filled)({2})[1] == 1.0f);
  // The "Write a layer" section's layer, checked by its own snippet's function, then here.
  const auto dense_config = json::parse(
      R"({"module": "my_layers", "class_name": "SimpleDense", "config": {"name": "sd", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "units": 2, "scale": 2, "kernel_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}}, "registered_name": "my_package>SimpleDense", "build_config": {"input_shape": [null, 3]}})");
  auto dense = deserialize_as<Layer>(dense_config);
  BOOST_REQUIRE(dense);
  BOOST_TEST(json::write(serialize_layer(*dense)) == json::write(dense_config));
  BOOST_TEST((dense->get_weights()[0] == Tensor({3, 2}, 0.0f)));
  dense->set_weights({Tensor::matrix({{1, 0}, {0, 1}, {1, 1}})});
  BOOST_TEST(((*dense)(Tensor::matrix({{1, 2, 3}})) == Tensor::matrix({{8, 10}})));
  auto bad = dense_config;
  bad.at("config").as_object()["units"] = 0;
  BOOST_CHECK_THROW(deserialize_as<Layer>(bad), ConfigError);
  dense.reset();
  host.unload("guide");
  filled.reset();
  fs::remove_all(work);
}

// Both shipped plugins use only the installed SDK: they build out of tree, and load.
BOOST_AUTO_TEST_CASE(shipped_plugins_build_against_the_installed_sdk) {
  const fs::path work = work_dir("shipped");
  install_to(work / "prefix");
  write_shipped_plugins_project(work / "shipped");
  build_project(work / "shipped", work / "build", work / "prefix");
  PluginHost host;
  BOOST_TEST(host.load(work / "build" / "addons" / "libkplug_addons.so") == "addons");
  BOOST_TEST(host.load(work / "build" / "keras_guide" / "libkplug_keras_guide.so") == "keras_guide");
#ifdef KPLUG_SDK_TEST_CLANG
  build_project(work / "shipped", work / "build_clang", work / "prefix", KPLUG_SDK_TEST_CLANG);
  BOOST_TEST(fs::exists(work / "build_clang" / "addons" / "libkplug_addons.so"));
  BOOST_TEST(fs::exists(work / "build_clang" / "keras_guide" / "libkplug_keras_guide.so"));
#endif
  fs::remove_all(work);
}

// A C++ program serving a model with kplug::serve, built against the installed package
// (find_package(kplug) gives kplug::serve): it loads the model through the installed isolated
// HDF5 reader (kplug-h5-reader beside the installed libkplug_saving), with no environment.
BOOST_AUTO_TEST_CASE(serve_library_builds_against_the_installed_package) {
#ifdef KPLUG_TEST_SANITIZED
  // An instrumented libkplug_serve links only into a program built with the sanitizer's own
  // flags and runtime; the plain build runs this case. (Plugins are shared objects: they load.)
  BOOST_TEST_MESSAGE("skipped under a sanitizer: the out-of-tree program is built without one");
  return;
#endif
  const fs::path work = work_dir("serve");
  install_to(work / "prefix");
  bool reader_installed = false;
  for (const auto& entry : fs::recursive_directory_iterator(work / "prefix")) {
    reader_installed = reader_installed || entry.path().filename() == "kplug-h5-reader";
  }
  BOOST_TEST(reader_installed);
  fs::create_directories(work / "host");
  std::ofstream(work / "host" / "CMakeLists.txt") << "cmake_minimum_required(VERSION 3.25)\n"
                                                     "project(serve_host LANGUAGES CXX)\n"
                                                     "find_package(kplug CONFIG REQUIRED)\n"
                                                     "add_executable(serve_host main.cpp)\n"
                                                     "target_link_libraries(serve_host PRIVATE kplug::serve)\n";
  std::ofstream(work / "host" / "main.cpp") << R"(#include <kplug/serve/server.hpp>
#include <iostream>
int main(int, char** argv) {
  kplug::serve::ServerOptions options;
  options.port = 0;
  options.models.push_back({"mlp", argv[1]});
  kplug::serve::Server server(options);
  server.start();
  const bool ready = server.wait_until_ready(std::chrono::seconds(60));
  std::cout << (ready ? "ready" : "not ready") << " on port " << server.port() << std::endl;
  server.stop();
  server.wait();
  return ready ? 0 : 1;
}
)";
  build_project(work / "host", work / "build", work / "prefix");
  fs::create_directories(work / "models" / "mlp" / "1");
  fs::copy_file(test::data_dir() / "keras" / "mlp_seq.keras", work / "models" / "mlp" / "1" / "model.keras");
  const std::string output_file = (work / "served.txt").string();
  const int status = std::system(("env -i " + (work / "build" / "serve_host").string() + " " +
                                  (work / "models" / "mlp").string() + " > " + output_file + " 2>&1")
                                     .c_str());
  const std::string output = test::read_text(output_file);
  BOOST_TEST(status == 0, output);
  BOOST_TEST(contains(output, "ready on port"), output);
  fs::remove_all(work);
}

#ifdef KPLUG_SDK_TEST_CLANG
// Plugin authors use clang too: the template and the guide build with clang 14 against
// the installed SDK. A g++ host then refuses the plugin by its listed build id, before loading.
BOOST_AUTO_TEST_CASE(template_and_guide_build_with_clang) {
  const fs::path work = work_dir("clang");
  install_to(work / "prefix");
  fs::copy(KPLUG_SDK_TEMPLATE_DIR, work / "my_plugin", fs::copy_options::recursive);
  build_project(work / "my_plugin", work / "build_template", work / "prefix", KPLUG_SDK_TEST_CLANG);
  write_guide_project(work / "guide");
  build_project(work / "guide", work / "build_guide", work / "prefix", KPLUG_SDK_TEST_CLANG);

  const fs::path plugin = work / "build_template" / "libmy_plugin.so";
  const PluginListing listing = PluginHost::inspect(plugin);
  BOOST_TEST(contains(listing.build_id, "__clang__14_"), listing.build_id);
#if defined(__GNUC__) && !defined(__clang__)
  PluginHost host;
  try {
    host.load(plugin);
    BOOST_FAIL("a clang-built plugin was loaded by a g++ host");
  } catch (const PluginError& e) {
    BOOST_TEST(contains(e.what(), "built with compiler clang 14."), e.what());
    BOOST_TEST(contains(e.what(), "but this host expects gcc " KPLUG_COMPILER_VERSION), e.what());
  }
#endif
  fs::remove_all(work);
}
#endif
