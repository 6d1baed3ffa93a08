// ZeroPadding1D/2D/3D (keras/src/layers/reshaping/zero_padding{1,2,3}d.py).
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/shape.hpp"
#include "layers/reshaping/side_pairs.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {

template <std::size_t N>
const config::Fields<ZeroPaddingOptions<N>>& BaseZeroPadding<N>::fields() {
  static const config::Fields<Options> list{detail::side_pairs_field("padding", &Options::padding),
                                            detail::data_format_field(&Options::data_format)};
  return list;
}

template <std::size_t N>
BaseZeroPadding<N>::BaseZeroPadding(Options options, LayerArgs args)
    : FieldsLayer<BaseZeroPadding<N>, ZeroPaddingOptions<N>>(std::move(options), std::move(args)) {
  if (std::string e = detail::side_pairs_error(this->options_.padding, "padding"); !e.empty()) throw ValueError(e);
  detail::standardize_data_format(this->options_.data_format);
}

template <std::size_t N>
std::vector<PartialShape> BaseZeroPadding<N>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = this->single_shape(input_shapes);
  if (out.rank() != N + 2) {
    this->fail("expects inputs of rank " + std::to_string(N + 2) + ", got shape " + out.to_string());
  }
  const std::size_t first = detail::first_spatial_axis(this->options_.data_format);
  for (std::size_t i = 0; i < N; ++i) {
    Dim& d = out[first + i];
    if (d) d = *d + this->options_.padding[i].first + this->options_.padding[i].second;
  }
  return {out};
}

template <std::size_t N>
std::vector<Tensor> BaseZeroPadding<N>::call(CallArgs& args) {
  this->expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != static_cast<std::int64_t>(N + 2)) {
    this->fail("expects inputs of rank " + std::to_string(N + 2) + ", got shape " + shape_repr(x.shape()));
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> pads(N + 2, {0, 0});
  const std::size_t first = detail::first_spatial_axis(this->options_.data_format);
  for (std::size_t i = 0; i < N; ++i) pads[first + i] = this->options_.padding[i];
  return {ops::pad(x, pads)};
}

namespace {

class ZeroPaddingStep final : public InferenceStep {
 public:
  ZeroPaddingStep(TensorSpec output, Shape input, std::vector<std::pair<std::int64_t, std::int64_t>> pads)
      : InferenceStep({std::move(output)}), input_(std::move(input)), pads_(std::move(pads)) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::pad(reinterpret_cast<const float*>(inputs[0]), input_, pads_, 0.0f,
                      reinterpret_cast<float*>(outputs[0]));
  }

 private:
  Shape input_;
  std::vector<std::pair<std::int64_t, std::int64_t>> pads_;
};

}  // namespace

template <std::size_t N>
std::unique_ptr<InferenceStep> BaseZeroPadding<N>::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1) return nullptr;
  const TensorSpec& x = inputs[0];
  if (x.dtype != DType::float32 || x.shape.size() != N + 2 || shape_size(x.shape) == 0) return nullptr;
  std::vector<std::pair<std::int64_t, std::int64_t>> pads(N + 2, {0, 0});
  const std::size_t first = detail::first_spatial_axis(this->options_.data_format);
  TensorSpec out = x;
  for (std::size_t i = 0; i < N; ++i) {
    pads[first + i] = this->options_.padding[i];
    out.shape[first + i] += pads[first + i].first + pads[first + i].second;
  }
  return std::make_unique<ZeroPaddingStep>(std::move(out), x.shape, std::move(pads));
}

template class BaseZeroPadding<1>;
template class BaseZeroPadding<2>;
template class BaseZeroPadding<3>;

}  // namespace kplug::layers
