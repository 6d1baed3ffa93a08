// kplug serve's request codec (TF Serving's row and columnar JSON <-> tensors) and its
// config files, without a network.
#define BOOST_TEST_MODULE test_serve_codec
#include "test_support.hpp"

#include "kplug/errors.hpp"
#include "kplug/serve/model_config.hpp"
#include "kplug/serve/request_codec.hpp"

namespace kplug::serve {
namespace {

using test::contains;

Signature single() { return {{{"x", DType::float32, PartialShape{std::nullopt, 3}}}, {{"y", DType::float32, {}}}}; }
Signature pair() {
  return {{{"a", DType::float32, PartialShape{std::nullopt, 2}}, {"b", DType::int32, PartialShape{std::nullopt}}},
          {{"diff", DType::float32, {}}, {"encoder", DType::float32, {}}}};
}

std::string refused(std::string_view body, const Signature& signature, DecodeLimits limits = {}) {
  try {
    decode_predict_request(body, signature, limits);
  } catch (const RequestError& e) {
    BOOST_CHECK_EQUAL(e.status(), 400u);
    return e.what();
  }
  BOOST_ERROR("accepted: " << body);
  return {};
}

BOOST_AUTO_TEST_CASE(row_format_single_input_lists_and_named_objects) {
  const auto plain = decode_predict_request(R"({"instances": [[1, 2, 3], [4, 5, 6.5]]})", single());
  BOOST_CHECK(plain.format == RequestFormat::row);
  BOOST_CHECK_EQUAL(plain.batch_size, 2);
  BOOST_CHECK(plain.inputs.at(0) == Tensor({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6.5f}));
  const auto named =
      decode_predict_request(R"({"signature_name": "serving_default", "instances": [{"x": [1, 2, 3]}]})", single());
  BOOST_CHECK(named.inputs.at(0) == Tensor({1, 3}, std::vector<float>{1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(row_and_columnar_formats_with_several_named_inputs) {
  const auto rows = decode_predict_request(R"({"instances": [{"a": [1, 2], "b": 7}, {"b": 8, "a": [3, 4]}]})", pair());
  BOOST_CHECK(rows.inputs.at(0) == Tensor({2, 2}, std::vector<float>{1, 2, 3, 4}));
  BOOST_CHECK(rows.inputs.at(1).dtype() == DType::int32);
  BOOST_CHECK_EQUAL(rows.inputs.at(1).data_as<std::int32_t>()[1], 8);
  const auto columns = decode_predict_request(R"({"inputs": {"a": [[1, 2], [3, 4]], "b": [7, 8]}})", pair());
  BOOST_CHECK(columns.format == RequestFormat::columnar);
  BOOST_CHECK(columns.inputs.at(0) == rows.inputs.at(0));
  BOOST_CHECK_EQUAL(columns.batch_size, 2);
  const auto one = decode_predict_request(R"({"inputs": [[1, 2, 3]]})", single());
  BOOST_CHECK(one.inputs.at(0) == Tensor({1, 3}, std::vector<float>{1, 2, 3}));
}

// Plain bodies (one float input, its values as lists) take a one-pass decoder; bodies naming
// the input take the full one. Both must build the same tensors.
BOOST_AUTO_TEST_CASE(plain_and_named_bodies_decode_alike) {
  const auto expect = [](std::string_view plain, std::string_view named, const Signature& signature) {
    const auto a = decode_predict_request(plain, signature);
    const auto b = decode_predict_request(named, signature);
    BOOST_CHECK(a.format == b.format);
    BOOST_CHECK_EQUAL(a.batch_size, b.batch_size);
    BOOST_CHECK(a.inputs.at(0).dtype() == signature.inputs[0].dtype);
    BOOST_CHECK(a.inputs.at(0).shape() == b.inputs.at(0).shape());
    BOOST_CHECK(a.inputs.at(0).astype(DType::float32) == b.inputs.at(0).astype(DType::float32));
  };
  expect(R"({"instances": [[1, -2.5e-1, 3], [4, 5, 6.5]], "signature_name": "serving_default"})",
         R"({"instances": [{"x": [1, -2.5e-1, 3]}, {"x": [4, 5, 6.5]}]})", single());
  expect(R"({"signature_name": "", "inputs": [[1, 2, 3]]})", R"({"inputs": {"x": [[1, 2, 3]]}})", single());
  const Signature wide{{{"x", DType::float64, PartialShape{std::nullopt, 2, 2}}}, {{"y", DType::float32, {}}}};
  expect(R"({"inputs": [[[1, 2], [3, 4]], [[5, 6], [7, 18446744073709551615]]]})",
         R"({"inputs": {"x": [[[1, 2], [3, 4]], [[5, 6], [7, 18446744073709551615]]]}})", wide);
  const Signature scalar_rows{{{"x", DType::float32, PartialShape{std::nullopt}}}, {{"y", DType::float32, {}}}};
  expect(R"({"instances": [1, 2, 3]})", R"({"instances": [{"x": 1}, {"x": 2}, {"x": 3}]})", scalar_rows);
  // What the one-pass decoder leaves to the full one is still refused, as the full one words it.
  BOOST_CHECK(contains(refused(R"({"instances": [[1, 2, 3]], "signature_name": 1})", single()), "expected a string"));
  BOOST_CHECK(contains(refused(R"({"inputs": [[1, 2, 3], [4, 5]]})", single()), "inputs[1]: a list of 2"));
  BOOST_CHECK(contains(refused(R"({"inputs": [[1, 2, 3]]} x)", single()), "JSON Parse error"));
  BOOST_CHECK(contains(refused(R"({"inputs": [[1, 2, null]]})", single()), "expected a number"));
}

BOOST_AUTO_TEST_CASE(bad_bodies_answer_400_naming_the_place) {
  BOOST_CHECK(contains(refused("{\"instances\": [[1, 2, 3]", single()), "JSON Parse error"));
  BOOST_CHECK(contains(refused("[1]", single()), "must be an object"));
  BOOST_CHECK(contains(refused(R"({"instance": [[1, 2, 3]]})", single()), "Did you mean 'instances'"));
  BOOST_CHECK(contains(refused(R"({"instances": [[1,2,3]], "inputs": [[1,2,3]]})", single()), "not both"));
  BOOST_CHECK(contains(refused(R"({"instances": []})", single()), "empty"));
  BOOST_CHECK(contains(refused(R"({"instances": [[1, 2]]})", single()), "shape [1, 2], the model takes [-1, 3]"));
  BOOST_CHECK(contains(refused(R"({"instances": [[1, 2, 3], [1, 2]]})", single()), "instances[1]: a list of 2"));
  BOOST_CHECK(contains(refused(R"({"instances": [[1, "2", 3]]})", single()), "instances[0][1]: expected a number"));
  BOOST_CHECK(contains(refused(R"({"instances": [[[1], 2, 3]]})", single()), "nested deeper"));
  BOOST_CHECK(contains(refused(R"({"instances": [5]})", single()), "instances[0]: expected a list"));
  BOOST_CHECK(contains(refused(R"({"instances": [[{"b64": "AAA="}, 2, 3]]})", single()), "b64"));
  BOOST_CHECK(contains(refused(R"({"instances": [{"a": [1, 2], "bb": 7}]})", pair()), "unknown input 'bb'"));
  BOOST_CHECK(contains(refused(R"({"instances": [{"a": [1, 2], "bb": 7}]})", pair()), "Did you mean 'b'"));
  BOOST_CHECK(contains(refused(R"({"instances": [{"a": [1, 2]}]})", pair()), "instances[0]: missing input 'b'"));
  BOOST_CHECK(
      contains(refused(R"({"instances": [{"a": [1, 2], "b": 1.5}]})", pair()), "instances[0].b: expected an integer"));
  BOOST_CHECK(contains(refused(R"({"inputs": {"a": [[1, 2]], "b": [1, 2]}})", pair()), "the same batch size"));
  BOOST_CHECK(contains(refused(R"({"signature_name": "predict", "instances": [[1, 2, 3]]})", single()),
                       "\"predict\" not found"));
  BOOST_CHECK(contains(refused(R"({"instances": [[1, 2, 3], [4, 5, 6]]})", single(), {64, 5}), "too many values"));
  const std::string deep = "{\"instances\": " + std::string(100, '[') + std::string(100, ']') + "}";
  BOOST_CHECK(contains(refused(deep, single()), "nested deeper than 64"));
}

BOOST_AUTO_TEST_CASE(responses_have_tf_servings_shapes) {
  const Tensor y({2, 1}, std::vector<float>{0.1f, -2.5f});
  BOOST_CHECK_EQUAL(encode_predict_response(RequestFormat::row, single(), {y}), R"({"predictions":[[0.1],[-2.5]]})");
  BOOST_CHECK_EQUAL(encode_predict_response(RequestFormat::columnar, single(), {y}), R"({"outputs":[[0.1],[-2.5]]})");
  const Tensor d({2}, std::vector<float>{1, 2});
  const Tensor e({2, 2}, std::vector<float>{3, 4, 5, 6});
  BOOST_CHECK_EQUAL(encode_predict_response(RequestFormat::row, pair(), {d, e}),
                    R"({"predictions":[{"diff":1,"encoder":[3,4]},{"diff":2,"encoder":[5,6]}]})");
  BOOST_CHECK_EQUAL(encode_predict_response(RequestFormat::columnar, pair(), {d, e}),
                    R"({"outputs":{"diff":[1,2],"encoder":[[3,4],[5,6]]}})");
  BOOST_CHECK_EQUAL(encode_error("bad \"x\""), R"({"error":"bad \"x\""})");
}

BOOST_AUTO_TEST_CASE(model_config_and_batching_parameters_files) {
  const auto models = parse_model_config(R"(# two models
model_config_list {
  config { name: 'mlp' base_path: "/models/mlp" model_platform: "tensorflow" }
  config: { name: "cnn", base_path: "/models/cnn" }
})");
  BOOST_REQUIRE_EQUAL(models.size(), 2u);
  BOOST_CHECK_EQUAL(models[1].name, "cnn");
  BOOST_CHECK_EQUAL(models[0].base_path, "/models/mlp");
  auto message = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  BOOST_CHECK(contains(message([] { parse_model_config("model_config_list { config { nmae: 'x' } }", "m.conf"); }),
                       "m.conf:1: unknown field 'nmae' in config"));
  BOOST_CHECK(contains(message([] { parse_model_config("model_config_list {\n config { name: 'x' }\n}", "m.conf"); }),
                       "m.conf:2: config 'x' has no base_path"));
  BOOST_CHECK(
      contains(message([] { parse_model_config("model_config_list { config { name: 'x'", "m.conf"); }), "not closed"));
  BOOST_CHECK(contains(message([] {
                         parse_model_config(
                             "model_config_list { config { name: 'x' base_path: '/x' "
                             "model_version_policy { all {} } } }");
                       }),
                       "model_version_policy"));
  BatchingOptions batching;
  parse_batching_parameters(
      "max_batch_size { value: 128 }\nbatch_timeout_micros { value: 500 }\n"
      "num_batch_threads { value: 4 } max_enqueued_batches { value: 9 }",
      batching);
  BOOST_CHECK(batching.enabled);
  BOOST_CHECK_EQUAL(batching.max_batch_size, 128);
  BOOST_CHECK_EQUAL(batching.batch_timeout.count(), 500);
  BOOST_CHECK_EQUAL(batching.num_batch_threads, 4);
  BOOST_CHECK_EQUAL(batching.max_enqueued_batches, 9);
  BOOST_CHECK(contains(message([&] { parse_batching_parameters("max_batch_size { value: -1 }", batching, "b.conf"); }),
                       "b.conf:1: max_batch_size: expected a non-negative integer"));
}

}  // namespace
}  // namespace kplug::serve
