// Cropping1D/2D/3D (keras/src/layers/reshaping/cropping{1,2,3}d.py).
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/shape.hpp"
#include "layers/fields_layer.hpp"

namespace kplug::layers {

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

std::int64_t non_negative(ConfigReader& r, const std::string& key, const boost::json::value& v) {
  const std::int64_t x = r.as_integer(key, v);
  if (x < 0) r.fail(key, "`cropping` cannot be negative. Received: " + std::to_string(x));
  return x;
}

// One axis: an int (both sides) or a pair.
Pair read_pair(ConfigReader& r, const std::string& key, const boost::json::value& v) {
  if (!v.is_array()) {
    const std::int64_t x = non_negative(r, key, v);
    return {x, x};
  }
  const auto& list = v.get_array();
  if (list.size() != 2)
    r.fail(key, "expected an int or a list of 2 ints, got a list of " + std::to_string(list.size()));
  return {non_negative(r, key + "[0]", list[0]), non_negative(r, key + "[1]", list[1])};
}

// Cropping1D: an int or (before, after). 2D/3D: an int for every side, N ints (symmetric
// per axis) or N pairs.
template <std::size_t N>
config::Field<CroppingOptions<N>> cropping_field() {
  using Options = CroppingOptions<N>;
  return config::custom_field<Options>(
      "cropping",
      [](ConfigReader& r, std::string_view key_view, const boost::json::value& v, Options& o) {
        const std::string key(key_view);
        if constexpr (N == 1) {
          o.cropping[0] = read_pair(r, key, v);
        } else {
          if (!v.is_array()) {
            const std::int64_t x = non_negative(r, key, v);
            o.cropping.fill({x, x});
            return;
          }
          const auto& list = v.get_array();
          if (list.size() != N) {
            r.fail(key, "`cropping` should have " + std::to_string(N) + " elements. Received a list of " +
                            std::to_string(list.size()));
          }
          for (std::size_t i = 0; i < N; ++i)
            o.cropping[i] = read_pair(r, key + "[" + std::to_string(i) + "]", list[i]);
        }
      },
      [](const Options& o) -> boost::json::value {
        if constexpr (N == 1) {
          return boost::json::array{o.cropping[0].first, o.cropping[0].second};
        } else {
          boost::json::array out;
          for (const auto& [a, b] : o.cropping) out.push_back(boost::json::array{a, b});
          return out;
        }
      },
      false);
}

template <std::size_t N>
config::Field<CroppingOptions<N>> data_format_field() {
  using Options = CroppingOptions<N>;
  return config::custom_field<Options>(
      "data_format",
      [](ConfigReader& r, std::string_view key, const boost::json::value& v, Options& o) {
        if (v.is_null()) {
          o.data_format = "channels_last";  // keras.config.image_data_format()
          return;
        }
        std::string f = r.as_string(key, v);
        for (char& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (f != "channels_last" && f != "channels_first") {
          r.fail(key, "The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: " +
                          std::string(r.as_string(key, v)));
        }
        o.data_format = f;
      },
      [](const Options& o) { return boost::json::value(boost::json::string(o.data_format)); });
}

// The spatial axes of a rank-(N + 2) input.
template <std::size_t N>
std::size_t first_spatial(const CroppingOptions<N>& o) {
  return N > 1 && o.data_format == "channels_first" ? 2 : 1;
}

template <std::size_t N>
PartialShape cropped_shape(const Layer& layer, const CroppingOptions<N>& o, const PartialShape& in,
                           const char* class_name) {
  if (in.rank() != N + 2) {
    throw ValueError("Layer '" + layer.name() + "' (" + class_name + ") expects inputs of rank " +
                     std::to_string(N + 2) + ", got " + in.to_string());
  }
  PartialShape out = in;
  const std::size_t first = first_spatial(o);
  for (std::size_t i = 0; i < N; ++i) {
    const Dim& d = in[first + i];
    if (!d) continue;
    const std::int64_t total = o.cropping[i].first + o.cropping[i].second;
    if (total >= *d) {
      throw ValueError("Layer '" + layer.name() +
                       "': values in `cropping` argument should be smaller than the "
                       "corresponding spatial dimension of the input. Received: input_shape=" +
                       in.to_string() + ", cropping on axis " + std::to_string(first + i) + " = (" +
                       std::to_string(o.cropping[i].first) + ", " + std::to_string(o.cropping[i].second) + ")");
    }
    out[first + i] = *d - total;
  }
  return out;
}

template <std::size_t N>
Tensor crop(const Layer& layer, const CroppingOptions<N>& o, const Tensor& x, const char* class_name) {
  (void)cropped_shape(layer, o, PartialShape::known(x.shape()), class_name);
  Tensor out = x;
  const std::size_t first = first_spatial(o);
  for (std::size_t i = 0; i < N; ++i) {
    const auto axis = static_cast<std::int64_t>(first + i);
    const auto& [before, after] = o.cropping[i];
    if (before == 0 && after == 0) continue;
    out = ops::slice_axis(out, axis, before, out.shape()[first + i] - after);
  }
  return out;
}

}  // namespace

// ---- Cropping1D ----

const config::Fields<Cropping1D::Options>& Cropping1D::fields() {
  static const config::Fields<Options> list{cropping_field<1>()};
  return list;
}

Cropping1D::Cropping1D(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {}

boost::json::object Cropping1D::get_config() const { return detail::write_fields_layer(*this, options_); }

std::shared_ptr<Cropping1D> Cropping1D::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  ConfigReader reader(config, context, "Cropping1D");
  LayerArgs args = LayerArgs::read(reader);
  Options options;
  options.cropping[0] = {1, 1};  // Keras's default
  fields().read_into(reader, options);
  reader.finish();
  return std::make_shared<Cropping1D>(std::move(options), std::move(args));
}

std::vector<PartialShape> Cropping1D::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {cropped_shape(*this, options_, single_shape(input_shapes), "Cropping1D")};
}

std::vector<Tensor> Cropping1D::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {crop(*this, options_, args.inputs[0], "Cropping1D")};
}

// ---- Cropping2D ----

const config::Fields<Cropping2D::Options>& Cropping2D::fields() {
  static const config::Fields<Options> list{cropping_field<2>(), data_format_field<2>()};
  return list;
}

Cropping2D::Cropping2D(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {}

boost::json::object Cropping2D::get_config() const { return detail::write_fields_layer(*this, options_); }

std::shared_ptr<Cropping2D> Cropping2D::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  return detail::read_fields_layer<Cropping2D>(config, context, "Cropping2D");
}

std::vector<PartialShape> Cropping2D::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {cropped_shape(*this, options_, single_shape(input_shapes), "Cropping2D")};
}

std::vector<Tensor> Cropping2D::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {crop(*this, options_, args.inputs[0], "Cropping2D")};
}

// ---- Cropping3D ----

const config::Fields<Cropping3D::Options>& Cropping3D::fields() {
  static const config::Fields<Options> list{cropping_field<3>(), data_format_field<3>()};
  return list;
}

Cropping3D::Cropping3D(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {}

boost::json::object Cropping3D::get_config() const { return detail::write_fields_layer(*this, options_); }

std::shared_ptr<Cropping3D> Cropping3D::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  ConfigReader reader(config, context, "Cropping3D");
  LayerArgs args = LayerArgs::read(reader);
  Options options;
  options.cropping.fill({1, 1});  // Keras's default
  fields().read_into(reader, options);
  reader.finish();
  return std::make_shared<Cropping3D>(std::move(options), std::move(args));
}

std::vector<PartialShape> Cropping3D::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {cropped_shape(*this, options_, single_shape(input_shapes), "Cropping3D")};
}

std::vector<Tensor> Cropping3D::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {crop(*this, options_, args.inputs[0], "Cropping3D")};
}

}  // namespace kplug::layers
