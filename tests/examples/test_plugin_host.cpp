// examples/plugin_host, run as a client would: JSON lines in, one JSON line out per line,
// answers equal Keras's io.json (custom_objects fixture with the shipped keras_guide plugin),
// and bad lines give error lines while the program goes on.
#define BOOST_TEST_MODULE example_plugin_host
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace kplug;
namespace fs = std::filesystem;
using kplug::test::contains;

namespace {

const fs::path kFixture = test::data_dir() / "plugin_models" / "custom_objects";

struct Run {
  int status = -1;
  std::vector<std::string> lines;  // stdout
  std::string err;
};

// Runs plugin_host with `arguments`, `input` on stdin.
Run run_host(const std::string& arguments, const std::string& input) {
  const fs::path work = fs::temp_directory_path() / ("kplug_plugin_host_" + std::to_string(::getpid()));
  fs::create_directories(work);
  std::ofstream(work / "in.txt", std::ios::binary) << input;
  const std::string command = std::string(KPLUG_PLUGIN_HOST) + " " + arguments + " < " + (work / "in.txt").string() +
                              " > " + (work / "out.txt").string() + " 2> " + (work / "err.txt").string();
  Run run;
  const int raw = std::system(command.c_str());
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::istringstream out(test::read_text(work / "out.txt"));
  for (std::string line; std::getline(out, line);) run.lines.push_back(line);
  run.err = test::read_text(work / "err.txt");
  fs::remove_all(work);
  return run;
}

std::string model_arguments() {
  return std::string("--plugins ") + KPLUG_PLUGIN_LIB_DIR + " " + (kFixture / "model.json").string() + " --weights " +
         (kFixture / "model.weights.h5").string();
}

// The outputs of one answer line checked against the fixture's "outputs" (Keras's values).
void check_answer(const std::string& line, const boost::json::value& expected_io) {
  const boost::json::value answer = json::parse(line);
  BOOST_REQUIRE_MESSAGE(answer.as_object().contains("outputs"), line);
  const auto& got = answer.at("outputs").as_array();
  const auto& expected = expected_io.at("outputs").as_array();
  BOOST_REQUIRE_EQUAL(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].at("name") == expected[i].at("name"));
    BOOST_TEST(got[i].at("shape") == expected[i].at("shape"));
    const auto& a = got[i].at("data").as_array();
    const auto& b = expected[i].at("data").as_array();
    BOOST_REQUIRE_EQUAL(a.size(), b.size());
    for (std::size_t j = 0; j < a.size(); ++j) {
      const double x = a[j].to_number<double>(), y = b[j].to_number<double>();
      BOOST_TEST(std::abs(x - y) <= 1e-5 + 1e-5 * std::abs(y),
                 "outputs[" << i << "].data[" << j << "]: " << x << " != " << y);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(answers_each_line_and_survives_bad_ones) {
  const std::string io = test::read_text(kFixture / "io.json");
  const boost::json::value expected = json::parse(io);
  const std::string request = json::write(boost::json::object{{"inputs", expected.at("inputs")}});
  const std::string wrong_shape =
      R"({"inputs": [{"name": "input_layer", "dtype": "float32", "shape": [1, 3], "data": [1, 2, 3]}]})";
  const std::string input =
      request + "\n" +  // 1
      "not json\n" +    // 2
      "\n" +            // skipped
      R"({"inputs": [{"name": "input_layer", "shape": [1, 4], "data": [1]}]})"
      "\n" +  // 4
      wrong_shape +
      "\n" +  // 5
      R"({"inputs": [{"name": "nope", "dtype": "float32", "shape": [1, 4], "data": [1, 2, 3, 4]}]})"
      "\n" +
      io + "\n";  // 7: the fixture itself (its "outputs" key is ignored)
  const Run run = run_host(model_arguments(), input);
  BOOST_TEST(run.status == 0, run.err);
  BOOST_REQUIRE_MESSAGE(run.lines.size() == 6u, "one answer per non-blank line, got " << run.lines.size());
  check_answer(run.lines[0], expected);
  BOOST_TEST(contains(run.lines[1], R"({"error": "line 2: )"), run.lines[1]);
  BOOST_TEST(contains(run.lines[2], "line 4: inputs[0]: missing \\\"dtype\\\""), run.lines[2]);
  BOOST_TEST(contains(run.lines[3], "line 5: "), run.lines[3]);
  BOOST_TEST(contains(run.lines[4], "line 6: "), run.lines[4]);
  BOOST_TEST(contains(run.lines[4], "nope"), run.lines[4]);
  check_answer(run.lines[5], expected);
  for (const std::string& line : run.lines) BOOST_TEST(json::parse(line).is_object(), line);  // JSON lines only
}

BOOST_AUTO_TEST_CASE(model_without_its_plugin_fails_with_the_key) {
  const Run run = run_host((kFixture / "model.json").string(), "");
  BOOST_TEST(run.status == 2);
  BOOST_TEST(contains(run.err, "MyLayers>CustomLayer"), run.err);
}

BOOST_AUTO_TEST_CASE(usage_error_without_a_model) {
  const Run run = run_host("--plugins", "");
  BOOST_TEST(run.status == 1);
  BOOST_TEST(contains(run.err, "usage: plugin_host"), run.err);
}
