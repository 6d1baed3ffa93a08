// Keras's BaseGlobalPooling: GlobalMax/GlobalAveragePooling1D/2D/3D
// (keras/src/layers/pooling/base_global_pooling.py); GlobalAveragePooling1D's masked mean.
#include "kplug/errors.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/pooling.hpp"
#include "kplug/ops/reduce.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {

template <std::size_t Rank, PoolingMode Mode>
const config::Fields<GlobalPoolingOptions>& BaseGlobalPooling<Rank, Mode>::fields() {
  using O = GlobalPoolingOptions;
  static const config::Fields<O> f{detail::data_format_field(&O::data_format), config::field("keepdims", &O::keepdims)};
  return f;
}

template <std::size_t Rank, PoolingMode Mode>
BaseGlobalPooling<Rank, Mode>::BaseGlobalPooling(Options options, LayerArgs args)
    : FieldsLayer<BaseGlobalPooling<Rank, Mode>, GlobalPoolingOptions>(std::move(options), std::move(args)) {
  detail::standardize_data_format(this->options_.data_format);
  this->mark_built_at_init();
}

template <std::size_t Rank, PoolingMode Mode>
std::vector<PartialShape> BaseGlobalPooling<Rank, Mode>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = this->single_shape(input_shapes);
  if (in.rank() != Rank + 2) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + in.to_string());
  }
  const bool channels_last = this->options_.data_format == "channels_last";
  const Dim channels = channels_last ? in[in.rank() - 1] : in[1];
  std::vector<Dim> out{in[0]};
  if (!channels_last) out.push_back(channels);
  if (this->options_.keepdims) out.insert(out.end(), Rank, Dim(1));
  if (channels_last) out.push_back(channels);
  return {PartialShape(std::move(out))};
}

template <std::size_t Rank, PoolingMode Mode>
std::vector<std::optional<Tensor>> BaseGlobalPooling<Rank, Mode>::compute_mask(
    const CallArgs& /*args*/, const std::vector<Tensor>& outputs) const {
  return std::vector<std::optional<Tensor>>(outputs.size());  // Keras: compute_mask returns None
}

template <std::size_t Rank, PoolingMode Mode>
std::vector<Tensor> BaseGlobalPooling<Rank, Mode>::call(CallArgs& args) {
  this->expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != static_cast<std::int64_t>(Rank + 2)) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + shape_repr(x.shape()));
  }
  const bool channels_last = this->options_.data_format == "channels_last";
  const bool keepdims = this->options_.keepdims;
  const Tensor* mask = args.mask(0);
  if (Rank == 1 && Mode == PoolingMode::average && mask) {
    const std::int64_t steps_axis = channels_last ? 1 : 2;
    if (mask->rank() != 2 || mask->dim(0) != x.dim(0) || mask->dim(1) != x.dim(steps_axis)) {
      this->fail("expects a mask of shape (batch, steps) = (" + std::to_string(x.dim(0)) + ", " +
                 std::to_string(x.dim(steps_axis)) + ") for inputs of shape " + shape_repr(x.shape()) +
                 ", got a mask of shape " + shape_repr(mask->shape()));
    }
    // Keras expands the mask on the features axis: (batch, steps, 1) or (batch, 1, steps).
    return {ops::masked_mean(x, mask->expand_dims(channels_last ? 2 : 1), steps_axis, keepdims)};
  }
  std::vector<std::int64_t> spatial_axes;
  for (std::size_t i = 0; i < Rank; ++i) spatial_axes.push_back((channels_last ? 1 : 2) + static_cast<std::int64_t>(i));
  return {Mode == PoolingMode::max ? ops::max(x, spatial_axes, keepdims) : ops::mean(x, spatial_axes, keepdims)};
}

namespace {

// The max or mean over the positions of a channels-last (batch, positions..., channels) tensor.
class GlobalPoolStep final : public InferenceStep {
 public:
  GlobalPoolStep(TensorSpec output, std::int64_t batch, std::int64_t positions, std::int64_t channels,
                 ops::PoolMode mode)
      : InferenceStep({std::move(output)}), batch_(batch), positions_(positions), channels_(channels), mode_(mode) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::global_pool(reinterpret_cast<const float*>(inputs[0]), batch_, positions_, channels_,
                              reinterpret_cast<float*>(outputs[0]), mode_);
  }

 private:
  std::int64_t batch_, positions_, channels_;
  ops::PoolMode mode_;
};

}  // namespace

template <std::size_t Rank, PoolingMode Mode>
std::unique_ptr<InferenceStep> BaseGlobalPooling<Rank, Mode>::plan_inference(
    const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || this->options_.data_format != "channels_last") return nullptr;
  const TensorSpec& x = inputs[0];
  if (x.dtype != DType::float32 || x.shape.size() != Rank + 2) return nullptr;
  const std::int64_t batch = x.shape.front(), channels = x.shape.back();
  const std::int64_t positions = shape_size(x.shape) == 0 ? 0 : shape_size(x.shape) / (batch * channels);
  if (batch * channels == 0 || positions == 0) return nullptr;
  TensorSpec out{Shape{batch}, DType::float32};
  for (std::size_t i = 0; this->options_.keepdims && i < Rank; ++i) out.shape.push_back(1);
  out.shape.push_back(channels);
  const ops::PoolMode mode = Mode == PoolingMode::max ? ops::PoolMode::max : ops::PoolMode::average;
  return std::make_unique<GlobalPoolStep>(std::move(out), batch, positions, channels, mode);
}

template class BaseGlobalPooling<1, PoolingMode::max>;
template class BaseGlobalPooling<2, PoolingMode::max>;
template class BaseGlobalPooling<3, PoolingMode::max>;
template class BaseGlobalPooling<1, PoolingMode::average>;
template class BaseGlobalPooling<2, PoolingMode::average>;
template class BaseGlobalPooling<3, PoolingMode::average>;

}  // namespace kplug::layers
