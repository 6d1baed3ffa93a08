// kplug serve's predict body decoder on arbitrary bytes, against a two-input signature (one
// float, one int32) and a one-input one: a RequestError (400) or tensors that match the
// signature, nothing else; and an accepted request encodes back to JSON.
#include "fuzz_support.hpp"

#include "kplug/serve/request_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace kplug;
using namespace kplug::serve;

const Signature kPair{
    {{"a", DType::float32, PartialShape{std::nullopt, 2, 3}}, {"b", DType::int32, PartialShape{std::nullopt}}},
    {{"out", DType::float32, {}}}};
const Signature kSingle{{{"x", DType::float32, PartialShape{std::nullopt, std::nullopt}}}, {{"y", DType::float32, {}}}};

void check(std::string_view body, const Signature& signature) {
  PredictRequest request;
  try {
    request = decode_predict_request(body, signature, {32, 4096});
  } catch (const RequestError& e) {
    fuzz::require(e.status() == 400, "a decode error that is not a 400", std::string(body));
    return;
  }
  fuzz::require(request.inputs.size() == signature.inputs.size(), "an input is missing", std::string(body));
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    const Tensor& t = request.inputs[i];
    fuzz::require(t.dtype() == signature.inputs[i].dtype && signature.inputs[i].shape.compatible_with(t.shape()) &&
                      t.dim(0) == request.batch_size,
                  "a decoded input does not match the signature", std::string(body));
  }
  // The inputs as if they were outputs: the encoder takes what the decoder built.
  (void)encode_predict_response(request.format, signature, {request.inputs[0]});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check(body, kPair);
  check(body, kSingle);
  return 0;
}
