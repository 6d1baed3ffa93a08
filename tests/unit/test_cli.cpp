// The kplug command line: --help for every subcommand, exit codes (0 ok, 1 usage,
// 2 failure), errors starting with the file, summary and predict of a fixture model,
// --json output.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include "model_support.hpp"
#include "test_support.hpp"

#include "kplug/json.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace kplug;

namespace {

using kplug::test::contains;

struct Run {
  int status = -1;
  std::string out;  // stdout, or stdout+stderr with `merge`
};

// `environment`: assignments the shell puts before the program ("NAME=value ").
Run run(const std::string& arguments, bool merge = false, const std::string& environment = "") {
  const std::string command =
      environment + std::string(KPLUG_CLI) + " " + arguments + (merge ? " 2>&1" : " 2>/dev/null");
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

const fs::path kMlp = test::model_dir("mlp_seq");

}  // namespace

BOOST_AUTO_TEST_CASE(help_for_the_program_and_every_subcommand) {
  const Run top = run("--help");
  BOOST_TEST(top.status == 0);
  for (const char* command : {"roundtrip", "plugins", "summary", "predict"}) {
    BOOST_TEST(contains(top.out, command), command);
  }
  BOOST_TEST(contains(top.out, "Exit codes: 0 success, 1 usage error, 2 failure."), top.out);

  const Run roundtrip = run("roundtrip --help");
  BOOST_TEST(roundtrip.status == 0);
  for (const char* flag : {"--plugins", "--unsafe", "--indent", "--compact"})
    BOOST_TEST(contains(roundtrip.out, flag), flag);
  const Run plugins = run("plugins --help");
  BOOST_TEST(plugins.status == 0);
  for (const char* flag : {"--load", "--json"}) BOOST_TEST(contains(plugins.out, flag), flag);
  const Run summary = run("summary --help");
  BOOST_TEST(summary.status == 0);
  for (const char* flag : {"--plugins", "--unsafe", "--json"}) BOOST_TEST(contains(summary.out, flag), flag);
  const Run predict = run("predict --help");
  BOOST_TEST(predict.status == 0);
  for (const char* flag : {"--weights", "--input", "--output", "--plugins", "--unsafe"}) {
    BOOST_TEST(contains(predict.out, flag), flag);
  }
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_1) {
  BOOST_TEST(run("").status == 1);
  BOOST_TEST(run("nope").status == 1);
  BOOST_TEST(run("roundtrip").status == 1);
  BOOST_TEST(run("roundtrip --indent 99 x.json").status == 1);
  BOOST_TEST(run("roundtrip --indent 2 --compact x.json").status == 1);
  const Run unknown = run("summary --bogus " + quoted(kMlp / "model.json"), true);
  BOOST_TEST(unknown.status == 1);
  BOOST_TEST(contains(unknown.out, "--bogus"), unknown.out);
  BOOST_TEST(run("predict " + quoted(kMlp / "model.json") + " --input x.json").status == 1);  // no --weights
}

BOOST_AUTO_TEST_CASE(failures_exit_2_and_start_with_the_file) {
  const Run missing = run("summary /nonexistent/model.json", true);
  BOOST_TEST(missing.status == 2);
  BOOST_TEST(missing.out.starts_with("/nonexistent/model.json: error: "), missing.out);

  const fs::path bad = fs::temp_directory_path() / ("kplug_cli_bad_" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream file(bad);
    file << R"({"module": "keras.losses", "class_name": "Nope", "config": {}})";
  }
  const Run unknown = run("roundtrip " + quoted(bad), true);
  BOOST_TEST(unknown.status == 2);
  BOOST_TEST(unknown.out.starts_with(bad.string() + ": error: "), unknown.out);
  BOOST_TEST(contains(unknown.out, "Nope"), unknown.out);

  // A malformed io.json names the file and the JSON path.
  {
    std::ofstream file(bad);
    file << R"({"inputs": [{"name": "input_layer", "dtype": "float32", "shape": [1, 32], "data": [1, 2]}]})";
  }
  const Run io = run("predict " + quoted(kMlp / "model.json") + " --weights " + quoted(kMlp / "model.weights.h5") +
                         " --input " + quoted(bad),
                     true);
  BOOST_TEST(io.status == 2);
  BOOST_TEST(io.out.starts_with(bad.string() + ": error: inputs[0].data: 2 values for shape"), io.out);
  fs::remove(bad);
}

BOOST_AUTO_TEST_CASE(summary_text_and_json) {
  const Run text = run("summary " + quoted(kMlp / "model.json"));
  BOOST_TEST(text.status == 0);
  BOOST_TEST(contains(text.out, "Model: \"mlp_seq\""), text.out);
  BOOST_TEST(contains(text.out, " Total params: 2,177 (8.50 KB)"), text.out);

  const Run json_run = run("summary --json " + quoted(kMlp / "model.json"));
  BOOST_TEST(json_run.status == 0);
  const auto summary = json::parse(json_run.out).as_object();
  BOOST_TEST(summary.at("name").as_string() == "mlp_seq");
  BOOST_TEST(summary.at("total_params").to_number<std::int64_t>() == 2177);
  BOOST_TEST(summary.at("trainable_params").to_number<std::int64_t>() == 2177);
  BOOST_TEST(summary.at("non_trainable_params").to_number<std::int64_t>() == 0);
  const auto& layers = summary.at("layers").as_array();
  BOOST_REQUIRE(!layers.empty());
  BOOST_TEST(layers[0].at("name").as_string() == "dense");
  BOOST_TEST(layers[0].at("class_name").as_string() == "Dense");
  BOOST_TEST(layers[0].at("params").to_number<std::int64_t>() == 2112);
  std::int64_t sum = 0;
  for (const auto& layer : layers) sum += layer.at("params").to_number<std::int64_t>();
  BOOST_TEST(sum == 2177);
}

BOOST_AUTO_TEST_CASE(predict_matches_keras) {
  const fs::path out = fs::temp_directory_path() / ("kplug_cli_predict_" + std::to_string(::getpid()) + ".json");
  const Run predicted =
      run("predict " + quoted(kMlp / "model.json") + " --weights " + quoted(kMlp / "model.weights.h5") + " --input " +
              quoted(kMlp / "io.json") + " --output " + quoted(out),
          true);
  BOOST_REQUIRE_MESSAGE(predicted.status == 0, predicted.out);
  const auto got = test::read_io(test::read_json(out), "outputs");
  const auto expected = test::read_io(test::read_json(kMlp / "io.json"), "outputs");
  BOOST_REQUIRE_EQUAL(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].name == expected[i].name);
    test::check_matches_keras(got[i].value, expected[i].value, "mlp_seq output " + std::to_string(i));
  }
  // Without --output, the same JSON on stdout.
  const Run stdout_run = run("predict " + quoted(kMlp / "model.json") + " --weights " +
                             quoted(kMlp / "model.weights.h5") + " --input " + quoted(kMlp / "io.json"));
  BOOST_TEST(stdout_run.status == 0);
  BOOST_TEST(stdout_run.out == test::read_text(out));
  fs::remove(out);
}

// Convolution models, and recurrent ones whose token ids come as int32 in io.json
// (rnn_simple's padding, id 0, is masked by Embedding(mask_zero) for its SimpleRNN).
BOOST_AUTO_TEST_CASE(predict_convolution_and_recurrent_models_match_keras) {
  for (const char* name : {"cnn", "cnn1d", "rnn", "rnn_simple"}) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path dir = test::model_dir(name);
      const Run predicted = run("predict " + quoted(dir / "model.json") + " --weights " +
                                    quoted(dir / "model.weights.h5") + " --input " + quoted(dir / "io.json"),
                                true);
      BOOST_REQUIRE_MESSAGE(predicted.status == 0, predicted.out);
      const auto got = test::read_io(json::parse(predicted.out), "outputs");
      const auto expected = test::read_io(test::read_json(dir / "io.json"), "outputs");
      BOOST_REQUIRE_EQUAL(got.size(), expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST(got[i].name == expected[i].name);
        test::check_matches_keras(got[i].value, expected[i].value, std::string(name) + " output " + std::to_string(i));
      }
    }
  }
}

// A model naming two custom classes no plugin provides: inspect lists both, with a plugin
// skeleton to fill in (the SDK template's steps with the package and the keys), and the
// build error names both with the layers using them.
BOOST_AUTO_TEST_CASE(inspect_prints_a_plugin_skeleton_for_missing_classes) {
  std::string text = test::read_text(kMlp / "model.json");
  const auto rename = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    BOOST_REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  rename(R"("module": "keras.layers", "class_name": "Dense", "config": {"name": "dense")",
         R"("module": "my_layers", "class_name": "Foo", "config": {"name": "dense")");
  rename(R"("module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1")",
         R"("module": "my_layers", "class_name": "Bar", "config": {"name": "dense_1")");
  rename(R"("registered_name": null, "build_config")", R"("registered_name": "my_pkg>Foo", "build_config")");
  rename(R"("registered_name": null, "build_config")", R"("registered_name": "my_pkg>Bar", "build_config")");
  test::TempDir dir;
  const fs::path folder = dir.path / "custom_model";
  fs::create_directories(folder);
  std::ofstream(folder / "config.json") << text;

  const Run report = run("inspect " + quoted(folder), true);
  BOOST_TEST(report.status == 2);
  BOOST_TEST(contains(report.out, "my_pkg (my_pkg>Bar, my_pkg>Foo): MISSING"), report.out);
  BOOST_TEST(contains(report.out, "Plugin skeleton for the missing objects of my_pkg"), report.out);
  BOOST_TEST(contains(report.out, "cp -r KPLUG_SOURCE/sdk/template my_pkg_plugin && cd my_pkg_plugin"), report.out);
  BOOST_TEST(contains(report.out,
                      "kplug_add_plugin(my_pkg_plugin NAME my_pkg_plugin VERSION 0.1.0 PACKAGES my_pkg "
                      "KEYS my_pkg>Bar my_pkg>Foo SOURCES my_plugin.cpp)"),
             report.out);
  BOOST_TEST(contains(report.out, R"(registrar.add_class<Foo>({.package = "my_pkg"});)"), report.out);
  BOOST_TEST(contains(report.out, R"(registrar.add_class<Bar>({.package = "my_pkg"});)"), report.out);
  BOOST_TEST(contains(report.out, "kplug inspect --plugins build " + folder.string()), report.out);
  // The build error lists both classes and where they are used.
  BOOST_TEST(contains(report.out, "'my_pkg>Foo' used at config.layers[1] ('dense')"), report.out);
  BOOST_TEST(contains(report.out, "'my_pkg>Bar' used at config.layers[3] ('dense_1')"), report.out);

  const Run as_json = run("inspect --json " + quoted(folder));
  const auto packages = json::parse(as_json.out).at("packages").as_array();
  BOOST_REQUIRE_EQUAL(packages.size(), 1u);
  BOOST_TEST(contains(packages[0].at("plugin_skeleton").as_string(), "KEYS my_pkg>Bar my_pkg>Foo"));
}

// `--version` and `inspect` name the kernels' instruction set; KPLUG_ISA caps it.
BOOST_AUTO_TEST_CASE(version_and_inspect_report_the_kernels_instruction_set) {
  const Run version = run("--version");
  BOOST_TEST(version.status == 0);
  BOOST_TEST(contains(version.out, "kernels: oneDNN "), version.out);
  const std::string archive = quoted(test::data_dir() / "keras" / "mlp_seq.keras");
  const Run capped = run("inspect " + archive, false, "KPLUG_ISA=sse41 ");
  BOOST_TEST(capped.status == 0);
  BOOST_TEST(contains(capped.out, "\nKernels: oneDNN sse41\n"), capped.out);
}
