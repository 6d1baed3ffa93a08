// The fast path of decode_predict_request: a body in the plain form most clients send (one
// float input, its values as nested lists under "instances" or "inputs", optionally
// "signature_name") read in one pass straight into the tensor, with no JSON tree built. Any
// other body (several or named inputs, integer or bool inputs, a malformed or refused one) is
// left to the full decoder, which names what is wrong.
#pragma once

#include "kplug/serve/request_codec.hpp"

#include <optional>
#include <string_view>

namespace kplug::serve::detail {

// The request, or nullopt when `body` is not in the plain form or not accepted as it is.
std::optional<PredictRequest> decode_plain_request(std::string_view body, const Signature& signature,
                                                   const DecodeLimits& limits);

}  // namespace kplug::serve::detail
