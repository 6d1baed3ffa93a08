// What the image preprocessing layers share (keras/src/layers/preprocessing/image_preprocessing/
// base_image_preprocessing_layer.py): data_format and bounding_box_format, the factor
// forms of _set_factor and its variants, value_range, the rank check and the cast.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/image_preprocessing.hpp"
#include "layers/spatial_options.hpp"

#include <algorithm>
#include <cmath>

namespace kplug::layers {

namespace {

Number negated(const Number& n) {
  if (n.integral && !n.is_unsigned) return Number::integer(-n.exact);
  return Number::real(-n.value);
}

Number absolute(const Number& n) { return n.value < 0 || std::signbit(n.value) ? negated(n) : n; }

// Python's sorted([a, b]): stable, so equal values keep their order.
Factor sorted_pair(Number a, Number b) { return b.value < a.value ? Factor::range(b, a) : Factor::range(a, b); }

// Keras's bounds are Python ints: "[0, 1]".
std::string bound_text(double bound) {
  return bound == std::floor(bound) ? std::to_string(static_cast<std::int64_t>(bound)) : json::format_double(bound);
}
std::string bounds_text(const FactorRule& rule) {
  return "[" + bound_text(rule.lower_bound) + ", " + bound_text(rule.upper_bound) + "]";
}

bool within(const FactorRule& rule, double v) {
  const bool above_lower = rule.lower_bound_open ? v > rule.lower_bound : v >= rule.lower_bound;
  return above_lower && v <= rule.upper_bound;
}

// The pair Keras derives from one number.
Factor from_scalar(const Number& f, const FactorRule& rule) {
  switch (rule.scalar) {
    case FactorRule::Scalar::clamped: {
      const Number upper = absolute(f);
      const Number lower = negated(upper);
      // Python's max(-f, bound) keeps -f when equal; the bound is an int.
      return Factor::range(
          lower.value >= rule.lower_bound ? lower : Number::integer(static_cast<std::int64_t>(rule.lower_bound)),
          upper);
    }
    case FactorRule::Scalar::symmetric: return Factor::range(negated(absolute(f)), absolute(f));
    case FactorRule::Scalar::from_zero: return Factor::range(Number::integer(0), f);
  }
  return Factor::scalar(f);
}

}  // namespace

ValueRange default_value_range() { return {Number::integer(0), Number::integer(255)}; }

Factor read_factor(ConfigReader& reader, std::string_view key, const boost::json::value& value,
                   const FactorRule& rule) {
  const std::string message = "The `" + std::string(key) +
                              "` argument should be a number (or a list of two numbers) in the range " +
                              bounds_text(rule) + ". Received: " + std::string(key) + "=" + json::excerpt(value);
  if (const auto* list = value.if_array()) {
    if (list->size() != 2) reader.fail(key, message);
    const Number a = reader.as_number(std::string(key) + "[0]", (*list)[0]);
    const Number b = reader.as_number(std::string(key) + "[1]", (*list)[1]);
    const bool bad = rule.loose ? (a.value > rule.upper_bound || b.value < rule.lower_bound)
                                : !(within(rule, a.value) && within(rule, b.value));
    if (bad) reader.fail(key, message);
    return rule.as_given ? Factor::range(a, b) : sorted_pair(a, b);
  }
  if (!value.is_number()) reader.fail(key, message);
  const Number f = reader.as_number(key, value);
  if (!within(rule, f.value)) reader.fail(key, message);
  return rule.as_given ? Factor::scalar(f) : from_scalar(f, rule);
}

boost::json::value write_factor(const Factor& factor) {
  if (factor.values.size() == 1) return factor.values[0].to_json();
  return config::Codec<std::vector<Number>>::write(factor.values);
}

ValueRange read_value_range(ConfigReader& reader, std::string_view key, const boost::json::value& value, bool sorted) {
  const auto* list = value.if_array();
  if (!list || list->size() != 2) {
    reader.fail(key, "The `value_range` argument should be a list of two numbers. Received: value_range=" +
                         json::excerpt(value));
  }
  ValueRange range = config::Codec<ValueRange>::read(reader, key, value);
  if (sorted && range[1].value < range[0].value) std::swap(range[0], range[1]);
  return range;
}

config::Fields<ImagePreprocessingOptions> image_preprocessing_fields() {
  using O = ImagePreprocessingOptions;
  return {detail::data_format_field(&O::data_format),
          config::field("bounding_box_format", &O::bounding_box_format).write_if([](const O& o) {
            return o.bounding_box_format.has_value();
          })};
}

namespace detail {

void check_image_rank(const Layer& layer, const Shape& shape) {
  if (shape.size() != 3 && shape.size() != 4) {
    throw ValueError("Layer '" + layer.name() + "' (" + layer.class_name() +
                     "): Expected image tensor to have rank 3 (single image) or 4 (batch of images). Received: "
                     "data.shape=" +
                     shape_repr(shape));
  }
}

Tensor inference_images(const Tensor& images, bool cast) {
  if (!cast || images.dtype() == DType::float32) return images;
  return images.astype(DType::float32);
}

config::Check<std::string> one_of_or_not_implemented(std::string what, std::vector<std::string> choices) {
  return [what = std::move(what), choices = std::move(choices)](const std::string& v) -> std::string {
    if (std::find(choices.begin(), choices.end(), v) != choices.end()) return {};
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + ("'" + c + "'");
    return "Unknown `" + what + "` " + v + ". Expected of one (" + list + ").";
  };
}

void standardize_image_data_format(std::string& data_format) { standardize_data_format(data_format); }

}  // namespace detail

}  // namespace kplug::layers
