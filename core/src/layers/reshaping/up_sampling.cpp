// UpSampling1D/2D/3D (keras/src/layers/reshaping/up_sampling{1,2,3}d.py): nearest is
// numpy's repeat per spatial axis (as Keras's ops.repeat), UpSampling2D's other
// interpolations resample through ops::resize.
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/image.hpp"
#include "kplug/ops/kernels.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {
namespace {

std::string interpolation_error(const std::string& value) {
  if (ops::interpolation_from_name(detail::lower(value))) return {};
  return "Invalid value for argument `interpolation`. Expected one of ('bilinear', 'nearest', 'lanczos3', "
         "'lanczos5', 'bicubic'). Received: interpolation=" +
         value;
}

// UpSampling1D's size is one int, written as one.
std::string size1d_error(std::int64_t size) {
  return size > 0 ? std::string()
                  : "Argument `size` should be a positive integer. Received: size=" + std::to_string(size);
}

config::Field<UpSamplingOptions<1>> size1d_field() {
  using O = UpSamplingOptions<1>;
  return config::custom_field<O>(
      "size",
      [](ConfigReader& r, std::string_view key, const boost::json::value& v, O& o) {
        o.size = config::IntTuple<1>(r.as_integer(key, v));
        if (std::string e = size1d_error(o.size[0]); !e.empty()) r.fail(key, e);
      },
      [](const O& o) { return boost::json::value(o.size[0]); }, false);
}

}  // namespace

template <std::size_t N>
const config::Fields<UpSamplingOptions<N>>& BaseUpSampling<N>::fields() {
  using O = Options;
  static const config::Fields<O> list = [] {
    if constexpr (N == 1) {
      return config::Fields<O>{size1d_field()};
    } else {
      config::Fields<O> f{config::field("size", &O::size).check(detail::tuple_check<N>("size")),
                          detail::data_format_field(&O::data_format)};
      if (N == 2) f += config::Fields<O>{config::field("interpolation", &O::interpolation).check(interpolation_error)};
      return f;
    }
  }();
  return list;
}

template <std::size_t N>
BaseUpSampling<N>::BaseUpSampling(Options options, LayerArgs args)
    : FieldsLayer<BaseUpSampling<N>, UpSamplingOptions<N>>(std::move(options), std::move(args)) {
  Options& o = this->options_;
  const std::string e = N == 1 ? size1d_error(o.size[0]) : detail::tuple_error(o.size, "size");
  if (!e.empty()) throw ValueError(e);
  detail::standardize_data_format(o.data_format);
  if (std::string bad = interpolation_error(o.interpolation); !bad.empty()) throw ValueError(bad);
  o.interpolation = detail::lower(o.interpolation);  // Keras's interpolation.lower()
  if (N == 1) o.data_format = "channels_last";       // (batch, steps, features) only
  if (N != 2) o.interpolation = "nearest";
}

template <std::size_t N>
std::vector<PartialShape> BaseUpSampling<N>::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = this->single_shape(input_shapes);
  if (out.rank() != N + 2) {
    this->fail("expects inputs of rank " + std::to_string(N + 2) + ", got shape " + out.to_string());
  }
  const std::size_t first = this->options_.data_format == "channels_first" ? 2 : 1;
  for (std::size_t i = 0; i < N; ++i) {
    Dim& d = out[first + i];
    if (d) d = *d * this->options_.size[i];
  }
  return {out};
}

template <std::size_t N>
std::vector<Tensor> BaseUpSampling<N>::call(CallArgs& args) {
  this->expect_inputs(args, 1);
  Tensor x = args.inputs[0];
  if (x.rank() != static_cast<std::int64_t>(N + 2)) {
    this->fail("expects inputs of rank " + std::to_string(N + 2) + ", got shape " + shape_repr(x.shape()));
  }
  const Options& o = this->options_;
  const std::int64_t first = o.data_format == "channels_first" ? 2 : 1;
  if constexpr (N == 2) {
    if (const auto interpolation = *ops::interpolation_from_name(o.interpolation);
        interpolation != ops::Interpolation::nearest) {
      ops::ResizeOptions resize;
      resize.interpolation = interpolation;
      resize.channels_first = first == 2;
      return {ops::resize(x, x.dim(first) * o.size[0], x.dim(first + 1) * o.size[1], resize)};
    }
  }
  for (std::size_t i = 0; i < N; ++i) x = ops::repeat(x, o.size[i], first + static_cast<std::int64_t>(i));
  return {x};
}

namespace {

class NearestUpSamplingStep final : public InferenceStep {
 public:
  NearestUpSamplingStep(TensorSpec output, Shape input, Shape factors)
      : InferenceStep({std::move(output)}), input_(std::move(input)), factors_(std::move(factors)) {}
  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::upsample_nearest(reinterpret_cast<const float*>(inputs[0]), input_, factors_,
                                   reinterpret_cast<float*>(outputs[0]));
  }

 private:
  Shape input_, factors_;  // factors_: per axis of the input, 1 off the spatial axes
};

}  // namespace

// Nearest only: the other interpolations run through call().
template <std::size_t N>
std::unique_ptr<InferenceStep> BaseUpSampling<N>::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1) return nullptr;
  const TensorSpec& x = inputs[0];
  const Options& o = this->options_;
  if (x.dtype != DType::float32 || x.shape.size() != N + 2 || o.interpolation != "nearest") return nullptr;
  const std::size_t first = o.data_format == "channels_first" ? 2 : 1;
  Shape factors(N + 2, 1);
  TensorSpec out = x;
  for (std::size_t i = 0; i < N; ++i) {
    factors[first + i] = o.size[i];
    out.shape[first + i] *= o.size[i];
  }
  return std::make_unique<NearestUpSamplingStep>(std::move(out), x.shape, std::move(factors));
}

template class BaseUpSampling<1>;
template class BaseUpSampling<2>;
template class BaseUpSampling<3>;

}  // namespace kplug::layers
