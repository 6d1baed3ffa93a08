// TF Serving's REST predict bodies <-> tensors: the row format (`{"instances": [...]}` ->
// `{"predictions": [...]}`) and the columnar format (`{"inputs": ...}` -> `{"outputs": ...}`),
// with the error messages naming the JSON path and the input at fault.
#pragma once

#include "kplug/serve/signature.hpp"
#include "kplug/tensor.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)
namespace kplug::serve {

// A request the server refuses: the HTTP status (400, 404, 413, 503, ...) and the message
// answered as `{"error": message}`.
class RequestError : public std::runtime_error {
 public:
  RequestError(unsigned status, const std::string& message) : std::runtime_error(message), status_(status) {}
  unsigned status() const noexcept { return status_; }

 private:
  unsigned status_;
};

// Bounds on what one body may ask the server to build.
struct DecodeLimits {
  std::size_t max_json_depth = 64;
  std::size_t max_elements = std::size_t{1} << 24;  // numbers over every input
};

enum class RequestFormat { row, columnar };

struct PredictRequest {
  RequestFormat format = RequestFormat::row;
  std::vector<Tensor> inputs;  // in signature.inputs order, batch first
  std::int64_t batch_size = 0;
};

// Decodes a predict body against `signature`; RequestError 400 for anything malformed (bad
// JSON, unknown or missing input, wrong shape or dtype, `{"b64": ...}` values, a
// signature_name other than "serving_default").
PredictRequest decode_predict_request(std::string_view body, const Signature& signature,
                                      const DecodeLimits& limits = {});

// The answer to a request in `format`: row -> {"predictions": [one entry per instance]} (with
// several outputs each entry is an object name -> value), columnar -> {"outputs": value} (with
// several outputs an object). Floats are written as the shortest text that reads back as the
// same float32.
std::string encode_predict_response(RequestFormat format, const Signature& signature,
                                    const std::vector<Tensor>& outputs);

// `{"error": message}`.
std::string encode_error(std::string_view message);

}  // namespace kplug::serve
#pragma GCC visibility pop
