// Identity (keras/src/layers/core/identity.py) and Rescaling
// (keras/src/layers/preprocessing/rescaling.py).
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/core.hpp"

namespace kplug::layers {

// ---- Identity ----

const config::Fields<Identity::Options>& Identity::fields() {
  static const config::Fields<Options> none;
  return none;
}

Identity::Identity(Options options, LayerArgs args) : FieldsLayer(options, std::move(args)) { mark_built_at_init(); }

std::vector<PartialShape> Identity::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> Identity::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {std::move(args.inputs[0])};
}

// ---- Rescaling ----

namespace {

// A number or a rectangular nested list of numbers as a float32 tensor; the message names
// what is wrong, empty when fine.
std::string to_tensor(const boost::json::value& v, Tensor* out) {
  Shape shape;
  const boost::json::value* cur = &v;
  while (cur->is_array()) {
    const auto& a = cur->get_array();
    shape.push_back(static_cast<std::int64_t>(a.size()));
    if (a.empty()) break;
    cur = &a[0];
  }
  std::vector<float> values;
  std::string error;
  auto walk = [&](auto&& self, const boost::json::value& x, std::size_t depth) -> void {
    if (!error.empty()) return;
    if (depth == shape.size()) {
      if (!x.is_number()) {
        error = "expected a number or a list of numbers, got " + json::excerpt(x);
        return;
      }
      values.push_back(static_cast<float>(x.to_number<double>()));
      return;
    }
    const auto* a = x.if_array();
    if (!a || static_cast<std::int64_t>(a->size()) != shape[depth]) {
      error = "expected a rectangular (nested) list of numbers, got " + json::excerpt(v);
      return;
    }
    for (const auto& item : *a) self(self, item, depth + 1);
  };
  walk(walk, v, 0);
  if (error.empty() && out) *out = Tensor(shape, std::move(values));
  return error;
}

config::Field<Rescaling::Options> number_or_list(std::string key, boost::json::value Rescaling::Options::*member) {
  return config::custom_field<Rescaling::Options>(
      std::move(key),
      [member](ConfigReader& r, std::string_view k, const boost::json::value& v, Rescaling::Options& o) {
        if (std::string message = to_tensor(v, nullptr); !message.empty()) r.fail(k, message);
        o.*member = v;
      },
      [member](const Rescaling::Options& o) { return o.*member; }, false);
}

}  // namespace

const config::Fields<Rescaling::Options>& Rescaling::fields() {
  static const config::Fields<Options> list{number_or_list("scale", &Options::scale).required(),
                                            number_or_list("offset", &Options::offset)};
  return list;
}

Rescaling::Rescaling(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (std::string message = to_tensor(options_.scale, &scale_); !message.empty()) {
    throw ValueError("Rescaling scale: " + message);
  }
  if (std::string message = to_tensor(options_.offset, &offset_); !message.empty()) {
    throw ValueError("Rescaling offset: " + message);
  }
}

std::vector<PartialShape> Rescaling::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> Rescaling::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  const Tensor in = x.dtype() == DType::float32 ? x : x.astype(DType::float32);
  return {in * scale_ + offset_};
}

}  // namespace kplug::layers
