#define BOOST_TEST_MODULE json
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "test_support.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <regex>
#include <string>

using namespace kplug;

BOOST_AUTO_TEST_CASE(python_float_repr) {
  BOOST_TEST(json::format_double(0.5) == "0.5");
  BOOST_TEST(json::format_double(1e-07) == "1e-07");
  BOOST_TEST(json::format_double(1e-05) == "1e-05");
  BOOST_TEST(json::format_double(0.0001) == "0.0001");
  BOOST_TEST(json::format_double(2.0) == "2.0");
  BOOST_TEST(json::format_double(-0.0) == "-0.0");
  BOOST_TEST(json::format_double(1e16) == "1e+16");
  BOOST_TEST(json::format_double(1e15) == "1000000000000000.0");
  BOOST_TEST(json::format_double(123456789.0) == "123456789.0");
  BOOST_TEST(json::format_double(static_cast<double>(0.001f)) == "0.0010000000474974513");
  BOOST_TEST(json::format_double(9.999999747378752e-06) == "9.999999747378752e-06");
  BOOST_TEST(json::format_double(1.5e300) == "1.5e+300");
}

BOOST_AUTO_TEST_CASE(nonfinite_tokens_round_trip) {
  const auto v = json::parse(R"({"a": [NaN, Infinity, -Infinity], "s": "NaN Infinity"})");
  const auto& a = v.at("a").as_array();
  BOOST_TEST(std::isnan(a[0].as_double()));
  BOOST_TEST(a[1].as_double() == INFINITY);
  BOOST_TEST(a[2].as_double() == -INFINITY);
  BOOST_TEST(v.at("s").as_string() == "NaN Infinity");  // tokens inside strings are text
  BOOST_TEST(json::write(v) == R"({"a": [NaN, Infinity, -Infinity], "s": "NaN Infinity"})");
}

// Issue 8, point 2: the tokens are values only, and no string can stand for one.
BOOST_AUTO_TEST_CASE(nonfinite_tokens_only_in_value_position) {
  // Python refuses these; kplug used to accept `{Infinity: 1}` and write a key it could not read.
  for (const char* text : {"{Infinity: 1}", "{NaN: 1}", "{-Infinity: 1}", R"({"a": 1, NaN: 2})", "[1NaN]", "[-NaN]",
                           "[NaN1]", "[trueNaN]", "[NaN NaN]", "[Infinityx]", "[1e-Infinity]", "Nan", "[+Infinity]"}) {
    BOOST_CHECK_THROW(json::parse(text), JsonError);
  }
  const auto v = json::parse(" NaN ");
  BOOST_TEST(std::isnan(v.as_double()));
  const auto w = json::parse("{\"a\":-Infinity,\"b\":[1,Infinity,\n2.5,NaN]}");
  BOOST_TEST(json::write(w) == R"({"a": -Infinity, "b": [1, Infinity, 2.5, NaN]})");
}

BOOST_AUTO_TEST_CASE(strings_never_become_nonfinite) {
  // The old sentinel, spelled with one more escape, became NaN when the document held a real NaN.
  const auto v = json::parse(R"(["\u0000\u006bplug:NaN", NaN, "\u0000kplug:Infinity"])");
  const auto& a = v.as_array();
  BOOST_TEST(a[0].is_string());
  BOOST_TEST(a[0].as_string() == std::string_view("\0kplug:NaN", 10));
  BOOST_TEST(std::isnan(a[1].as_double()));
  BOOST_TEST(a[2].is_string());
  // A string starting with the old prefix is written as output kplug reads back.
  const std::string written = json::write(v);
  BOOST_TEST(written == R"(["\u0000kplug:NaN", NaN, "\u0000kplug:Infinity"])");
  BOOST_TEST(json::write(json::parse(written)) == written);
}

// Issue 8, point 1: Boost.JSON 1.81's reader is not correctly rounded; kplug's is.
BOOST_AUTO_TEST_CASE(doubles_read_exactly) {
  BOOST_TEST(json::write(json::parse("5e82")) == "5e+82");
  BOOST_TEST(json::write(json::parse(json::write(json::parse("5e82")))) == "5e+82");
  BOOST_TEST(json::parse("0.009999999776482582").as_double() == static_cast<double>(0.01f));
  BOOST_TEST(json::write(json::parse("[-0.0, 1e-320, 2.2250738585072014e-308, 1.7976931348623157e+308]")) ==
             "[-0.0, 1e-320, 2.2250738585072014e-308, 1.7976931348623157e+308]");
  // As Python's float(): beyond the range is +-inf, below the smallest subnormal is +-0.0.
  BOOST_TEST(json::write(json::parse("[1e400, -1e400, 1e-400, -1e-400]")) == "[Infinity, -Infinity, 0.0, -0.0]");
}

namespace {
// parse -> write must give the writer's (std::to_chars shortest = Python repr) digits, and the same bits.
void check_exact(double d) {
  const std::string repr = json::format_double(d);
  const auto v = json::parse(repr);
  BOOST_TEST_REQUIRE(v.is_double(), repr);
  BOOST_TEST_REQUIRE(std::bit_cast<std::uint64_t>(v.get_double()) == std::bit_cast<std::uint64_t>(d), repr);
  BOOST_TEST_REQUIRE(json::write(v) == repr);
}
}  // namespace

BOOST_AUTO_TEST_CASE(random_doubles_round_trip_as_python_repr) {
  std::mt19937_64 bits(20260830);
  std::size_t checked = 0;
  while (checked < 100000) {
    const double d = std::bit_cast<double>(bits());
    if (!std::isfinite(d)) continue;
    check_exact(d);
    ++checked;
  }
  // Doubles of everyday magnitudes too (random bits are mostly huge or tiny).
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> uniform(-10.0, 10.0);
  for (int i = 0; i < 20000; ++i) check_exact(uniform(gen));
}

BOOST_AUTO_TEST_CASE(float32_widened_round_trip_as_python_repr) {
  // What Keras writes for every float32 hyper-parameter, e.g. 0.009999999776482582.
  std::mt19937 bits(32);
  for (int i = 0; i < 100000; ++i) {
    const float f = std::bit_cast<float>(static_cast<std::uint32_t>(bits()));
    if (std::isfinite(f)) check_exact(static_cast<double>(f));
  }
  std::mt19937 gen(11);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (int i = 0; i < 20000; ++i) check_exact(static_cast<double>(unit(gen)));
}

BOOST_AUTO_TEST_CASE(fixture_numbers_read_back_as_python_wrote_them) {
  // Every real literal in the Keras fixtures was written by Python's repr; parse -> write must
  // give it back, the float32 values widened to double among them.
  const std::regex real_literal(R"((^|[\s\[,:])(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)(?=[\s,\]}]))");
  std::size_t literals = 0;
  std::size_t widened_float32 = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::data_dir() / "objects")) {
    const std::string text = test::read_text(entry.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), real_literal); it != std::sregex_iterator(); ++it) {
      const std::string literal = (*it)[2].str();
      if (literal.find_first_of(".eE") == std::string::npos) continue;
      ++literals;
      const auto v = json::parse(literal);
      BOOST_TEST(json::write(v) == literal, entry.path().filename().string());
      const double d = v.as_double();
      if (static_cast<double>(static_cast<float>(d)) == d) ++widened_float32;
    }
  }
  BOOST_TEST(literals > 50u);
  BOOST_TEST(widened_float32 > 10u);
}

// Issue 8, point 4: integers beyond int64 stay exact up to uint64, and are refused beyond.
BOOST_AUTO_TEST_CASE(integers_beyond_int64) {
  const auto v = json::parse("[18446744073709551615, 9223372036854775808, -9223372036854775808, 9223372036854775807]");
  BOOST_TEST(v.as_array()[0].is_uint64());
  BOOST_TEST(json::write(v) ==
             "[18446744073709551615, 9223372036854775808, -9223372036854775808, 9223372036854775807]");
  for (const char* text :
       {"18446744073709551616", "[-9223372036854775809]", "{\"seed\": 123456789012345678901234567890}"}) {
    try {
      json::parse(text);
      BOOST_FAIL("no error for " << text);
    } catch (const JsonError& e) {
      BOOST_TEST(std::string(e.what()).find("does not fit in 64 bits") != std::string::npos, e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_json_names_the_position) {
  try {
    json::parse("{\n  \"a\": [1, 2,,]\n}");
    BOOST_FAIL("no error");
  } catch (const JsonError& e) {
    BOOST_TEST(std::string(e.what()).find("line 2") != std::string::npos, e.what());
  }
  BOOST_CHECK_THROW(json::parse(""), JsonError);
  BOOST_CHECK_THROW(json::parse("{\"a\": 1} trailing"), JsonError);
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_a_clean_error) {
  const std::string deep(100000, '[');
  try {
    json::parse(deep);
    BOOST_FAIL("no error");
  } catch (const JsonError& e) {
    BOOST_TEST(std::string(e.what()).find("nesting deeper than 512") != std::string::npos, e.what());
  }
  std::string ok;
  for (int i = 0; i < 200; ++i) ok += "[";
  for (int i = 0; i < 200; ++i) ok += "]";
  BOOST_CHECK_NO_THROW(json::parse(ok));
}

BOOST_AUTO_TEST_CASE(large_string_and_size_cap) {
  const std::string big = "\"" + std::string(10 * 1024 * 1024, 'x') + "\"";
  const auto v = json::parse(big);
  BOOST_TEST(v.as_string().size() == 10u * 1024 * 1024);
  json::ParseOptions small;
  small.max_bytes = 1024;
  BOOST_CHECK_THROW(json::parse(big, small), JsonError);
}

BOOST_AUTO_TEST_CASE(python_string_escapes) {
  boost::json::value v = boost::json::string("caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ \n\x01\x7f");
  BOOST_TEST(json::write(v) == R"("caf\u00e9 \ud83d\ude00 \"q\" \\ \n\u0001\u007f")");
  json::WriteOptions raw;
  raw.ensure_ascii = false;
  BOOST_TEST(json::write(v, raw) == "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \\\"q\\\" \\\\ \\n\\u0001\x7f\"");
}

BOOST_AUTO_TEST_CASE(indented_output_matches_python_bytes) {
  // Fixture files were written by json.dumps(indent=2).
  const auto path = test::data_dir() / "objects" / "regularizer_L1L2.json";
  const std::string text = test::read_text(path);
  json::WriteOptions options;
  options.indent = 2;
  BOOST_TEST(json::write(json::parse(text), options) + "\n" == text);
  BOOST_TEST(json::write(boost::json::object{}, options) == "{}");
  BOOST_TEST(json::write(boost::json::array{}, options) == "[]");
}
