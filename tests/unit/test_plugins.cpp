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

using kplug::test::contains;

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

}  // namespace

BOOST_AUTO_TEST_CASE(listing_reads_the_file_without_loading) {
  const PluginListing listing = PluginHost::inspect(kGuide);
  BOOST_TEST(listing.name == "keras_guide");
  BOOST_TEST(listing.version == "1.1.0");
  BOOST_TEST(listing.abi_version == kplug::plugin::kAbiVersion);
  BOOST_TEST(listing.packages == (std::vector<std::string>{"MyLayers", "my_package"}));
  BOOST_TEST(listing.keys == (std::vector<std::string>{"MyLayers>CustomLayer", "MyLayers>KernelMult",
                                                       "MyLayers>TinyMLP",
                                                       "my_package>ModifiedMeanSquaredError", "my_package>custom_fn"}));
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
  const auto site = kplug::registered_site(*get_custom_objects().find("my_package>custom_fn"));
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

// Issue 6: a plugin built against the previous ABI (N-1) is refused with the ABI message.
BOOST_AUTO_TEST_CASE(previous_abi_is_refused) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_old_abi.so");
  BOOST_TEST(contains(what, "wrong ABI version: got " + std::to_string(kplug::plugin::kAbiVersion - 1) +
                                ", expected " + std::to_string(kplug::plugin::kAbiVersion) +
                                " (rebuild it against this kplug SDK)"),
             what);
  BOOST_TEST(static_cast<std::uint32_t>(KPLUG_TEST_PREVIOUS_ABI + 1) == kplug::plugin::kAbiVersion);
  BOOST_TEST(!get_custom_objects().contains("raw>identity"));
}

// The other std::string ABI: refused from the listing, before the loader fails on its
// undefined symbols, and `kplug plugins` does not list it as usable.
BOOST_AUTO_TEST_CASE(old_string_abi_is_refused_before_loading) {
  const fs::path file = kBroken / "libtest_old_string_abi.so";
  const PluginListing listing = PluginHost::inspect(file);
  BOOST_TEST(contains(listing.build_id, "__0__"), listing.build_id);
  BOOST_TEST(contains(PluginHost::incompatibility(listing), "built with _GLIBCXX_USE_CXX11_ABI 0"));
  BOOST_TEST(PluginHost::incompatibility(PluginHost::inspect(kGuide)).empty());
  PluginHost host;
  const std::string what = load_error(host, file);
  BOOST_TEST(contains(what, "built with _GLIBCXX_USE_CXX11_ABI 0, but this host expects 1 (rebuild the plugin with the "
                            "same toolchain and SDK)"),
             what);
  BOOST_TEST(!contains(what, "undefined symbol"), what);
  BOOST_TEST(!contains(what, "Bad file descriptor"), what);

  const std::string cli = KPLUG_CLI;
  const std::string out = (fs::temp_directory_path() / ("kplug_cli_abi_" + std::to_string(::getpid()))).string();
  const std::string command = cli + " plugins " + kBroken.string() + " > " + out;
  BOOST_TEST(WEXITSTATUS(std::system(command.c_str())) == 2);
  const std::string listed = test::read_text(out);
  fs::remove(out);
  BOOST_TEST(contains(listed, "incompatible: plugin " + fs::canonical(file).string() +
                                  ": built with _GLIBCXX_USE_CXX11_ABI 0"),
             listed);
}

// A loader failure reads as the loader wrote it, never followed by a stale errno text.
BOOST_AUTO_TEST_CASE(loader_error_has_no_stale_errno) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_undefined_symbol.so");
  BOOST_TEST(contains(what, "undefined symbol: kplug_test_no_such_function"), what);
  BOOST_TEST(!contains(what, "Bad file descriptor"), what);
  BOOST_TEST(!contains(what, "dlerror"), what);
}

BOOST_AUTO_TEST_CASE(misspelled_keys_are_reported) {
  PluginHost host;
  const std::string what = load_error(host, kBroken / "libtest_misspelled_keys.so");
  BOOST_TEST(contains(what, "its KEYS differ from what it registers"), what);
  BOOST_TEST(contains(what, "declared in KEYS but not registered: 'misspelled>scael'"), what);
  BOOST_TEST(contains(what, "registered but not declared in KEYS: 'misspelled>scale'"), what);
  BOOST_TEST(!get_custom_objects().contains("misspelled>scale"));
  BOOST_TEST(!host.is_loaded("misspelled_keys"));
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
  // A plugin's registrar cannot replace a key: the message does not advise it.
  BOOST_TEST(!contains(what, "replace"), what);
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
  // missing_entry, throwing, undeclared, wrong_abi, wrong_build, old_abi, old_string_abi,
  // undefined_symbol, misspelled_keys
  BOOST_TEST(failed == 9u);
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
    BOOST_TEST(contains(e.what(), "libkplug_keras_guide.so (indexed, not loaded)"), e.what());
    BOOST_TEST(!contains(e.what(), "--plugins"), e.what());  // library words, not the CLI's
  }
  host.set_auto_load(true);
  auto square = deserialize_as<Activation>(custom_fn_config(), options);
  BOOST_TEST(host.is_loaded("keras_guide"));
  BOOST_TEST((*square)(Tensor::vector({2.0f}))[0] == 4.0f);
}

// What happened to a plugin declaring the missing key's package, in the library's words.
BOOST_AUTO_TEST_CASE(missing_key_says_what_happened_to_the_plugin) {
  PluginHost host;
  host.index_directory(kBroken);
  BOOST_TEST(contains(host.explain("misspelled>nothing"), "(indexed, not loaded)"), host.explain("misspelled>nothing"));
  BOOST_CHECK_THROW(host.load(kBroken / "libtest_misspelled_keys.so"), PluginError);
  const std::string failed = host.explain("misspelled>nothing");
  BOOST_TEST(contains(failed, "(failed to load: plugin 'misspelled_keys'"), failed);
  host.load(kBroken / "libtest_same_symbols_a.so");
  const std::string loaded = host.explain("same_a>nothing");
  BOOST_TEST(contains(loaded, "libtest_same_symbols_a.so (loaded, but it does not register this key)"), loaded);
  BOOST_TEST(!contains(loaded, "not loaded"), loaded);
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
  BOOST_TEST(contains(error, "libkplug_keras_guide.so (indexed, not loaded)"), error);
  BOOST_TEST(contains(error, "(load a plugin directory with --plugins DIR)"), error);  // the CLI's own hint
  command = cli + " plugins " + kShipped.string() + " --load > " + out;
  BOOST_TEST(std::system(command.c_str()) == 0);
  const std::string listed = test::read_text(out);
  BOOST_TEST(contains(listed, "keras_guide 1.1.0 (ABI " + std::to_string(kplug::plugin::kAbiVersion) + ")"));
  BOOST_TEST(contains(listed, "  registered keys: MyLayers>CustomLayer MyLayers>KernelMult MyLayers>TinyMLP "
                              "my_package>ModifiedMeanSquaredError my_package>custom_fn"),
             listed);
  // Without KEYS, --load shows what the plugin actually registers.
  command = cli + " plugins " + kBroken.string() + " --load > " + out + " 2>&1";
  std::system(command.c_str());
  const std::string broken = test::read_text(out);
  BOOST_TEST(contains(broken, "same_symbols_a 0.0.0"), broken);
  BOOST_TEST(contains(broken, "  keys: (none declared)"), broken);
  BOOST_TEST(contains(broken, "  registered keys: same_a>scale"), broken);
  fs::remove(out);
}
