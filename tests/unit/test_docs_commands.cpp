// Every command of docs/*.md runs: each line of a ```sh block starting with "$ " (a trailing
// "\" continues it) is run with bash from a scratch directory that links the repository's
// folders, with `build` pointing at the build tree and kplug on the PATH. It must exit 0, or
// the code its trailing "# exit N" comment states. (docs/cli.md describes the convention.)
#define BOOST_TEST_MODULE docs_commands
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

namespace fs = std::filesystem;
using kplug::test::contains;

namespace {

const fs::path kSource = fs::path(KPLUG_TEST_DATA).parent_path().parent_path();

struct DocCommand {
  std::string file;
  int line = 0;
  std::string command;
  int expected_exit = 0;
};

std::vector<DocCommand> doc_commands(const fs::path& markdown) {
  std::istringstream text(kplug::test::read_text(markdown));
  std::vector<DocCommand> out;
  std::string line;
  bool in_sh = false, continuing = false;
  for (int number = 1; std::getline(text, line); ++number) {
    const std::string trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (trimmed.starts_with("```")) {
      in_sh = !in_sh && trimmed == "```sh";
      continuing = false;
      continue;
    }
    if (!in_sh) continue;
    if (continuing) {
      out.back().command += "\n" + line;
    } else if (trimmed.starts_with("$ ")) {
      out.push_back({markdown.filename().string(), number, trimmed.substr(2)});
    } else {
      continue;
    }
    continuing = !line.empty() && line.back() == '\\';
  }
  static const std::regex exit_comment(R"(#\s*exit\s+(\d+)\s*$)");
  for (DocCommand& c : out) {
    std::smatch m;
    if (std::regex_search(c.command, m, exit_comment)) c.expected_exit = std::stoi(m[1]);
  }
  return out;
}

// A scratch directory where the docs' relative paths work: links to the source's folders,
// `build` to the build tree.
fs::path scratch_dir() {
  const fs::path dir = fs::temp_directory_path() / ("kplug_docs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(kSource)) {
    const std::string name = entry.path().filename().string();
    if (name == "build" || name.starts_with(".git")) continue;
    fs::create_directory_symlink(entry.path(), dir / name);
  }
  fs::create_directory_symlink(KPLUG_BUILD_DIR, dir / "build");
  return dir;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_convention_finds_commands_and_exit_codes) {
  const fs::path dir = fs::temp_directory_path() / ("kplug_docs_parse_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "x.md") << "```sh\n$ kplug a \\\n    --b\nnot run\n$ kplug c   # exit 2\n```\n$ outside\n"
                                 "```cpp\n$ not sh\n```\n";
  const auto commands = doc_commands(dir / "x.md");
  fs::remove_all(dir);
  BOOST_REQUIRE_EQUAL(commands.size(), 2u);
  BOOST_TEST(commands[0].command == "kplug a \\\n    --b");
  BOOST_TEST(commands[0].line == 2);
  BOOST_TEST(commands[0].expected_exit == 0);
  BOOST_TEST(commands[1].expected_exit == 2);
}

BOOST_AUTO_TEST_CASE(every_command_in_docs_runs) {
  std::vector<fs::path> docs;
  for (const auto& entry : fs::directory_iterator(kSource / "docs")) {
    if (entry.path().extension() == ".md") docs.push_back(entry.path());
  }
  std::sort(docs.begin(), docs.end());
  const fs::path dir = scratch_dir();
  const char* inherited = std::getenv("PATH");
  const std::string path = fs::path(KPLUG_CLI).parent_path().string() + ":" + (inherited ? inherited : "/usr/bin:/bin");
  std::size_t count = 0;
  for (const fs::path& doc : docs) {
    for (const DocCommand& c : doc_commands(doc)) {
      ++count;
      std::ofstream(dir / "command.sh") << "set -o pipefail\nunset KPLUG_PLUGIN_PATH\nexport PATH='" << path << "'\n"
                                        << c.command << "\n";
      const std::string run = "cd '" + dir.string() + "' && bash command.sh > output.txt 2>&1";
      const int raw = std::system(run.c_str());
      const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
      const std::string output = kplug::test::read_text(dir / "output.txt");
      BOOST_TEST(status == c.expected_exit, c.file << ":" << c.line << ": exit " << status << " (expected "
                                                   << c.expected_exit << ")\n$ " << c.command << "\n"
                                                   << output);
      // A failure documented as such still fails cleanly: a message, no crash.
      if (c.expected_exit == 2) BOOST_TEST(contains(output, "error"), c.file << ":" << c.line << "\n" << output);
    }
  }
  fs::remove_all(dir);
  // getting-started, cli and safety hold commands; losing them all would pass silently.
  BOOST_TEST(count >= 15u, "only " << count << " commands found in docs/");
}
