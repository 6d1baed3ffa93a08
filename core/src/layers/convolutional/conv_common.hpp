// What the convolution layers share: Keras's config order around activity_regularizer,
// the channels_first round trip, and the output shape of a forward convolution.
#pragma once

#include "kplug/activations.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/serialization.hpp"
#include "layers/spatial_options.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kplug::layers::detail {

inline ops::Padding to_padding(const std::string& p) {
  return p == "same" ? ops::Padding::same : p == "causal" ? ops::Padding::causal : ops::Padding::valid;
}

// Keras's conv-family get_config: the base keys, `head` (up to bias_regularizer),
// activity_regularizer, then `tail` (the constraints).
template <class Options>
boost::json::object conv_family_config(const boost::json::object& base, const std::shared_ptr<Regularizer>& activity,
                                       const config::Fields<Options>& head, const config::Fields<Options>& tail,
                                       const Options& options) {
  boost::json::object config;
  for (const auto& item : base) {
    if (item.key() != "activity_regularizer") config.emplace(item.key(), item.value());
  }
  head.write_into(options, config);
  config["activity_regularizer"] = serialize(activity);
  tail.write_into(options, config);
  return config;
}

// Channels last for the ops: channels_first inputs have their channel axis moved last.
inline Tensor to_channels_last(const Tensor& input, bool channels_first) {
  return channels_first ? input.move_axis_to_last(1) : input;
}

// + bias, back to Keras's layout, then the activation (an axis-wise one acts on Keras's last axis).
inline Tensor finish_conv(Tensor y, const VariablePtr& bias, bool channels_first, const Activation& activation) {
  if (bias) y = y + bias->value();
  if (channels_first) y = y.move_last_axis_to(1);
  return activation(y);
}

inline std::string spatial_names(std::size_t rank) {
  return rank == 1 ? "steps" : rank == 2 ? "rows, cols" : "depth, rows, cols";
}

// Keras's conv-family from_config: the base layer arguments, `head` and `tail` (the whole
// config but activity_regularizer, which LayerArgs reads), then the family's own checks
// (`options_error` gives the offending key and message, or an empty message).
template <class Options, class Check>
std::pair<Options, LayerArgs> read_conv_family_config(const boost::json::object& config,
                                                      DeserializationContext& context, const std::string& class_name,
                                                      const config::Fields<Options>& head,
                                                      const config::Fields<Options>& tail, Check options_error) {
  ConfigReader reader(config, context, class_name);
  LayerArgs args = LayerArgs::read(reader);
  Options o;
  head.read_into(reader, o);
  tail.read_into(reader, o);
  if (auto [key, message] = options_error(o); !message.empty()) reader.fail(key, message);
  reader.finish();
  return {std::move(o), std::move(args)};
}

// The input's channel count, checked as every conv-family build does: rank Rank + 2 and a
// known channel dimension; otherwise `fail` (the layer's, which names it) is called.
template <std::size_t Rank, class Fail>
std::int64_t conv_input_channels(const PartialShape& in, const std::string& data_format, Fail fail) {
  if (in.rank() != Rank + 2) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + " (batch, " + spatial_names(Rank) + ", channels in " +
         data_format + " order), got shape " + in.to_string());
  }
  const Dim& channels = in[data_format == "channels_first" ? 1 : Rank + 1];
  if (!channels) fail("needs a known channel dimension to build, got input shape " + in.to_string());
  return *channels;
}

// Keras's compute_conv_output_shape: `out_channels` on the channel axis, each known spatial
// length through ops::conv_output_length; an empty output is Keras's message, returned in
// `error` (the layer fails with its name).
template <std::size_t Rank>
PartialShape conv_output_shape(const PartialShape& in, std::int64_t out_channels, const config::IntTuple<Rank>& kernel,
                               const config::IntTuple<Rank>& strides, const config::IntTuple<Rank>& dilation,
                               const std::string& padding, bool channels_first, std::string& error) {
  PartialShape out = in;
  const std::size_t first_spatial = channels_first ? 2 : 1;
  const ops::Padding p = to_padding(padding);
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[first_spatial + i];
    if (!d) continue;
    const std::int64_t span = (kernel[i] - 1) * dilation[i] + 1;
    if (p == ops::Padding::valid && *d < span) {
      error = "Computed output size would be zero or negative. Received `inputs shape=" + in.to_string() +
              "`, `kernel_size=" + tuple_repr(kernel) + "`, `dilation_rate=" + tuple_repr(dilation) +
              "`, `strides=" + tuple_repr(strides) + "`, `padding=" + padding + "`.";
      return out;
    }
    d = ops::conv_output_length(*d, kernel[i], strides[i], dilation[i], p);
  }
  out[channels_first ? 1 : Rank + 1] = out_channels;
  return out;
}

// ops options from Keras's tuples.
template <std::size_t Rank>
std::vector<std::int64_t> to_vector(const config::IntTuple<Rank>& t) {
  return {t.values.begin(), t.values.end()};
}

}  // namespace kplug::layers::detail
