// Keras's BasePooling: Max/AveragePooling1D/2D/3D (keras/src/layers/pooling/base_pooling.py).
#include "kplug/errors.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/nn.hpp"
#include "kplug/ops/pooling.hpp"
#include "layers/spatial_options.hpp"

#include <utility>

namespace kplug::layers {
namespace {

// Empty when fine, else Keras's message.
template <std::size_t Rank>
std::string options_error(const PoolingOptions<Rank>& o) {
  if (std::string e = detail::tuple_error(o.pool_size, "pool_size"); !e.empty()) return e;
  if (o.strides) {
    if (std::string e = detail::tuple_error(*o.strides, "strides"); !e.empty()) return e;
  }
  return detail::padding_error(o.padding, false);
}

ops::Padding padding_of(const std::string& padding) {
  return detail::lower(padding) == "same" ? ops::Padding::same : ops::Padding::valid;
}

}  // namespace

template <std::size_t Rank, PoolingMode Mode>
const config::Fields<PoolingOptions<Rank>>& BasePooling<Rank, Mode>::fields() {
  using O = PoolingOptions<Rank>;
  static const config::Fields<O> f{
      config::field("pool_size", &O::pool_size).check(detail::tuple_check<Rank>("pool_size")),
      config::field("padding", &O::padding).check(detail::padding_check(false)),
      config::field("strides", &O::strides).check([](const std::optional<config::IntTuple<Rank>>& s) {
        return s ? detail::tuple_error(*s, "strides") : std::string();
      }),
      detail::data_format_field(&O::data_format)};
  return f;
}

template <std::size_t Rank, PoolingMode Mode>
BasePooling<Rank, Mode>::BasePooling(Options options, LayerArgs args)
    : FieldsLayer<BasePooling<Rank, Mode>, PoolingOptions<Rank>>(std::move(options), std::move(args)) {
  Options& o = this->options_;
  if (std::string e = options_error(o); !e.empty()) throw ValueError(e);
  detail::standardize_data_format(o.data_format);
  if (!o.strides) o.strides = o.pool_size;
  this->mark_built_at_init();
}

template <std::size_t Rank, PoolingMode Mode>
std::vector<PartialShape> BasePooling<Rank, Mode>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const Options& o = this->options_;
  PartialShape out = this->single_shape(input_shapes);
  if (out.rank() != Rank + 2)
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + out.to_string());
  const std::size_t first_spatial = o.data_format == "channels_first" ? 2 : 1;
  const ops::Padding padding = padding_of(o.padding);
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[first_spatial + i];
    if (!d) continue;
    if (padding == ops::Padding::valid && *d < o.pool_size[i]) {
      this->fail("Computed output size would be negative. Received: `inputs.shape=" +
                 this->single_shape(input_shapes).to_string() + "` and `pool_size=" + detail::tuple_repr(o.pool_size) +
                 "`.");
    }
    d = ops::conv_output_length(*d, o.pool_size[i], (*o.strides)[i], 1, padding);
  }
  return {out};
}

template <std::size_t Rank, PoolingMode Mode>
std::vector<Tensor> BasePooling<Rank, Mode>::call(CallArgs& args) {
  const Options& o = this->options_;
  this->expect_inputs(args, 1);
  const Tensor& input = args.inputs[0];
  if (input.rank() != static_cast<std::int64_t>(Rank + 2)) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + shape_repr(input.shape()));
  }
  const bool channels_first = o.data_format == "channels_first";
  const Tensor x = channels_first ? input.move_axis_to_last(1) : input;
  const ops::PoolMode mode = Mode == PoolingMode::max ? ops::PoolMode::max : ops::PoolMode::average;
  const ops::Padding padding = padding_of(o.padding);
  Tensor y;
  if constexpr (Rank == 1) {
    y = ops::pool1d(x, mode, {o.pool_size[0], (*o.strides)[0], padding});
  } else if constexpr (Rank == 2) {
    y = ops::pool2d(x, mode, {o.pool_size.values, o.strides->values, padding});
  } else {
    y = ops::pool3d(x, mode, {o.pool_size.values, o.strides->values, padding});
  }
  return {channels_first ? y.move_last_axis_to(1) : y};
}

namespace {

// ops::pool3d on storage: the layer's rank-(Rank + 2) channels-last tensors viewed with unit
// leading spatial axes.
class PoolStep final : public InferenceStep {
 public:
  PoolStep(TensorSpec output, Shape input5, ops::PoolMode mode, ops::Pool3DOptions options)
      : InferenceStep({std::move(output)}), input5_(std::move(input5)), mode_(mode), options_(options) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::pool3d(reinterpret_cast<const float*>(inputs[0]), input5_, reinterpret_cast<float*>(outputs[0]),
                         mode_, options_);
  }

 private:
  Shape input5_;
  ops::PoolMode mode_;
  ops::Pool3DOptions options_;
};

}  // namespace

template <std::size_t Rank, PoolingMode Mode>
std::unique_ptr<InferenceStep> BasePooling<Rank, Mode>::plan_inference(const std::vector<TensorSpec>& inputs) const {
  const Options& o = this->options_;
  if (inputs.size() != 1 || o.data_format != "channels_last") return nullptr;
  const TensorSpec& x = inputs[0];
  if (x.dtype != DType::float32 || x.shape.size() != Rank + 2) return nullptr;
  Shape input5{x.shape.front()};
  ops::Pool3DOptions options{{1, 1, 1}, {1, 1, 1}, padding_of(o.padding)};
  for (std::size_t i = Rank; i < 3; ++i) input5.push_back(1);
  for (std::size_t i = 0; i < Rank; ++i) {
    input5.push_back(x.shape[1 + i]);
    options.pool[3 - Rank + i] = o.pool_size[i];
    options.strides[3 - Rank + i] = (*o.strides)[i];
  }
  input5.push_back(x.shape.back());
  Shape output5;
  try {
    output5 = ops::pool3d_output_shape(input5, options);
  } catch (const ValueError&) {
    return nullptr;  // the layer's call reports it
  }
  TensorSpec out{Shape{output5.front()}, DType::float32};
  for (std::size_t i = 4 - Rank; i < 5; ++i) out.shape.push_back(output5[i]);
  if (shape_size(out.shape) == 0) return nullptr;
  const ops::PoolMode mode = Mode == PoolingMode::max ? ops::PoolMode::max : ops::PoolMode::average;
  return std::make_unique<PoolStep>(std::move(out), std::move(input5), mode, options);
}

template class BasePooling<1, PoolingMode::max>;
template class BasePooling<2, PoolingMode::max>;
template class BasePooling<3, PoolingMode::max>;
template class BasePooling<1, PoolingMode::average>;
template class BasePooling<2, PoolingMode::average>;
template class BasePooling<3, PoolingMode::average>;

}  // namespace kplug::layers
