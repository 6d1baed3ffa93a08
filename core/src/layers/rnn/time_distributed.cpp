// TimeDistributed (keras/src/layers/rnn/time_distributed.py). Keras calls the layer once per
// time step; every layer computes each sample on its own at inference, so folding time into
// the batch gives the same numbers with one call.
#include "kplug/errors.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/serialization.hpp"
#include "layers/rnn/rnn_fields.hpp"

namespace kplug::layers {

namespace {

// (batch, time, rest...) -> (batch * time, rest...), or the reverse.
Shape folded(const Shape& shape) {
  Shape out{shape[0] * shape[1]};
  for (std::size_t i = 2; i < shape.size(); ++i) out.push_back(shape[i]);
  return out;
}

}  // namespace

const config::Fields<TimeDistributed::Options>& TimeDistributed::fields() {
  static const config::Fields<Options> list{
      detail::sub_layer_field<Options, Layer>(
          "layer", &Options::layer,
          [](ConfigReader& r, const boost::json::value& v, Options&) { return deserialize_layer(v, r.context()); })
          .required()};
  return list;
}

TimeDistributed::TimeDistributed(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (!layer()) {
    throw ValueError("Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. Received: None");
  }
}

std::vector<LayerAttribute> TimeDistributed::layer_attributes() const { return {LayerAttribute{"layer", {layer()}}}; }

namespace {

PartialShape child_shape(const PartialShape& in) {
  std::vector<Dim> dims{in[0]};
  dims.insert(dims.end(), in.dims().begin() + 2, in.dims().end());
  return PartialShape(std::move(dims));
}

}  // namespace

std::vector<PartialShape> TimeDistributed::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() < 3) {
    fail("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: " +
         in.to_string());
  }
  std::vector<PartialShape> child = layer()->compute_output_shape({child_shape(in)});
  if (child.size() != 1) {
    fail("expects its layer '" + layer()->name() + "' to give one output, it gives " + std::to_string(child.size()));
  }
  std::vector<Dim> dims = child[0].dims();
  dims.insert(dims.begin() + 1, in[1]);
  return {PartialShape(std::move(dims))};
}

void TimeDistributed::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() < 3) {
    fail("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: " +
         in.to_string());
  }
  layer()->maybe_build({child_shape(in)});
}

std::vector<Tensor> TimeDistributed::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() < 3) {
    fail("expects inputs of shape (batch, time, ...) with at least 3 dimensions, got " + shape_repr(x.shape()));
  }
  const std::int64_t batch = x.dim(0), steps = x.dim(1);
  CallArgs inner({x.reshape(folded(x.shape()))});
  inner.training = args.training;
  if (const Tensor* mask = args.mask(0)) {
    if (mask->rank() < 2) {
      fail(
          "The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., `(batch_size, timesteps)`), "
          "but it has " +
          std::to_string(mask->rank()) + " dimension(s) with shape " + shape_repr(mask->shape()) + ".");
    }
    if (mask->dim(0) != batch || mask->dim(1) != steps) {
      fail("The `mask` passed to the `TimeDistributed` layer has a shape " + shape_repr(mask->shape()) +
           " that is incompatible with the input shape " + shape_repr(x.shape()) +
           ". The first two dimensions of the mask (batch size and timesteps) must match the input's first two "
           "dimensions.");
    }
    inner.masks = {mask->reshape(folded(mask->shape()))};
  }
  std::vector<Tensor> out = (*layer())(inner);
  if (out.size() != 1) {
    fail("expects its layer '" + layer()->name() + "' to give one output, it gives " + std::to_string(out.size()));
  }
  Shape shape = out[0].shape();
  if (shape.empty() || shape[0] != batch * steps) {
    fail("expects its layer '" + layer()->name() + "' to keep the folded batch of " + std::to_string(batch * steps) +
         ", got an output of shape " + shape_repr(shape));
  }
  shape[0] = steps;
  shape.insert(shape.begin(), batch);
  return {out[0].reshape(std::move(shape))};
}

}  // namespace kplug::layers
