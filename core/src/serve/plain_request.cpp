#include "serve/plain_request.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace kplug::serve::detail {
namespace json = boost::json;
namespace {

// A SAX handler for `{"instances" | "inputs": nested lists of numbers, "signature_name": s}`.
// Every callback returning false stops the parse: the body goes to the full decoder.
class PlainHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  // `row_size`: the numbers of one row when the signature knows them all (0: unknown), reserved
  // up front.
  PlainHandler(std::size_t rank, std::size_t budget, std::size_t row_size) : dims_(rank, -1), budget_(budget) {
    values_.reserve(std::min(row_size, budget));
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code& ec) { return ok(values_seen_ == 1, ec); }
  bool on_object_begin(json::error_code& ec) { return ok(depth_++ == 0, ec); }
  bool on_object_end(std::size_t, json::error_code&) { return --depth_, true; }
  bool on_array_begin(json::error_code& ec) {
    if (depth_ == 1 && (key_ == Key::instances || key_ == Key::inputs) && level_ == 0) {
      ++values_seen_;
      format_ = key_ == Key::instances ? RequestFormat::row : RequestFormat::columnar;
    } else if (level_ == 0 || level_ >= dims_.size()) {
      return fail(ec);
    }
    ++level_;
    return true;
  }
  bool on_array_end(std::size_t n, json::error_code& ec) {
    std::int64_t& dim = dims_[--level_];
    if (dim < 0) dim = static_cast<std::int64_t>(n);
    if (level_ == 0) key_ = Key::none;
    return ok(n > 0 && dim == static_cast<std::int64_t>(n), ec);
  }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) { return key_text_.append(part), true; }
  bool on_key(json::string_view part, std::size_t, json::error_code& ec) {
    key_text_.append(part);
    key_ = key_text_ == "instances"        ? Key::instances
           : key_text_ == "inputs"         ? Key::inputs
           : key_text_ == "signature_name" ? Key::signature_name
                                           : Key::none;
    key_text_.clear();
    const bool again = key_ == Key::signature_name ? signature_seen_ : values_seen_ > 0;  // the full decoder says so
    return ok(depth_ == 1 && key_ != Key::none && !again, ec);
  }
  bool on_string_part(json::string_view part, std::size_t, json::error_code&) { return text_.append(part), true; }
  bool on_string(json::string_view part, std::size_t, json::error_code& ec) {
    text_.append(part);
    const bool known = text_.empty() || text_ == kDefaultSignature;
    signature_seen_ = true;
    text_.clear();
    return ok(depth_ == 1 && key_ == Key::signature_name && known, ec);
  }
  bool on_number_part(json::string_view part, json::error_code&) { return number_text_.append(part), true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code& ec) {
    number_text_.clear();
    return number(static_cast<double>(i), ec);
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code& ec) {
    number_text_.clear();
    return number(static_cast<double>(u), ec);
  }
  // Boost.JSON's own doubles are not correctly rounded: the text is read again with from_chars
  // (as Python's json would read it, then cast to float32).
  bool on_double(double, json::string_view part, json::error_code& ec) {
    number_text_.append(part);
    double d = 0.0;
    const auto result = std::from_chars(number_text_.data(), number_text_.data() + number_text_.size(), d);
    const bool read = result.ec == std::errc() && result.ptr == number_text_.data() + number_text_.size();
    number_text_.clear();
    return read ? number(d, ec) : fail(ec);  // out of range: the full decoder says so
  }
  bool on_bool(bool, json::error_code& ec) { return fail(ec); }
  bool on_null(json::error_code& ec) { return fail(ec); }
  bool on_comment_part(json::string_view, json::error_code& ec) { return fail(ec); }
  bool on_comment(json::string_view, json::error_code& ec) { return fail(ec); }

  RequestFormat format() const { return format_; }
  const std::vector<std::int64_t>& dims() const { return dims_; }
  const std::vector<float>& values() const { return values_; }

 private:
  enum class Key { none, instances, inputs, signature_name };

  bool number(double x, json::error_code& ec) {
    if (level_ != dims_.size() || budget_ == 0) return fail(ec);  // a scalar where a list belongs
    --budget_;
    values_.push_back(static_cast<float>(x));
    return true;
  }
  static bool ok(bool accepted, json::error_code& ec) { return accepted || fail(ec); }
  static bool fail(json::error_code& ec) {
    ec = json::error::syntax;
    return false;
  }

  std::vector<std::int64_t> dims_;  // -1 until the first list at that level ended
  std::size_t budget_;              // numbers still allowed (DecodeLimits::max_elements)
  std::vector<float> values_;
  std::size_t depth_ = 0;  // objects open: the body's is the one allowed
  std::size_t level_ = 0;  // lists open in the tensor's value
  Key key_ = Key::none;
  std::string key_text_, text_, number_text_;
  int values_seen_ = 0;  // "instances" or "inputs": exactly one
  bool signature_seen_ = false;
  RequestFormat format_ = RequestFormat::row;
};

}  // namespace

std::optional<PredictRequest> decode_plain_request(std::string_view body, const Signature& signature,
                                                   const DecodeLimits& limits) {
  if (signature.inputs.size() != 1 || !is_floating(signature.inputs[0].dtype)) return std::nullopt;
  const TensorSpec& spec = signature.inputs[0];
  if (spec.shape.rank() == 0) return std::nullopt;
  json::parse_options options;
  options.max_depth = limits.max_json_depth;
  std::size_t row_size = 1;
  for (std::size_t i = 1; i < spec.shape.rank(); ++i)
    row_size *= spec.shape[i] ? static_cast<std::size_t>(*spec.shape[i]) : 0;
  json::basic_parser<PlainHandler> parser(options, spec.shape.rank(), limits.max_elements, row_size);
  json::error_code ec;
  const std::size_t read = parser.write_some(false, body.data(), body.size(), ec);
  if (ec || read != body.size()) return std::nullopt;
  PlainHandler& handler = parser.handler();
  const Shape shape(handler.dims().begin(), handler.dims().end());
  if (!spec.shape.compatible_with(shape)) return std::nullopt;
  Tensor input = Tensor::from_values<float>(shape, handler.values());
  if (spec.dtype != DType::float32) input = input.astype(spec.dtype);
  PredictRequest request{handler.format(), {}, shape[0]};
  request.inputs.push_back(std::move(input));
  return request;
}

}  // namespace kplug::serve::detail
