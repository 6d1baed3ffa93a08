// What the convolution layers (and ConvLSTM) share: their config field pieces in Keras's
// order, Keras's checks across keys, and the ops' padding and tuples.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/ops/nn.hpp"
#include "kplug/ops/prepared_conv.hpp"
#include "layers/spatial_options.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kplug::layers::detail {

// The oneDNN post-ops that compute `activation` inside a convolution, or nullopt when it has
// none (a plugin's function, softmax...): then it runs after.
inline std::optional<std::vector<ops::ConvPostOp>> fusable_post_ops(const Activation& activation) {
  const NamedFunction* f = activation.as_named_function();
  return f ? ops::activation_post_ops(f->name()) : std::nullopt;
}

inline ops::Padding to_padding(const std::string& p) {
  return p == "same" ? ops::Padding::same : p == "causal" ? ops::Padding::causal : ops::Padding::valid;
}

inline std::string spatial_names(std::size_t rank) {
  return rank == 1 ? "steps" : rank == 2 ? "rows, cols" : "depth, rows, cols";
}

// ops options from Keras's tuples.
template <std::size_t Rank>
std::vector<std::int64_t> to_vector(const config::IntTuple<Rank>& t) {
  return {t.values.begin(), t.values.end()};
}

// The ops' options from a window (groups 1).
template <std::size_t Rank>
ops::ConvNdOptions nd_options(const ConvWindowOptions<Rank>& o) {
  return {to_vector(o.strides), to_vector(o.dilation_rate), to_padding(o.padding), 1};
}

// ---- Keras's checks: a message, or empty ----

// Keras's constructor checks, for options built in code: the first message as a ValueError.
inline void throw_first_error(std::initializer_list<std::string> messages) {
  for (const std::string& m : messages) {
    if (!m.empty()) throw ValueError(m);
  }
}

// filters, depth_multiplier.
inline std::string positive_error(std::int64_t value, const std::string& name) {
  if (value > 0) return {};
  return "Invalid value for argument `" + name + "`. Expected a strictly positive value. Received " + name + "=" +
         std::to_string(value) + ".";
}

inline config::Check<std::int64_t> positive_check(std::string name) {
  return [name](const std::int64_t& v) { return positive_error(v, name); };
}

// kernel_size, strides, dilation_rate, padding, data_format.
template <std::size_t Rank>
std::string window_error(const ConvWindowOptions<Rank>& o, bool allow_causal) {
  for (const auto& [key, t] : {std::pair<const char*, const config::IntTuple<Rank>*>{"kernel_size", &o.kernel_size},
                               {"strides", &o.strides},
                               {"dilation_rate", &o.dilation_rate}}) {
    if (std::string e = tuple_error(*t, key); !e.empty()) return e;
  }
  if (std::string e = padding_error(o.padding, allow_causal); !e.empty()) return e;
  return data_format_error(o.data_format);
}

// strides > 1 with dilation_rate > 1, refused after `prefix` (each family words it its way).
template <std::size_t Rank>
std::string strides_with_dilation_error(const ConvWindowOptions<Rank>& o, const std::string& prefix) {
  std::int64_t max_stride = 1, max_dilation = 1;
  for (std::size_t i = 0; i < Rank; ++i) {
    max_stride = std::max(max_stride, o.strides[i]);
    max_dilation = std::max(max_dilation, o.dilation_rate[i]);
  }
  if (max_stride <= 1 || max_dilation <= 1) return {};
  return prefix + " Received: strides=" + tuple_repr(o.strides) + " and dilation_rate=" + tuple_repr(o.dilation_rate);
}

// The conv layers' wording of it.
template <std::size_t Rank>
std::string conv_strides_with_dilation_error(const ConvWindowOptions<Rank>& o) {
  return strides_with_dilation_error(o, "`strides > 1` not supported in conjunction with `dilation_rate > 1`.");
}

// ---- field pieces ----

// `f`, then `check` over the options read so far: Keras's checks across keys, failing on
// f's key (the later of the keys involved).
template <class O>
config::Field<O> then_check(const config::Field<O>& f, std::function<std::string(const O&)> check) {
  return config::custom_field<O>(
      f.key(),
      [read = f.reader(), check](ConfigReader& r, std::string_view k, const boost::json::value& v, O& o) {
        read(r, k, v, o);
        if (std::string message = check(o); !message.empty()) r.fail(k, message);
      },
      f.writer(), f.accepts_null());
}

// kernel_size, strides, padding.
template <std::size_t Rank>
config::Fields<ConvWindowOptions<Rank>> window_fields(bool allow_causal) {
  using O = ConvWindowOptions<Rank>;
  return {config::field("kernel_size", &O::kernel_size).check(tuple_check<Rank>("kernel_size")).required(),
          config::field("strides", &O::strides).check(tuple_check<Rank>("strides")),
          config::field("padding", &O::padding).check(padding_check(allow_causal))};
}

// data_format, dilation_rate (with `dilation_check` across keys, if any).
template <std::size_t Rank>
config::Fields<ConvWindowOptions<Rank>> layout_fields(
    std::function<std::string(const ConvWindowOptions<Rank>&)> dilation_check = {}) {
  using O = ConvWindowOptions<Rank>;
  config::Field<O> dilation =
      config::field("dilation_rate", &O::dilation_rate).check(tuple_check<Rank>("dilation_rate"));
  return {config::field("data_format", &O::data_format).null_is_default().check(data_format_check()),
          dilation_check ? then_check(dilation, std::move(dilation_check)) : dilation};
}

// activation, use_bias.
template <std::size_t Rank>
config::Fields<BaseConvOptions<Rank>> activation_fields() {
  using O = BaseConvOptions<Rank>;
  return {activation_field("activation", &O::activation), config::field("use_bias", &O::use_bias)};
}

// A kernel's arguments, `<name>_initializer` etc.
template <class O>
struct KernelMembers {
  std::string name;
  std::shared_ptr<Initializer> O::*initializer;
  std::shared_ptr<Regularizer> O::*regularizer;
  std::shared_ptr<Constraint> O::*constraint;
};

// Keras's order: each kernel's initializer then the bias's, the regularizers alike, the
// layer's activity_regularizer, the constraints alike.
template <class O>
config::Fields<O> weight_fields(const std::vector<KernelMembers<O>>& kernels) {
  config::Fields<O> initializers, regularizers, constraints;
  for (const auto& k : kernels) {
    initializers += config::Fields<O>{config::field(k.name + "_initializer", k.initializer)};
    regularizers += config::Fields<O>{config::field(k.name + "_regularizer", k.regularizer)};
    constraints += config::Fields<O>{config::field(k.name + "_constraint", k.constraint)};
  }
  initializers += config::Fields<O>{config::field("bias_initializer", &O::bias_initializer)};
  regularizers += config::Fields<O>{config::field("bias_regularizer", &O::bias_regularizer),
                                    activity_regularizer_field(&O::activity_regularizer)};
  constraints += config::Fields<O>{config::field("bias_constraint", &O::bias_constraint)};
  return initializers + regularizers + constraints;
}

}  // namespace kplug::layers::detail
