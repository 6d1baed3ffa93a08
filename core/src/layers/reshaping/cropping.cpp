// Cropping1D/2D/3D (keras/src/layers/reshaping/cropping{1,2,3}d.py).
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/shape.hpp"
#include "layers/reshaping/side_pairs.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {

template <std::size_t N>
const config::Fields<CroppingOptions<N>>& BaseCropping<N>::fields() {
  static const config::Fields<Options> list = [] {
    config::Fields<Options> f{detail::side_pairs_field("cropping", &Options::cropping)};
    if (N > 1) f += config::Fields<Options>{detail::data_format_field(&Options::data_format)};  // not Cropping1D's
    return f;
  }();
  return list;
}

template <std::size_t N>
BaseCropping<N>::BaseCropping(Options options, LayerArgs args)
    : FieldsLayer<BaseCropping<N>, CroppingOptions<N>>(std::move(options), std::move(args)) {
  if (std::string e = detail::side_pairs_error(this->options_.cropping, "cropping"); !e.empty()) throw ValueError(e);
  detail::standardize_data_format(this->options_.data_format);
  if (N == 1) this->options_.data_format = "channels_last";  // (batch, axis, features) only
}

template <std::size_t N>
std::vector<PartialShape> BaseCropping<N>::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = this->single_shape(input_shapes);
  if (in.rank() != N + 2) this->fail("expects inputs of rank " + std::to_string(N + 2) + ", got " + in.to_string());
  PartialShape out = in;
  const std::size_t first = detail::first_spatial_axis(this->options_.data_format);
  for (std::size_t i = 0; i < N; ++i) {
    const Dim& d = in[first + i];
    if (!d) continue;
    const auto [before, after] = this->options_.cropping[i];
    if (before + after >= *d) {
      this->fail(
          "values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. "
          "Received: input_shape=" +
          in.to_string() + ", cropping on axis " + std::to_string(first + i) + " = (" + std::to_string(before) + ", " +
          std::to_string(after) + ")");
    }
    out[first + i] = *d - before - after;
  }
  return {out};
}

template <std::size_t N>
std::vector<Tensor> BaseCropping<N>::call(CallArgs& args) {
  this->expect_inputs(args, 1);
  Tensor out = args.inputs[0];
  (void)compute_output_shape({PartialShape::known(out.shape())});
  const std::size_t first = detail::first_spatial_axis(this->options_.data_format);
  for (std::size_t i = 0; i < N; ++i) {
    const auto [before, after] = this->options_.cropping[i];
    if (before == 0 && after == 0) continue;
    out = ops::slice_axis(out, static_cast<std::int64_t>(first + i), before, out.shape()[first + i] - after);
  }
  return {out};
}

namespace {

class CroppingStep final : public InferenceStep {
 public:
  CroppingStep(TensorSpec output, Shape input, std::vector<std::pair<std::int64_t, std::int64_t>> crops)
      : InferenceStep({std::move(output)}), input_(std::move(input)), crops_(std::move(crops)) {}
  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::crop(reinterpret_cast<const float*>(inputs[0]), input_, crops_, reinterpret_cast<float*>(outputs[0]));
  }

 private:
  Shape input_;
  std::vector<std::pair<std::int64_t, std::int64_t>> crops_;  // per axis of the input
};

}  // namespace

template <std::size_t N>
std::unique_ptr<InferenceStep> BaseCropping<N>::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1) return nullptr;
  const TensorSpec& x = inputs[0];
  if (x.dtype != DType::float32 || x.shape.size() != N + 2) return nullptr;
  std::vector<std::pair<std::int64_t, std::int64_t>> crops(N + 2, {0, 0});
  const std::size_t first = detail::first_spatial_axis(this->options_.data_format);
  TensorSpec out = x;
  for (std::size_t i = 0; i < N; ++i) {
    crops[first + i] = this->options_.cropping[i];
    out.shape[first + i] -= crops[first + i].first + crops[first + i].second;
    if (out.shape[first + i] <= 0) return nullptr;  // call() names the bad cropping
  }
  return std::make_unique<CroppingStep>(std::move(out), x.shape, std::move(crops));
}

template class BaseCropping<1>;
template class BaseCropping<2>;
template class BaseCropping<3>;

}  // namespace kplug::layers
