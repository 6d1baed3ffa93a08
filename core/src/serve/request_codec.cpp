#include "kplug/serve/request_codec.hpp"

#include "kplug/errors.hpp"
#include "serve/plain_request.hpp"
#include "util/suggest.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <optional>

namespace kplug::serve {
namespace json = boost::json;
namespace {

[[noreturn]] void bad_request(const std::string& message) { throw RequestError(400, message); }

std::vector<std::string> input_names(const Signature& signature) {
  std::vector<std::string> names;
  for (const TensorSpec& spec : signature.inputs) names.push_back(spec.name);
  return names;
}

std::string shape_text(const PartialShape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.rank(); ++i) {
    text += (i ? ", " : "") + (shape[i] ? std::to_string(*shape[i]) : std::string("-1"));
  }
  return text + "]";
}

// One input's values gathered from one or several JSON values (the whole batch in the
// columnar format and in a plain `instances` list; one per instance when instances are
// objects), the shape taken from the first list at each depth and checked for the others.
class TensorBuilder {
 public:
  TensorBuilder(const TensorSpec& spec, std::size_t& budget) : spec_(spec), budget_(budget) {}

  // `value` holds `rank` nested lists; `path` names it in errors.
  void add(const json::value& value, std::size_t rank, const std::string& path) {
    if (dims_.empty()) dims_.assign(rank, -1);
    base_path_ = path;
    index_.clear();
    walk(value, 0);
  }

  // The tensor, its leading dim `rows` (instances) prepended when built from instances.
  Tensor build(std::optional<std::int64_t> rows) const {
    Shape shape;
    if (rows) shape.push_back(*rows);
    for (std::int64_t d : dims_) shape.push_back(d < 0 ? 0 : d);
    if (!spec_.shape.compatible_with(shape)) {
      bad_request("input '" + spec_.name + "': the values have shape " + shape_text(PartialShape::known(shape)) +
                  ", the model takes " + shape_text(spec_.shape));
    }
    if (is_floating(spec_.dtype)) {
      Tensor out = Tensor::from_values<float>(shape, numbers_);
      return spec_.dtype == DType::float32 ? out : out.astype(spec_.dtype);
    }
    if (spec_.dtype == DType::bool_) {
      Tensor out = Tensor::from_values<std::int64_t>(shape, integers_);
      return out.astype(DType::bool_);
    }
    Tensor out = Tensor::from_values<std::int64_t>(shape, integers_);
    return spec_.dtype == DType::int64 ? out : out.astype(spec_.dtype);
  }

 private:
  void walk(const json::value& value, std::size_t depth) {
    if (depth == dims_.size()) return scalar(value);
    const json::array* list = value.if_array();
    if (!list) {
      bad_request(path() + ": expected a list (input '" + spec_.name + "' takes rank-" +
                  std::to_string(spec_.shape.rank()) + " values of shape " + shape_text(spec_.shape) + "), got " +
                  kind_of(value));
    }
    const auto length = static_cast<std::int64_t>(list->size());
    if (dims_[depth] < 0) dims_[depth] = length;
    if (dims_[depth] != length) {
      bad_request(path() + ": a list of " + std::to_string(length) + " where the first has " +
                  std::to_string(dims_[depth]) + " (input '" + spec_.name +
                  "': lists at one depth must have one length)");
    }
    index_.push_back(0);
    for (const json::value& item : *list) {
      walk(item, depth + 1);
      ++index_.back();
    }
    index_.pop_back();
  }

  void scalar(const json::value& value) {
    if (budget_ == 0) bad_request(path() + ": the request holds too many values (over the server's limit)");
    --budget_;
    if (const json::object* object = value.if_object(); object && object->contains("b64")) {
      bad_request(path() + ": {\"b64\": ...} values are not supported (input '" + spec_.name + "' is " +
                  tf_dtype_name(spec_.dtype) + "; kplug serves no string inputs)");
    }
    if (is_floating(spec_.dtype)) {
      if (!value.is_number()) expected("a number", value);
      numbers_.push_back(static_cast<float>(number_of(value)));
    } else if (spec_.dtype == DType::bool_) {
      if (!value.is_bool()) expected("true or false", value);
      integers_.push_back(value.get_bool() ? 1 : 0);
    } else {
      if (!value.is_int64() && !value.is_uint64()) expected("an integer", value);
      if (value.is_uint64() && value.get_uint64() > std::uint64_t(INT64_MAX)) expected("an int64", value);
      integers_.push_back(value.is_int64() ? value.get_int64() : std::int64_t(value.get_uint64()));
    }
  }

  // A number value as a double (to_number<double> builds an error_code for every value: a
  // third of the walk's time on a large body).
  static double number_of(const json::value& value) {
    if (value.is_double()) return value.get_double();
    return value.is_int64() ? static_cast<double>(value.get_int64()) : static_cast<double>(value.get_uint64());
  }

  [[noreturn]] void expected(const char* what, const json::value& value) const {
    std::string got = kind_of(value);
    if (value.is_array()) got += " (the values are nested deeper than input '" + spec_.name + "' takes)";
    bad_request(path() + ": expected " + what + " for input '" + spec_.name + "' (" + tf_dtype_name(spec_.dtype) +
                ", shape " + shape_text(spec_.shape) + "), got " + got);
  }

  // The JSON path of the value being read, built only for an error message.
  std::string path() const {
    std::string text = base_path_;
    for (std::size_t i : index_) text += "[" + std::to_string(i) + "]";
    return text;
  }

  static std::string kind_of(const json::value& value) {
    switch (value.kind()) {
      case json::kind::array: return "a list";
      case json::kind::object: return "an object";
      case json::kind::string: return "a string";
      case json::kind::bool_: return "a boolean";
      case json::kind::null: return "null";
      case json::kind::double_: return "a number (" + json::serialize(value) + ")";
      default: return "an integer";
    }
  }

  const TensorSpec& spec_;
  std::size_t& budget_;
  std::vector<std::int64_t> dims_;  // -1 until the first list at that depth
  std::vector<float> numbers_;
  std::vector<std::int64_t> integers_;
  std::string base_path_;           // the path add() was given
  std::vector<std::size_t> index_;  // the list positions walk() is at
};

// The signature input a key names: 400 naming the unknown key and the inputs.
std::size_t input_index(const Signature& signature, std::string_view key, const std::string& where) {
  for (std::size_t i = 0; i < signature.inputs.size(); ++i) {
    if (signature.inputs[i].name == key) return i;
  }
  const auto names = input_names(signature);
  if (key == "b64") bad_request(where + ": {\"b64\": ...} values are not supported (kplug serves no string inputs)");
  bad_request(where + ": unknown input '" + std::string(key) + "'; the model's inputs are [" +
              kplug::detail::quoted_list(names) + "]." + kplug::detail::did_you_mean(key, names));
}

// Named values of one object: every input once, nothing else.
std::vector<const json::value*> named_values(const json::object& object, const Signature& signature,
                                             const std::string& where) {
  std::vector<const json::value*> values(signature.inputs.size(), nullptr);
  for (const auto& [key, value] : object) values[input_index(signature, key, where)] = &value;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i]) bad_request(where + ": missing input '" + signature.inputs[i].name + "'");
  }
  return values;
}

// A single-input model's instance or inputs given as an object: {"<input name>": value}.
bool is_named(const json::value& value, const Signature& signature) {
  return value.is_object() &&
         !(signature.inputs.size() == 1 && signature.inputs[0].shape.rank() == 1 && value.as_object().contains("b64"));
}

std::int64_t common_batch(const std::vector<Tensor>& inputs, const Signature& signature) {
  const std::int64_t rows = inputs.at(0).rank() ? inputs[0].dim(0) : 0;
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    if (inputs[i].dim(0) != rows) {
      bad_request("inputs: '" + signature.inputs[i].name + "' has " + std::to_string(inputs[i].dim(0)) +
                  " rows where '" + signature.inputs[0].name + "' has " + std::to_string(rows) +
                  " (every input must have the same batch size)");
    }
  }
  if (rows == 0) bad_request("inputs: the batch is empty");
  return rows;
}

PredictRequest decode_rows(const json::value& instances, const Signature& signature, std::size_t& budget) {
  const json::array* list = instances.if_array();
  if (!list) bad_request("instances: expected a list of instances");
  if (list->empty()) bad_request("instances: the list is empty");
  PredictRequest request{RequestFormat::row, {}, static_cast<std::int64_t>(list->size())};
  std::vector<TensorBuilder> builders;
  for (const TensorSpec& spec : signature.inputs) builders.emplace_back(spec, budget);
  const bool named = signature.inputs.size() > 1 || is_named(list->front(), signature);
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string where = "instances[" + std::to_string(i) + "]";
    const json::value& instance = (*list)[i];
    if (!named) {
      builders[0].add(instance, signature.inputs[0].shape.rank() - 1, where);
      continue;
    }
    if (!instance.is_object()) {
      bad_request(where + ": expected an object {input name: value} (the model's inputs are [" +
                  kplug::detail::quoted_list(input_names(signature)) + "])");
    }
    const auto values = named_values(instance.as_object(), signature, where);
    for (std::size_t k = 0; k < values.size(); ++k) {
      builders[k].add(*values[k], signature.inputs[k].shape.rank() - 1, where + "." + signature.inputs[k].name);
    }
  }
  for (const TensorBuilder& builder : builders) request.inputs.push_back(builder.build(request.batch_size));
  return request;
}

PredictRequest decode_columns(const json::value& inputs, const Signature& signature, std::size_t& budget) {
  PredictRequest request{RequestFormat::columnar, {}, 0};
  const bool named = signature.inputs.size() > 1 || is_named(inputs, signature);
  if (named && !inputs.is_object()) {
    bad_request("inputs: expected an object {input name: value} (the model's inputs are [" +
                kplug::detail::quoted_list(input_names(signature)) + "])");
  }
  std::vector<const json::value*> values{&inputs};
  if (named) values = named_values(inputs.as_object(), signature, "inputs");
  for (std::size_t k = 0; k < values.size(); ++k) {
    TensorBuilder builder(signature.inputs[k], budget);
    builder.add(*values[k], signature.inputs[k].shape.rank(), named ? "inputs." + signature.inputs[k].name : "inputs");
    request.inputs.push_back(builder.build(std::nullopt));
  }
  request.batch_size = common_batch(request.inputs, signature);
  return request;
}

// `storage`: where the parsed values live (the caller's, so they outlive this call).
json::value parse_body(std::string_view body, const DecodeLimits& limits, json::storage_ptr storage) {
  json::parse_options options;
  options.max_depth = limits.max_json_depth;
  std::error_code ec;
  json::value value = json::parse(body, ec, std::move(storage), options);
  if (ec) {
    if (ec == json::error::too_deep) {
      bad_request("JSON Parse error: nested deeper than " + std::to_string(limits.max_json_depth) + " levels");
    }
    bad_request("JSON Parse error: " + ec.message());
  }
  if (!value.is_object()) bad_request("JSON Parse error: the body must be an object with \"instances\" or \"inputs\"");
  return value;
}

}  // namespace

PredictRequest decode_predict_request(std::string_view body, const Signature& signature, const DecodeLimits& limits) {
  // Most bodies take the one-pass path (a fifth of the time for a 5 KB body); the rest, errors
  // included, this one.
  if (auto plain = detail::decode_plain_request(body, signature, limits)) return std::move(*plain);
  // The parsed body lives in blocks freed at once on return, not one allocation per list and
  // per object: parsing and freeing a 5 KB body of 768 numbers costs half as much. About three
  // bytes of values per byte of body (a number of ~6 characters becomes a 16-byte value).
  json::monotonic_resource storage(std::min<std::size_t>(3 * body.size() + 1024, std::size_t{1} << 20));
  const json::value value = parse_body(body, limits, json::storage_ptr(&storage));
  const json::object& object = value.as_object();
  const json::value* instances = nullptr;
  const json::value* inputs = nullptr;
  for (const auto& [key, member] : object) {
    if (key == "instances") {
      instances = &member;
    } else if (key == "inputs") {
      inputs = &member;
    } else if (key == "signature_name") {
      if (!member.is_string()) bad_request("signature_name: expected a string");
      const std::string_view name = member.get_string();
      if (!name.empty() && name != kDefaultSignature) {
        bad_request("Serving signature name: \"" + std::string(name) +
                    "\" not found in signature def (the model has \"" + kDefaultSignature + "\" only)");
      }
    } else {
      bad_request("unknown key \"" + std::string(key) +
                  "\"; a predict request holds \"instances\" or \"inputs\" and optionally \"signature_name\"." +
                  kplug::detail::did_you_mean(key, {"instances", "inputs", "signature_name"}));
    }
  }
  if (instances && inputs) bad_request("a request holds \"instances\" (row format) or \"inputs\" (columnar), not both");
  if (!instances && !inputs) bad_request("Missing 'inputs' or 'instances' key");
  if (signature.inputs.empty()) bad_request("the model has no inputs");
  std::size_t budget = limits.max_elements;
  return instances ? decode_rows(*instances, signature, budget) : decode_columns(*inputs, signature, budget);
}

namespace {

// Appends a tensor's values as nested JSON lists, straight into the response text.
class TensorWriter {
 public:
  explicit TensorWriter(std::string& out) : out_(out) {}

  // The `rows` of `tensor` from `row` (a whole tensor: row 0, its one "row" being itself).
  void write(const Tensor& tensor, std::int64_t begin_flat, std::size_t first_axis) {
    const Tensor& t = tensor;
    if (first_axis == static_cast<std::size_t>(t.rank())) return scalar(t, begin_flat);
    const std::int64_t length = t.dim(static_cast<std::int64_t>(first_axis));
    std::int64_t stride = 1;
    for (auto a = static_cast<std::int64_t>(first_axis) + 1; a < t.rank(); ++a) stride *= t.dim(a);
    out_ += '[';
    for (std::int64_t i = 0; i < length; ++i) {
      if (i) out_ += ',';
      write(t, begin_flat + i * stride, first_axis + 1);
    }
    out_ += ']';
  }

 private:
  void scalar(const Tensor& t, std::int64_t index) {
    char buffer[64];
    std::to_chars_result result{};
    switch (t.dtype()) {
      case DType::float32: return number(t.data_as<float>()[index]);
      case DType::bool_: out_ += t.data_as<bool>()[index] ? "true" : "false"; return;
      case DType::int32:
        result = std::to_chars(buffer, buffer + sizeof buffer, t.data_as<std::int32_t>()[index]);
        break;
      case DType::int64:
        result = std::to_chars(buffer, buffer + sizeof buffer, t.data_as<std::int64_t>()[index]);
        break;
      default: throw NotSupportedError("serving outputs of dtype " + std::string(dtype_name(t.dtype())));
    }
    out_.append(buffer, result.ptr);
  }

  void number(float x) {
    if (std::isnan(x)) {
      out_ += "NaN";
    } else if (std::isinf(x)) {
      out_ += x > 0 ? "Infinity" : "-Infinity";
    } else {
      char buffer[32];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
      out_.append(buffer, result.ptr);
    }
  }

  std::string& out_;
};

// float16 and friends are answered as float32; the rest as they are.
Tensor answerable(const Tensor& t) {
  return is_floating(t.dtype()) && t.dtype() != DType::float32 ? t.astype(DType::float32) : t;
}

void write_key(std::string& out, const std::string& name) {
  out += json::serialize(json::string(name));
  out += ':';
}

}  // namespace

std::string encode_predict_response(RequestFormat format, const Signature& signature,
                                    const std::vector<Tensor>& outputs) {
  std::vector<Tensor> values;
  for (const Tensor& t : outputs) values.push_back(answerable(t));
  std::string out;
  TensorWriter writer(out);
  const bool named = values.size() > 1;
  auto name = [&](std::size_t k) {
    return k < signature.outputs.size() ? signature.outputs[k].name : "output_" + std::to_string(k);
  };
  if (format == RequestFormat::columnar) {
    out += "{\"outputs\":";
    if (named) out += '{';
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (k) out += ',';
      if (named) write_key(out, name(k));
      writer.write(values[k], 0, 0);
    }
    out += named ? "}}" : "}";
    return out;
  }
  out += "{\"predictions\":[";
  const std::int64_t rows = values.empty() || values[0].rank() == 0 ? 0 : values[0].dim(0);
  for (std::int64_t row = 0; row < rows; ++row) {
    if (row) out += ',';
    if (named) out += '{';
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (k) out += ',';
      if (named) write_key(out, name(k));
      writer.write(values[k], row * (values[k].size() / values[k].dim(0)), 1);
    }
    if (named) out += '}';
  }
  out += "]}";
  return out;
}

std::string encode_error(std::string_view message) {
  return "{\"error\":" + json::serialize(json::string(message)) + "}";
}

}  // namespace kplug::serve
