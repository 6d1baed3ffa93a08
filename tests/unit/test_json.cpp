#define BOOST_TEST_MODULE json
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "test_support.hpp"

#include <cmath>
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

BOOST_AUTO_TEST_CASE(reserved_sentinel_spelling_is_refused) {
  BOOST_CHECK_THROW(json::parse(R"(["\u0000kplug:NaN"])"), JsonError);
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
