// Acceptance 1 of the core issue: every object fixture written by Python Keras
// (tests/data/objects, written by Keras 3.16.0) deserializes and serializes
// back to equal JSON, key order kept, through the API and through `kplug roundtrip`.
#define BOOST_TEST_MODULE fixtures
#include <boost/test/unit_test.hpp>

#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <optional>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kPrefixes = {"activation_", "initializer_", "regularizer_", "constraint_", "loss_",
                                            "loss_fn_",    "loss_str_",    "optimizer_",   "metric_"};

std::optional<Kind> kind_of(const std::string& stem) {
  if (stem.starts_with("activation_")) return Kind::activation;
  if (stem.starts_with("initializer_")) return Kind::initializer;
  if (stem.starts_with("regularizer_")) return Kind::regularizer;
  if (stem.starts_with("constraint_")) return Kind::constraint;
  if (stem.starts_with("loss_")) return Kind::loss;
  if (stem.starts_with("optimizer_")) return Kind::optimizer;
  if (stem.starts_with("metric_")) return Kind::metric;
  return std::nullopt;
}

std::vector<fs::path> fixtures() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(test::data_dir() / "objects")) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".roundtrip.json") || name == "index.json") continue;
    if (kind_of(name)) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Equal as Python compares after json.loads: numbers by value, key order kept.
bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (const auto* oa = a.if_object()) {
    const auto& ob = b.get_object();
    if (oa->size() != ob.size()) return false;
    auto ib = ob.begin();
    for (const auto& item : *oa) {
      if (item.key() != ib->key() || !same_json(item.value(), ib->value())) return false;
      ++ib;
    }
    return true;
  }
  if (const auto* aa = a.if_array()) {
    const auto& ab = b.get_array();
    if (aa->size() != ab.size()) return false;
    for (std::size_t i = 0; i < aa->size(); ++i) {
      if (!same_json((*aa)[i], ab[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(there_are_fixtures_of_every_kind) {
  const auto all = fixtures();
  BOOST_TEST(all.size() == 204u);  // every object fixture of these kinds in tests/data/objects
  for (const std::string& prefix : kPrefixes) {
    BOOST_TEST(std::any_of(all.begin(), all.end(),
                           [&](const fs::path& p) { return p.filename().string().starts_with(prefix); }),
               prefix);
  }
}

BOOST_AUTO_TEST_CASE(api_round_trip) {
  for (const fs::path& path : fixtures()) {
    BOOST_TEST_CONTEXT(path.filename().string()) {
      const boost::json::value original = test::read_json(path);
      try {
        // Generic deserialization, as keras.saving.deserialize_keras_object.
        const boost::json::value generic = serialize(deserialize(original));
        BOOST_TEST(same_json(generic, original), json::write(generic));
        // Typed deserialization of the object's kind gives the same dict for object dicts.
        if (original.is_object()) {
          const boost::json::value typed = serialize(deserialize_object(original, *kind_of(path.filename().string())));
          BOOST_TEST(same_json(typed, original), json::write(typed));
        }
      } catch (const Error& e) {
        BOOST_ERROR(e.what());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(loss_strings_resolve_like_losses_get) {
  for (const fs::path& path : fixtures()) {
    const std::string name = path.filename().string();
    if (!name.starts_with("loss_str_")) continue;
    BOOST_TEST_CONTEXT(name) {
      const auto expected = test::read_json(path.parent_path() / (path.stem().string() + ".roundtrip.json"))
                                .at("keras.losses.get(string) serialized");
      try {
        const auto got = serialize(deserialize_object(test::read_json(path), Kind::loss));
        BOOST_TEST(same_json(got, expected), json::write(got));
      } catch (const Error& e) {
        BOOST_ERROR(e.what());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(cli_round_trip_is_byte_identical) {
  const fs::path out = fs::temp_directory_path() / ("kplug_fixture_" + std::to_string(::getpid()) + ".json");
  for (const fs::path& path : fixtures()) {
    BOOST_TEST_CONTEXT(path.filename().string()) {
      const std::string command =
          std::string(KPLUG_CLI) + " roundtrip '" + path.string() + "' > '" + out.string() + "'";
      BOOST_TEST(std::system(command.c_str()) == 0);
      // Fixture files are json.dumps(indent=2) plus a newline; the CLI writes the same layout.
      BOOST_TEST(test::read_text(out) == test::read_text(path));
    }
  }
  fs::remove(out);
}

BOOST_AUTO_TEST_CASE(cli_errors_exit_2) {
  const std::string missing = std::string(KPLUG_CLI) + " roundtrip /nonexistent.json 2>/dev/null";
  BOOST_TEST(WEXITSTATUS(std::system(missing.c_str())) == 2);
  const std::string bad = "echo '{\"module\": \"keras.losses\", \"class_name\": \"Nope\", \"config\": {}}' | " +
                          std::string(KPLUG_CLI) + " roundtrip - 2>/dev/null";
  BOOST_TEST(WEXITSTATUS(std::system(bad.c_str())) == 2);
}
