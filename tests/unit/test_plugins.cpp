#define BOOST_TEST_MODULE plugins
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/json.hpp"
#include "kplug/losses.hpp"
#include "kplug/plugin_abi.hpp"
#include "kplug/plugin_host.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

const fs::path kShipped = KPLUG_PLUGIN_LIB_DIR;
const fs::path kBroken = KPLUG_TEST_PLUGIN_DIR;
const fs::path kAborting = KPLUG_TEST_ABORT_PLUGIN_DIR;
const fs::path kGuide = kShipped / "libkplug_keras_guide.so";

const boost::json::value& custom_fn_config() {
  static const boost::json::value config = json::parse(
      R"({"module": "builtins", "class_name": "function", "config": "my_package>custom_fn", "registered_name": "function"})");
  return config;
}

std::shared_ptr<Activation> activation(std::string_view key) {
  boost::json::value config = custom_fn_config();
  config.as_object()["config"] = key;
  return deserialize_as<Activation>(config);
}

std::string load_error(PluginHost& host, const fs::path& file) {
  try {
    host.load(file);
  } catch (const PluginError& e) {
    return e.what();
  }
  BOOST_FAIL("plugin " << file << " loaded, an error was expected");
  return {};
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(listing_reads_the_file_without_loading) {
  const PluginListing listing = PluginHost::inspect(kGuide);
  BOOST_TEST(listing.name == "keras_guide");
  BOOST_TEST(listing.version == "1.0.0");
  BOOST_TEST(listing.abi_version == kplug::plugin::kAbiVersion);
  BOOST_TEST(listing.packages == std::vector<std::string>{"my_package"});
  BOOST_TEST(listing.keys == (std::vector<std::string>{"my_package>ModifiedMeanSquaredError", "my_package>custom_fn"}));
  // Loading this one would abort the process; listing it runs none of its code.
  const PluginListing aborting = PluginHost::inspect(kAborting / "libtest_aborting.so");
  BOOST_TEST(aborting.name == "aborting");
  BOOST_TEST(aborting.version == "6.6.6");
  BOOST_TEST(aborting.keys == std::vector<std::string>{"aborting>never"});
  BOOST_CHECK_THROW(PluginHost::inspect(kBroken / "does_not_exist.so"), PluginError);
}

BOOST_AUTO_TEST_CASE(load_resolve_unload) {
  PluginHost host;
  BOOST_CHECK_THROW(activation("my_package>custom_fn"), UnknownObjectError);
  BOOST_TEST(host.load(kGuide) == "keras_guide");
  BOOST_TEST(host.load(kGuide) == "keras_guide");  // same file again: no-op
  auto square = activation("my_package>custom_fn");
  BOOST_TEST((*square)(Tensor::vector({3.0f}))[0] == 9.0f);
  BOOST_TEST(json::write(serialize(*square)) == json::write(custom_fn_config()));
  const auto site = get_custom_objects().find("my_package>custom_fn")->site;
  BOOST_TEST(contains(site.owner, "libkplug_keras_guide.so"));
  BOOST_TEST(contains(site.file, "keras_guide.cpp"));

  host.unload("keras_guide");
  BOOST_TEST(!get_custom_objects().contains("my_package>custom_fn"));
  // The object outlives the unload: the library stays mapped while it lives.
  BOOST_TEST((*square)(Tensor::vector({4.0f}))[0] == 16.0f);
  BOOST_CHECK_THROW(host.unload("keras_guide"), PluginError);
}

// The guide's `class ModifiedMeanSquaredError(keras.losses.MeanSquaredError)`: a plugin
// class deriving from a built-in, read from the file Python Keras wrote.
BOOST_AUTO_TEST_CASE(plugin_subclass_of_a_builtin_loss) {
  const auto fixture = json::parse(test::read_text(test::data_dir() / "objects" / "custom_ModifiedMeanSquaredError.json"));
  BOOST_CHECK_THROW(deserialize_as<Loss>(fixture), UnknownObjectError);
  PluginHost host;
  host.load(kGuide);
  auto loss = deserialize_as<Loss>(fixture);
  BOOST_TEST(json::write(serialize(*loss)) == json::write(fixture));
  BOOST_TEST(get_registered_name(*loss) == "my_package>ModifiedMeanSquaredError");
  // mean over the last axis of (1-0)^2, (2-4)^2 -> [2.5], then sum_over_batch_size.
  const Tensor y_true = Tensor::matrix({{1, 2}});
  const Tensor y_pred = Tensor::matrix({{0, 4}});
  BOOST_TEST((*loss)(y_true, y_pred).item() == 2.5f);
  host.unload("keras_guide");
  BOOST_TEST((*loss)(y_true, y_pred).item() == 2.5f);  // still mapped while the object lives
}

BOOST_AUTO_TEST_CASE(wrong_abi_is_refused) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_wrong_abi.so");
  BOOST_TEST(contains(what, "wrong ABI version: got 999, expected " + std::to_string(kplug::plugin::kAbiVersion)), what);
  BOOST_TEST(!get_custom_objects().contains("raw>identity"));
}

BOOST_AUTO_TEST_CASE(wrong_build_id_is_refused) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_wrong_build.so");
  BOOST_TEST(contains(what, "built with Boost 107400, but this host expects " + std::to_string(BOOST_VERSION)), what);
}

BOOST_AUTO_TEST_CASE(missing_entry_symbol) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_missing_entry.so");
  BOOST_TEST(contains(what, "no entry symbol 'kplug_plugin_v1'"), what);
}

BOOST_AUTO_TEST_CASE(throwing_registration_rolls_back) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_throwing.so");
  BOOST_TEST(contains(what, "plugin 'throwing'"), what);
  BOOST_TEST(contains(what, "boom from the throwing plugin"), what);
  BOOST_TEST(!get_custom_objects().contains("throwing>first"));
  BOOST_TEST(!host.is_loaded("throwing"));
  host.load(kGuide);  // the host goes on working
  BOOST_TEST(activation("my_package>custom_fn") != nullptr);
}

BOOST_AUTO_TEST_CASE(duplicate_key_names_both_owners) {
  PluginHost host;
  host.load(kGuide);
  const std::string what = load_error(host, kBroken / "libtest_duplicate.so");
  BOOST_TEST(contains(what, "my_package>custom_fn"), what);
  BOOST_TEST(contains(what, "libkplug_keras_guide.so"), what);
  BOOST_TEST(contains(what, "libtest_duplicate.so"), what);
  // The first owner keeps its key.
  BOOST_TEST((*activation("my_package>custom_fn"))(Tensor::vector({3.0f}))[0] == 9.0f);
}

BOOST_AUTO_TEST_CASE(undeclared_package_is_refused) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_undeclared.so");
  BOOST_TEST(contains(what, "'somebody_else', which it does not declare"), what);
}

BOOST_AUTO_TEST_CASE(same_symbol_names_stay_apart) {
  PluginHost host;
  host.load(kBroken / "libtest_same_symbols_a.so");
  host.load(kBroken / "libtest_same_symbols_b.so");
  BOOST_TEST((*activation("same_a>scale"))(Tensor::vector({3.0f}))[0] == 3.0f);
  BOOST_TEST((*activation("same_b>scale"))(Tensor::vector({3.0f}))[0] == 6.0f);
}

BOOST_AUTO_TEST_CASE(same_name_from_another_path_is_refused) {
  PluginHost host;
  host.load(kGuide);
  const fs::path copy = fs::temp_directory_path() / ("kplug_copy_" + std::to_string(::getpid()) + ".so");
  fs::copy_file(kGuide, copy, fs::copy_options::overwrite_existing);
  const std::string what = load_error(host, copy);
  fs::remove(copy);
  BOOST_TEST(contains(what, "is named 'keras_guide', like the plugin already loaded from"), what);
}

BOOST_AUTO_TEST_CASE(directory_load_reports_broken_plugins_and_loads_the_rest) {
  PluginHost host;
  const auto reports = host.load_directory(kBroken);
  std::size_t loaded = 0, failed = 0;
  for (const auto& report : reports) {
    (report.loaded ? loaded : failed) += 1;
    if (!report.loaded) BOOST_TEST(!report.error.empty());
  }
  BOOST_TEST(loaded == 3u);  // duplicate (no keras_guide here), same_symbols_a, same_symbols_b
  BOOST_TEST(failed == 5u);  // missing_entry, throwing, undeclared, wrong_abi, wrong_build
  BOOST_TEST((*activation("same_b>scale"))(Tensor::vector({1.0f}))[0] == 2.0f);
  // Deterministic order: by file name.
  BOOST_TEST(std::is_sorted(reports.begin(), reports.end(),
                            [](const auto& a, const auto& b) { return a.path < b.path; }));
  PluginHost strict;
  BOOST_CHECK_THROW(strict.load_directory(kBroken, true), PluginError);
}

BOOST_AUTO_TEST_CASE(on_demand_loading_from_an_index) {
  PluginHost host;
  host.index_directory(kShipped);
  DeserializeOptions options;
  options.key_provider = &host;
  // Indexed but not auto-loading: the error names the plugin that would provide it.
  try {
    deserialize_as<Activation>(custom_fn_config(), options);
    BOOST_FAIL("resolved without loading");
  } catch (const UnknownObjectError& e) {
    BOOST_TEST(contains(e.what(), "Package 'my_package': declared by the plugin(s)"), e.what());
    BOOST_TEST(contains(e.what(), "libkplug_keras_guide.so"), e.what());
  }
  host.set_auto_load(true);
  auto square = deserialize_as<Activation>(custom_fn_config(), options);
  BOOST_TEST(host.is_loaded("keras_guide"));
  BOOST_TEST((*square)(Tensor::vector({2.0f}))[0] == 4.0f);
}

BOOST_AUTO_TEST_CASE(lookups_while_plugins_load_and_unload) {
  PluginHost host;
  std::atomic<bool> done{false};
  std::atomic<int> resolved{0};
  auto reader = [&] {
    while (!done) {
      try {
        auto fn = activation("my_package>custom_fn");
        if ((*fn)(Tensor::vector({2.0f}))[0] == 4.0f) ++resolved;
      } catch (const UnknownObjectError&) {
        // unloaded at this moment
      }
    }
  };
  std::thread a(reader), b(reader);
  for (int i = 0; i < 30; ++i) {
    host.load(kGuide);
    std::this_thread::yield();
    host.unload("keras_guide");
  }
  host.load(kGuide);
  while (resolved == 0) std::this_thread::yield();
  done = true;
  a.join();
  b.join();
  BOOST_TEST(resolved > 0);
}

BOOST_AUTO_TEST_CASE(cli_roundtrip_with_and_without_plugins) {
  const std::string cli = KPLUG_CLI;
  const std::string out = (fs::temp_directory_path() / ("kplug_cli_" + std::to_string(::getpid()))).string();
  std::string command;
  for (const char* name : {"custom_fn.json", "custom_ModifiedMeanSquaredError.json"}) {
    const std::string file = (test::data_dir() / "objects" / name).string();
    command = cli + " roundtrip --plugins " + kShipped.string() + " " + file + " > " + out;
    BOOST_TEST(std::system(command.c_str()) == 0, name);
    BOOST_TEST(test::read_text(out) == test::read_text(file), name);
  }
  const std::string fixture = (test::data_dir() / "objects" / "custom_fn.json").string();
  command = "KPLUG_PLUGIN_PATH=" + kShipped.string() + " " + cli + " roundtrip " + fixture + " 2> " + out;
  BOOST_TEST(WEXITSTATUS(std::system(command.c_str())) == 2);
  const std::string error = test::read_text(out);
  BOOST_TEST(contains(error, "Package 'my_package': declared by the plugin(s)"), error);
  BOOST_TEST(contains(error, "libkplug_keras_guide.so"), error);
  command = cli + " plugins " + kShipped.string() + " --load > " + out;
  BOOST_TEST(std::system(command.c_str()) == 0);
  BOOST_TEST(contains(test::read_text(out), "keras_guide 1.0.0 (ABI " + std::to_string(kplug::plugin::kAbiVersion) + ")"));
  fs::remove(out);
}
