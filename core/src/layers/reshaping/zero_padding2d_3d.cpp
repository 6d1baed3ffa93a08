// ZeroPadding2D/3D (keras/src/layers/reshaping/zero_padding{2,3}d.py).
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/shape.hpp"
#include "layers/fields_layer.hpp"
#include "layers/spatial_options.hpp"

#include <utility>

namespace kplug::layers {
namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

// Keras's names for the entries of `padding` in its messages.
std::string entry_name(std::size_t i) {
  static const char* const ordinals[] = {"1st", "2nd", "3rd"};
  return std::string(ordinals[i]) + " entry of padding";
}

std::string pair_repr(const Pair& p) { return "(" + std::to_string(p.first) + ", " + std::to_string(p.second) + ")"; }

// Empty when every side is >= 0, else Keras's standardize_tuple message.
template <std::size_t N>
std::string padding_error(const std::array<Pair, N>& padding) {
  for (std::size_t i = 0; i < N; ++i) {
    for (std::int64_t v : {padding[i].first, padding[i].second}) {
      if (v < 0) {
        return "The `" + entry_name(i) + "` argument must be a tuple of 2 integers. Received " + entry_name(i) + "=" +
               pair_repr(padding[i]) + ", including values {" + std::to_string(v) +
               "} that do not satisfy `value >= 0`";
      }
    }
  }
  return {};
}

std::int64_t read_side(ConfigReader& r, const std::string& key, const boost::json::value& v) {
  const std::int64_t x = r.as_integer(key, v);
  if (x < 0) r.fail(key, "`padding` cannot be negative. Received: " + std::to_string(x));
  return x;
}

// One axis: an int (both sides) or a pair.
Pair read_axis(ConfigReader& r, const std::string& key, const boost::json::value& v, std::size_t i) {
  if (!v.is_array()) {
    const std::int64_t x = read_side(r, key, v);
    return {x, x};
  }
  const auto& list = v.get_array();
  if (list.size() != 2) {
    r.fail(key, "The `" + entry_name(i) + "` argument must be a tuple of 2 integers. Received a list of " +
                    std::to_string(list.size()) + " elements");
  }
  return {read_side(r, key + "[0]", list[0]), read_side(r, key + "[1]", list[1])};
}

template <std::size_t N>
config::Field<ZeroPaddingOptions<N>> padding_field() {
  using Options = ZeroPaddingOptions<N>;
  return config::custom_field<Options>(
      "padding",
      [](ConfigReader& r, std::string_view key_view, const boost::json::value& v, Options& o) {
        const std::string key(key_view);
        if (!v.is_array()) {
          const std::int64_t x = read_side(r, key, v);
          o.padding.fill({x, x});
          return;
        }
        const auto& list = v.get_array();
        if (list.size() != N) {
          r.fail(key, "`padding` should have " + std::string(N == 2 ? "two" : "3") +
                          " elements (an int, or one int or (before, after) pair per spatial axis). Received a list "
                          "of " +
                          std::to_string(list.size()));
        }
        for (std::size_t i = 0; i < N; ++i)
          o.padding[i] = read_axis(r, key + "[" + std::to_string(i) + "]", list[i], i);
      },
      [](const Options& o) -> boost::json::value {
        boost::json::array out;
        for (const auto& [before, after] : o.padding) out.push_back(boost::json::array{before, after});
        return out;
      },
      false);
}

// The first spatial axis of a rank-(N + 2) input.
std::size_t first_spatial(const std::string& data_format) { return data_format == "channels_first" ? 2 : 1; }

}  // namespace

template <std::size_t N>
const config::Fields<ZeroPaddingOptions<N>>& BaseZeroPadding<N>::fields() {
  using O = ZeroPaddingOptions<N>;
  static const config::Fields<O> f{
      padding_field<N>(),
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check())};
  return f;
}

template <std::size_t N>
BaseZeroPadding<N>::BaseZeroPadding(Options options, LayerArgs args)
    : Layer(std::move(args)), options_(std::move(options)) {
  if (std::string e = padding_error(options_.padding); !e.empty()) throw ValueError(e);
  if (std::string e = detail::data_format_error(options_.data_format); !e.empty()) throw ValueError(e);
  options_.data_format = detail::lower(options_.data_format);
}

template <std::size_t N>
boost::json::object BaseZeroPadding<N>::get_config() const {
  return detail::write_fields_layer(*this, options_, fields());
}

template <std::size_t N>
std::vector<PartialShape> BaseZeroPadding<N>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() != N + 2) fail("expects inputs of rank " + std::to_string(N + 2) + ", got shape " + out.to_string());
  const std::size_t first = first_spatial(options_.data_format);
  for (std::size_t i = 0; i < N; ++i) {
    Dim& d = out[first + i];
    if (d) d = *d + options_.padding[i].first + options_.padding[i].second;
  }
  return {out};
}

template <std::size_t N>
std::vector<Tensor> BaseZeroPadding<N>::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != static_cast<std::int64_t>(N + 2))
    fail("expects inputs of rank " + std::to_string(N + 2) + ", got shape " + shape_repr(x.shape()));
  std::vector<Pair> pads(N + 2, {0, 0});
  const std::size_t first = first_spatial(options_.data_format);
  for (std::size_t i = 0; i < N; ++i) pads[first + i] = options_.padding[i];
  return {ops::pad(x, pads)};
}

template class BaseZeroPadding<2>;
template class BaseZeroPadding<3>;

ZeroPadding2D::ZeroPadding2D(Options options, LayerArgs args)
    : BaseZeroPadding<2>(std::move(options), std::move(args)) {}

std::shared_ptr<ZeroPadding2D> ZeroPadding2D::from_config(const boost::json::object& config,
                                                          DeserializationContext& context) {
  return detail::read_fields_layer<ZeroPadding2D>(config, context, "ZeroPadding2D");
}

ZeroPadding3D::ZeroPadding3D(Options options, LayerArgs args)
    : BaseZeroPadding<3>(std::move(options), std::move(args)) {}

std::shared_ptr<ZeroPadding3D> ZeroPadding3D::from_config(const boost::json::object& config,
                                                          DeserializationContext& context) {
  return detail::read_fields_layer<ZeroPadding3D>(config, context, "ZeroPadding3D");
}

}  // namespace kplug::layers
