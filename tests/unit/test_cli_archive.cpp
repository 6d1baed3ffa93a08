// Issue 11 on the command line: `kplug inspect`, `kplug predict MODEL.keras`, `kplug convert`
// between a `.keras` archive, its folder form and a .json + .weights.h5 pair.
#define BOOST_TEST_MODULE cli_archive
#include <boost/test/unit_test.hpp>

#include "model_support.hpp"
#include "test_support.hpp"

#include "kplug/json.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace fs = std::filesystem;
using namespace kplug;
using kplug::test::contains;

namespace {

struct Run {
  int status = -1;
  std::string out;  // stdout, or stdout+stderr with `merge`
};

Run run(const std::string& arguments, bool merge = false, const std::string& environment = "") {
  const std::string command =
      environment + " " + std::string(KPLUG_CLI) + " " + arguments + (merge ? " 2>&1" : " 2>/dev/null");
  Run result;
  FILE* pipe = ::popen(command.c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.out.append(buffer, n);
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }
fs::path archive(const std::string& name) { return test::data_dir() / "keras" / (name + ".keras"); }
const fs::path kPlugins = KPLUG_PLUGIN_LIB_DIR;

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("kplug-cli-archive") {}
};

// The predicted outputs match io.json's (Keras's tolerance).
void check_outputs(const std::string& printed, const fs::path& io_file) {
  const auto got = test::read_io(json::parse(printed), "outputs");
  const auto expected = test::read_io(test::read_json(io_file), "outputs");
  BOOST_REQUIRE_EQUAL(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].name == expected[i].name);
    test::check_matches_keras(got[i].value, expected[i].value, got[i].name);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(help_of_the_new_commands) {
  for (const char* command : {"inspect", "convert", "predict"}) {
    BOOST_TEST_CONTEXT(command) {
      const Run help = run(std::string(command) + " --help");
      BOOST_TEST(help.status == 0);
      BOOST_TEST(contains(help.out, ".keras"));
    }
  }
  BOOST_TEST(contains(run("--help").out, "inspect"));
  BOOST_TEST(contains(run("--help").out, "convert"));
  BOOST_TEST(run("inspect").status == 1);
  BOOST_TEST(run("convert " + quoted(archive("mlp_seq"))).status == 1);
}

BOOST_AUTO_TEST_CASE(predict_reads_keras_archives) {
  for (const std::string name : {"mlp_seq", "cnn", "rnn"}) {
    BOOST_TEST_CONTEXT(name) {
      const Run r = run("predict " + quoted(archive(name)) + " --input " + quoted(test::model_dir(name) / "io.json"));
      BOOST_REQUIRE_EQUAL(r.status, 0);
      check_outputs(r.out, test::model_dir(name) / "io.json");
    }
  }
  // An archive holds its weights: --weights is a usage error.
  const Run both = run("predict " + quoted(archive("mlp_seq")) + " --weights x.weights.h5 --input " +
                           quoted(test::model_dir("mlp_seq") / "io.json"),
                       true);
  BOOST_TEST(both.status == 1);
  BOOST_TEST(contains(both.out, "--weights"));
  // The custom archive through the shipped plugin.
  const fs::path io = test::data_dir() / "plugin_models" / "custom_objects" / "io.json";
  const Run custom =
      run("predict --plugins " + quoted(kPlugins) + " " + quoted(archive("custom_objects")) + " --input " + quoted(io));
  BOOST_REQUIRE_EQUAL(custom.status, 0);
  check_outputs(custom.out, io);
  // A hostile archive: exit 2, the message starts with the file and names the member.
  TempDir dir;
  const fs::path bad = dir.path / "bad.keras";
  { std::ofstream(bad) << "not a zip"; }
  const Run refused = run("predict " + quoted(bad) + " --input " + quoted(io), true);
  BOOST_TEST(refused.status == 2);
  BOOST_TEST(contains(refused.out, bad.string() + ": error:"));
  BOOST_TEST(contains(refused.out, "not a zip archive"));
}

BOOST_AUTO_TEST_CASE(inspect_reports_metadata_compile_packages_and_summary) {
  const Run text = run("inspect " + quoted(archive("mlp_seq")));
  BOOST_REQUIRE_EQUAL(text.status, 0);
  BOOST_TEST(contains(text.out, "keras_version: \"3.16.0\""));
  BOOST_TEST(contains(text.out, "metadata.json, config.json, model.weights.h5"));
  BOOST_TEST(contains(text.out, "optimizer: Adam"));
  BOOST_TEST(contains(text.out, "loss: \"mean_squared_error\""));
  BOOST_TEST(contains(text.out, "Packages: none"));
  BOOST_TEST(contains(text.out, "Total params"));  // the summary table

  const Run as_json = run("inspect --json " + quoted(archive("mlp_seq")));
  BOOST_REQUIRE_EQUAL(as_json.status, 0);
  const auto report = json::parse(as_json.out).as_object();
  BOOST_TEST(report.at("metadata").at("keras_version").as_string() == "3.16.0");
  BOOST_TEST(report.at("compile_config").at("optimizer").at("class_name").as_string() == "Adam");
  BOOST_TEST(report.at("summary").at("total_params").to_number<std::int64_t>() == 2177);
  BOOST_TEST(report.at("weights_bytes").to_number<std::int64_t>() == 45812);

  // A custom archive, plugin loaded: each package with the plugin providing it.
  const Run loaded = run("inspect --json --plugins " + quoted(kPlugins) + " " + quoted(archive("custom_objects")));
  BOOST_REQUIRE_EQUAL(loaded.status, 0);
  const auto packages = json::parse(loaded.out).at("packages").as_array();
  BOOST_REQUIRE_EQUAL(packages.size(), 2u);
  for (const auto& p : packages) {
    BOOST_TEST(p.at("provided_by").as_string() == "keras_guide");
    BOOST_TEST(!p.at("missing").as_bool());
  }
  // Not loaded but indexed (KPLUG_PLUGIN_PATH): flagged missing, naming the indexed plugin.
  const Run missing =
      run("inspect " + quoted(archive("custom_objects")), true, "KPLUG_PLUGIN_PATH=" + quoted(kPlugins));
  BOOST_TEST(missing.status == 2);
  BOOST_TEST(contains(missing.out, "MyLayers (MyLayers>CustomLayer): MISSING, declared by indexed plugin"));
  BOOST_TEST(contains(missing.out, "libkplug_keras_guide.so"));
  BOOST_TEST(contains(missing.out, "my_package (my_package>custom_fn): MISSING"));
  // Nothing indexed either.
  const Run unknown = run("inspect --json " + quoted(archive("custom_objects")));
  BOOST_TEST(unknown.status == 2);
  const auto unknown_report = json::parse(unknown.out).as_object();
  BOOST_TEST(unknown_report.at("packages").as_array()[0].at("missing").as_bool());
  BOOST_TEST(unknown_report.at("packages").as_array()[0].at("indexed_plugins").as_array().empty());
  BOOST_TEST(contains(unknown_report.at("error").as_string(), "MyLayers>CustomLayer"));
}

BOOST_AUTO_TEST_CASE(convert_between_archive_folder_and_json_pair) {
  TempDir dir;
  const fs::path io = test::model_dir("cnn") / "io.json";
  const fs::path folder = dir.path / "cnn_folder";
  const fs::path pair = dir.path / "cnn.json";
  const fs::path back = dir.path / "cnn_back.keras";
  BOOST_REQUIRE_EQUAL(run("convert " + quoted(archive("cnn")) + " " + quoted(folder)).status, 0);
  BOOST_TEST(fs::exists(folder / "config.json"));
  BOOST_TEST(fs::exists(folder / "model.weights.h5"));
  BOOST_REQUIRE_EQUAL(run("convert " + quoted(folder) + " " + quoted(pair)).status, 0);
  BOOST_TEST(fs::exists(dir.path / "cnn.weights.h5"));
  BOOST_REQUIRE_EQUAL(run("convert " + quoted(pair) + " " + quoted(back)).status, 0);
  // Every form predicts as Keras.
  check_outputs(run("predict " + quoted(folder) + " --input " + quoted(io)).out, io);
  check_outputs(
      run("predict " + quoted(pair) + " --weights " + quoted(dir.path / "cnn.weights.h5") + " --input " + quoted(io))
          .out,
      io);
  check_outputs(run("predict " + quoted(back) + " --input " + quoted(io)).out, io);
  // The compile_config survived the trip through all three forms.
  const Run original = run("inspect --json " + quoted(archive("cnn")));
  const Run converted = run("inspect --json " + quoted(back));
  BOOST_TEST(json::parse(original.out).at("compile_config") == json::parse(converted.out).at("compile_config"));
  // The .json written is model.to_json(), Keras's model.json bytes.
  BOOST_TEST(test::read_text(pair) == test::read_text(test::model_dir("cnn") / "model.json"));
  // OUT `.h5`: Keras's legacy HDF5 layout (test_legacy_h5_writer compares it with Keras's).
  const Run legacy = run("convert " + quoted(archive("cnn")) + " " + quoted(dir.path / "cnn.h5"));
  BOOST_TEST(legacy.status == 0);
  BOOST_TEST(fs::is_regular_file(dir.path / "cnn.h5"));
}

// Issue 18: legacy `.h5` model files on the command line.
namespace {
fs::path legacy(const std::string& name) { return test::data_dir() / "legacy_h5" / "keras3" / name; }
}  // namespace

BOOST_AUTO_TEST_CASE(legacy_h5_predict_summary_and_inspect) {
  for (const std::string name : {"mlp", "rnn", "nested_sequential", "compiled_adam_mse_mae"}) {
    BOOST_TEST_CONTEXT(name) {
      const Run r =
          run("predict " + quoted(legacy(name) / "model.h5") + " --input " + quoted(legacy(name) / "io.json"));
      BOOST_REQUIRE_EQUAL(r.status, 0);
      check_outputs(r.out, legacy(name) / "io.json");
      BOOST_TEST(contains(run("summary " + quoted(legacy(name) / "model.h5")).out, "Total params"));
    }
  }
  const Run text = run("inspect " + quoted(legacy("compiled_adam_mse_mae") / "model.h5"));
  BOOST_REQUIRE_EQUAL(text.status, 0);
  BOOST_TEST(contains(text.out, "keras_version: \"3.16.0\""));
  BOOST_TEST(contains(text.out, "backend: \"numpy\""));
  BOOST_TEST(contains(text.out, "Training config: {\"loss\": \"mse\""));
  BOOST_TEST(contains(text.out, "optimizer: Adam"));
  const Run as_json = run("inspect --json " + quoted(legacy("compiled_adam_mse_mae") / "model.h5"));
  BOOST_REQUIRE_EQUAL(as_json.status, 0);
  const auto report = json::parse(as_json.out).as_object();
  BOOST_TEST(report.at("metadata").at("format").as_string() == "legacy HDF5");
  BOOST_TEST(report.at("training_config").at("metrics").as_array().at(0).as_string() == "mae");
  BOOST_TEST(report.at("summary").at("total_params").to_number<std::int64_t>() == 50);
}

BOOST_AUTO_TEST_CASE(legacy_weights_file_with_a_model_json) {
  const fs::path dir = legacy("weights_only_legacy_cnn");
  const Run r = run("predict " + quoted(dir / "model.json") + " --weights " + quoted(dir / "model_weights_legacy.h5") +
                    " --input " + quoted(dir / "io.json"));
  BOOST_REQUIRE_EQUAL(r.status, 0);
  check_outputs(r.out, dir / "io.json");
  // A weights-only file is not a model: inspect says so, naming the file.
  const Run refused = run("inspect " + quoted(dir / "model_weights_legacy.h5"), true);
  BOOST_TEST(refused.status == 2);
  BOOST_TEST(contains(refused.out, "weights-only"));
}

BOOST_AUTO_TEST_CASE(convert_upgrades_legacy_h5_to_keras_archives) {
  TempDir dir;
  for (const std::string name : {"mlp", "rnn", "nested_sequential", "compiled_loss_objects"}) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path target = dir.path / (name + ".keras");
      const Run converted = run("convert " + quoted(legacy(name) / "model.h5") + " " + quoted(target), true);
      BOOST_REQUIRE_MESSAGE(converted.status == 0, converted.out);
      const Run r = run("predict " + quoted(target) + " --input " + quoted(legacy(name) / "io.json"));
      BOOST_REQUIRE_EQUAL(r.status, 0);
      check_outputs(r.out, legacy(name) / "io.json");
    }
  }
}
