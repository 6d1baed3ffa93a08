// Dot (keras/src/layers/merging/dot.py): Keras's batch_dot, with optional L2 normalization.
#include "kplug/errors.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/ops/normalization.hpp"
#include "kplug/ops/shape.hpp"

namespace kplug::layers {

namespace {

std::int64_t product(const Shape& s, std::size_t from, std::size_t to) {
  std::int64_t p = 1;
  for (std::size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

}  // namespace

const config::Fields<DotOptions>& Dot::fields() {
  auto axes = config::custom_field<Options>(
      "axes",
      [](ConfigReader& r, std::string_view key, const boost::json::value& v, Options& o) {
        o.axes_is_list = v.is_array();
        if (!v.is_array()) {
          o.axes = {r.as_integer(key, v)};
          return;
        }
        if (v.get_array().size() != 2) {
          r.fail(key, "Invalid format for argument `axes`: it should contain two elements. Received: axes=" +
                          json::excerpt(v));
        }
        o.axes = config::Codec<std::vector<std::int64_t>>::read(r, key, v);
      },
      [](const Options& o) {
        return o.axes_is_list ? config::Codec<std::vector<std::int64_t>>::write(o.axes)
                              : boost::json::value(o.axes.front());
      },
      false);
  static const config::Fields<Options> list{axes.required(), config::field("normalize", &Options::normalize, false)};
  return list;
}

Dot::Dot(Options options, LayerArgs args) : Merge(std::move(options), std::move(args)) {
  if (options_.axes.empty() || options_.axes.size() > 2) {
    throw ValueError("Invalid format for argument `axes`: it should be an int or contain two elements");
  }
}

std::pair<std::int64_t, std::int64_t> Dot::resolved_axes(std::int64_t rank1, std::int64_t rank2) const {
  auto resolve = [this](std::int64_t a, std::int64_t rank) {
    const std::int64_t r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank)
      fail("axes " + std::to_string(a) + " is out of range for an input of rank " + std::to_string(rank));
    if (r == 0) {
      fail(
          "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch dimension to "
          "your inputs using keras.ops.expand_dims(x, 0)");
    }
    return r;
  };
  const std::int64_t a0 = options_.axes.front();
  const std::int64_t a1 = options_.axes.size() == 2 ? options_.axes[1] : a0;
  return {resolve(a0, rank1), resolve(a1, rank2)};
}

void Dot::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.size() != 2) {
    fail("A `Dot` layer should be called on a list of 2 inputs. Received " + std::to_string(input_shapes.size()) +
         " inputs");
  }
  const PartialShape& s1 = input_shapes[0];
  const PartialShape& s2 = input_shapes[1];
  if (s1.rank() < 2 || s2.rank() < 2) {
    fail("Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes " + s1.to_string() + " and " +
         s2.to_string() + ".");
  }
  const auto [a0, a1] = resolved_axes(static_cast<std::int64_t>(s1.rank()), static_cast<std::int64_t>(s2.rank()));
  const Dim& d1 = s1[static_cast<std::size_t>(a0)];
  const Dim& d2 = s2[static_cast<std::size_t>(a1)];
  if (d1 && d2 && *d1 != *d2) {
    fail("Incompatible input shapes: axis values " + std::to_string(*d1) + " (at axis " + std::to_string(a0) +
         ") != " + std::to_string(*d2) + " (at axis " + std::to_string(a1) + "). Full input shapes: " + s1.to_string() +
         ", " + s2.to_string());
  }
}

std::vector<PartialShape> Dot::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.size() != 2) fail("A `Dot` layer should be called on a list of 2 inputs.");
  std::vector<Dim> s1 = input_shapes[0].dims();
  std::vector<Dim> s2 = input_shapes[1].dims();
  const auto [a0, a1] = resolved_axes(static_cast<std::int64_t>(s1.size()), static_cast<std::int64_t>(s2.size()));
  s1.erase(s1.begin() + a0);
  s2.erase(s2.begin() + a1);
  s2.erase(s2.begin());
  s1.insert(s1.end(), s2.begin(), s2.end());
  if (s1.size() == 1) s1.emplace_back(1);
  return {PartialShape(std::move(s1))};
}

std::vector<Tensor> Dot::call(CallArgs& args) {
  if (args.inputs.size() != 2) {
    fail("A `Dot` layer should be called on exactly 2 inputs. Received " + std::to_string(args.inputs.size()) +
         " inputs");
  }
  return {merge(args.inputs, {})};
}

Tensor Dot::merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>&) const {
  Tensor x = inputs[0];
  Tensor y = inputs[1];
  if (x.rank() < 2 || y.rank() < 2) {
    fail("Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes " + shape_repr(x.shape()) + " and " +
         shape_repr(y.shape()) + ".");
  }
  if (x.shape()[0] != y.shape()[0]) {
    fail("Cannot do batch_dot on inputs with different batch sizes. Received inputs with shapes " +
         shape_repr(x.shape()) + " and " + shape_repr(y.shape()) + ".");
  }
  auto [a0, a1] = resolved_axes(x.rank(), y.rank());
  if (x.shape()[static_cast<std::size_t>(a0)] != y.shape()[static_cast<std::size_t>(a1)]) {
    fail("Cannot do batch_dot on inputs with shapes " + shape_repr(x.shape()) + " and " + shape_repr(y.shape()) +
         " with axes=[" + std::to_string(a0) + ", " + std::to_string(a1) + "]");
  }
  if (options_.normalize) {
    x = ops::divide_by_norm(x, a0);
    y = ops::divide_by_norm(y, a1);
  }
  const std::int64_t x_rank = x.rank(), y_rank = y.rank();
  // Keras's batch_dot: x (batch, ..., d) with the contracted axis last, y (batch, d, ...)
  // with it second; then one batched GEMM over the flattened middle / trailing axes.
  if (x_rank == 2) {
    x = x.expand_dims(1);
    ++a0;
  }
  if (y_rank == 2) y = y.expand_dims(2);
  if (a0 != x.rank() - 1) x = ops::moveaxis(x, a0, -1);
  if (a1 != 1) y = ops::moveaxis(y, a1, 1);
  const Shape xs = x.shape(), ys = y.shape();
  const std::int64_t batch = xs[0], depth = xs.back();
  const Tensor result = ops::matmul(x.reshape({batch, product(xs, 1, xs.size() - 1), depth}),
                                    y.reshape({batch, depth, product(ys, 2, ys.size())}));
  Shape out{batch};
  for (std::size_t i = 1; i + 1 < xs.size(); ++i) out.push_back(xs[i]);
  for (std::size_t i = 2; i < ys.size(); ++i) out.push_back(ys[i]);
  Tensor r = result.reshape(out);
  if (x_rank == 2)
    r = r.squeeze(1);
  else if (y_rank == 2)
    r = r.squeeze(r.rank() - 1);
  return r;
}

}  // namespace kplug::layers
