// The command line's polish (issue 12): every subcommand `kplug --help` lists has its own
// --help with the exit codes; summary --json carries the table's facts; progress for slow
// loads (core/cli/progress.cpp, compiled in) shows only when enabled and after its delay.
#define BOOST_TEST_MODULE cli_journey
#include <boost/test/unit_test.hpp>

#include "progress.hpp"
#include "test_support.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using namespace kplug;
using kplug::test::contains;

namespace {

struct Run {
  int status = -1;
  std::string out, err;
};

Run run(const std::string& arguments) {
  const fs::path err_file = fs::temp_directory_path() / ("kplug_cli_journey_" + std::to_string(::getpid()) + ".err");
  const std::string command = std::string(KPLUG_CLI) + " " + arguments + " 2> '" + err_file.string() + "'";
  Run result;
  FILE* pipe = ::popen(command.c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.out.append(buffer, n);
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  result.err = test::read_text(err_file);
  fs::remove(err_file);
  return result;
}

// The subcommand names of `kplug --help` (CLI11 lists them under "Subcommands:").
std::vector<std::string> subcommands(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream lines(help.substr(std::min(help.find("Subcommands:"), help.size())));
  std::string line;
  std::getline(lines, line);
  static const std::regex entry(R"(^\s+([a-z][a-z0-9_-]*)\s)");
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, entry)) break;
    names.push_back(m[1]);
  }
  return names;
}

const fs::path kCustom = test::data_dir() / "plugin_models" / "custom_objects" / "model.json";
const fs::path kMlp = test::data_dir() / "models" / "mlp_seq" / "model.json";

}  // namespace

BOOST_AUTO_TEST_CASE(every_listed_subcommand_has_help_with_the_exit_codes) {
  const Run top = run("--help");
  BOOST_TEST(top.status == 0);
  const std::vector<std::string> names = subcommands(top.out);
  BOOST_TEST(names.size() >= 4u, top.out);
  for (const char* known : {"roundtrip", "plugins", "summary", "predict"}) {
    BOOST_TEST((std::find(names.begin(), names.end(), known) != names.end()), known << " missing from\n" << top.out);
  }
  for (const std::string& name : names) {
    const Run help = run(name + " --help");
    BOOST_TEST(help.status == 0, name);
    BOOST_TEST(contains(help.out, "Exit codes: 0 success, 1 usage error, 2 failure."), name << ":\n" << help.out);
    BOOST_TEST(help.err.empty(), name << ": " << help.err);
  }
}

BOOST_AUTO_TEST_CASE(exit_codes_and_messages) {
  const Run no_command = run("");
  BOOST_TEST(no_command.status == 1);
  BOOST_TEST(contains(no_command.err, "--help"), no_command.err);
  const Run missing = run("summary /nonexistent/model.json");
  BOOST_TEST(missing.status == 2);
  BOOST_TEST(missing.err.starts_with("/nonexistent/model.json"), missing.err);
  // A config error: the file first, then the JSON path of what failed.
  const Run unknown_key = run("summary '" + kCustom.string() + "'");
  BOOST_TEST(unknown_key.status == 2);
  BOOST_TEST(unknown_key.err.starts_with(kCustom.string() + ": error: config.layers[1]: "), unknown_key.err);
  BOOST_TEST(unknown_key.out.empty());
}

BOOST_AUTO_TEST_CASE(summary_json_has_the_facts_of_the_table) {
  const Run text = run("summary '" + kMlp.string() + "'");
  const Run json_run = run("summary --json '" + kMlp.string() + "'");
  BOOST_TEST(text.status == 0);
  BOOST_TEST(json_run.status == 0);
  BOOST_TEST(json_run.err.empty(), json_run.err);  // stderr is not a terminal here: no progress
  const boost::json::value summary = json::parse(json_run.out);
  std::smatch total;
  BOOST_REQUIRE(std::regex_search(text.out, total, std::regex(R"(Total params: ([0-9,]+))")));
  std::string digits = total[1];
  std::erase(digits, ',');
  BOOST_TEST(summary.at("total_params").to_number<std::int64_t>() == std::stoll(digits));
  for (const auto& layer : summary.at("layers").as_array()) {
    BOOST_TEST(contains(text.out, std::string(layer.at("name").as_string())), layer);
  }
}

BOOST_AUTO_TEST_CASE(progress_shows_only_when_enabled_and_slow) {
  using namespace std::chrono_literals;
  std::ostringstream shown, fast, disabled;
  {
    const cli::Progress progress(shown, true, "model.json", 10ms);
    std::this_thread::sleep_for(300ms);
  }
  BOOST_TEST(shown.str().starts_with("kplug: loading model.json ..."), shown.str());
  BOOST_TEST(std::regex_search(shown.str(), std::regex(R"( done \([0-9]+\.[0-9] s\)\n$)")), shown.str());
  {
    const cli::Progress progress(fast, true, "model.json", 10s);  // over long before the delay
  }
  BOOST_TEST(fast.str().empty(), fast.str());
  {
    const cli::Progress progress(disabled, false, "model.json", 0ms);
    std::this_thread::sleep_for(50ms);
  }
  BOOST_TEST(disabled.str().empty(), disabled.str());
}

BOOST_AUTO_TEST_CASE(progress_says_failed_when_the_load_throws) {
  using namespace std::chrono_literals;
  std::ostringstream err;
  try {
    const cli::Progress progress(err, true, "w.weights.h5", 10ms);
    std::this_thread::sleep_for(300ms);
    throw ValueError("bad file");
  } catch (const ValueError&) {
  }
  BOOST_TEST(err.str() == "kplug: loading w.weights.h5 ... failed\n");
}
