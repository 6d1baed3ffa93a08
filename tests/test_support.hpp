// Helpers shared by the test suites.
#pragma once

#include "kplug/json.hpp"
#include "kplug/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

// Defined in a build under AddressSanitizer or ThreadSanitizer (gcc's and clang's spellings).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KPLUG_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define KPLUG_TEST_SANITIZED 1
#endif
#endif

namespace kplug::test {

inline std::filesystem::path data_dir() { return KPLUG_TEST_DATA; }

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(file, "cannot open " << path);
  std::ostringstream text;
  text << file.rdbuf();
  return std::move(text).str();
}

inline boost::json::value read_json(const std::filesystem::path& path) { return json::parse(read_text(path)); }

// Checks a tensor element by element against expected values.
inline void check_close(const Tensor& actual, const Tensor& expected, float tolerance = 1e-5f) {
  BOOST_REQUIRE_MESSAGE(actual.shape() == expected.shape(),
                        "shape " << shape_to_string(actual.shape()) << " != " << shape_to_string(expected.shape()));
  for (std::int64_t i = 0; i < actual.size(); ++i) {
    BOOST_CHECK_MESSAGE(allclose(Tensor::scalar(actual[i]), Tensor::scalar(expected[i]), tolerance, tolerance),
                        "element " << i << ": " << actual[i] << " != " << expected[i]);
  }
}

// A fresh folder under the system temp dir (unique per process and object), removed with the object.
struct TempDir {
  explicit TempDir(std::string_view prefix = "kplug-test") {
    path = std::filesystem::temp_directory_path() /
           (std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// The message of the `E` that `f()` throws; a test failure when it throws nothing.
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  BOOST_FAIL("expected an exception, none was thrown");
  return {};
}

}  // namespace kplug::test
