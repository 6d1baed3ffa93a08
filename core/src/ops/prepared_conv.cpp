#include "kplug/ops/prepared_conv.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/shape.hpp"
#include "kplug/threading.hpp"
#include "ops/conv_detail.hpp"
#include "ops/onednn.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace kplug::ops {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

// The primitive (a convolution or a deconvolution) of one input shape, with the kernel in the
// layout it asked for. oneDNN splits
// the work for the OpenMP threads there are when a primitive is created: one made for one
// thread stays on one, so the thread count is part of the key.
struct ConvPrimitive {
  Shape input;
  int threads = 1;
  Shape output;
  dnnl::primitive primitive;
  dnnl::memory weights;
  std::optional<dnnl::memory> bias;  // a convolution's: a deconvolution's bias is added by execute
  dnnl::memory::desc src, dst, scratchpad;

  // What one execute needs besides the primitive: a stream and memory objects pointed at the
  // call's storage. oneDNN makes each of them on the heap, so they are kept and reused (one set
  // per concurrent call) rather than made per call; a call points them at its storage.
  struct Execution {
    dnnl::stream stream;
    dnnl::memory src, dst, scratchpad;
  };
  class ExecutionLease;
  mutable std::mutex idle_mutex;
  mutable std::vector<std::unique_ptr<Execution>> idle;
};

// One of a primitive's execution sets, taken for a call and given back however it ends.
class ConvPrimitive::ExecutionLease {
 public:
  explicit ExecutionLease(const ConvPrimitive& p) : owner_(p) {
    {
      const std::lock_guard lock(p.idle_mutex);
      if (!p.idle.empty()) {
        execution_ = std::move(p.idle.back());
        p.idle.pop_back();
        return;
      }
    }
    const dnnl::engine& engine = detail::cpu_engine();
    execution_ = std::make_unique<Execution>(Execution{dnnl::stream(engine), dnnl::memory(p.src, engine, nullptr),
                                                       dnnl::memory(p.dst, engine, nullptr),
                                                       dnnl::memory(p.scratchpad, engine, nullptr)});
  }
  ~ExecutionLease() {
    const std::lock_guard lock(owner_.idle_mutex);
    try {
      owner_.idle.push_back(std::move(execution_));
    } catch (...) {  // no room to keep it: it is freed
    }
  }
  ExecutionLease(const ExecutionLease&) = delete;
  ExecutionLease& operator=(const ExecutionLease&) = delete;
  Execution& operator*() const noexcept { return *execution_; }

 private:
  const ConvPrimitive& owner_;
  std::unique_ptr<Execution> execution_;
};

constexpr std::size_t kKeptShapes = 8;

tag channels_last(std::size_t spatial) { return spatial == 1 ? tag::nwc : spatial == 2 ? tag::nhwc : tag::ndhwc; }

// oneDNN's (batch, channels, spatial...) dims of a channels-last shape.
dims channel_first_dims(const Shape& s) {
  dims d{s.front(), s.back()};
  d.insert(d.end(), s.begin() + 1, s.end() - 1);
  return d;
}

// A kernel (k..., a, b)'s spatial axes appended to oneDNN dims and their strides in place.
dnnl::memory::desc with_taps(const Tensor& kernel, dims shape, dims strides) {
  const std::int64_t spatial = kernel.rank() - 2;
  std::vector<std::int64_t> tap_strides(static_cast<std::size_t>(spatial));
  std::int64_t stride = kernel.dim(-2) * kernel.dim(-1);
  for (std::int64_t i = spatial - 1; i >= 0; --i) {
    tap_strides[static_cast<std::size_t>(i)] = stride;
    stride *= kernel.dim(i);
  }
  for (std::int64_t i = 0; i < spatial; ++i) {
    shape.push_back(kernel.dim(i));
    strides.push_back(tap_strides[static_cast<std::size_t>(i)]);
  }
  return {shape, dt::f32, strides};
}

// Keras's kernel (k..., in / groups, filters) in place, as oneDNN's (filters, in, k...) or,
// grouped, (groups, filters / groups, in / groups, k...): output channel g * Fg + j.
dnnl::memory::desc keras_kernel_desc(const Tensor& kernel, std::int64_t groups) {
  const std::int64_t Cg = kernel.dim(-2), F = kernel.dim(-1);
  if (groups > 1) return with_taps(kernel, {groups, F / groups, Cg}, {F / groups, 1, F});
  return with_taps(kernel, {F, Cg}, {1, F});
}

// A transposed convolution's kernel (k..., filters, in) in place, as oneDNN's deconvolution
// weights (filters, in, k...): no flip, the deconvolution scatters as Keras's transpose does.
dnnl::memory::desc transposed_kernel_desc(const Tensor& kernel) {
  return with_taps(kernel, {kernel.dim(-2), kernel.dim(-1)}, {kernel.dim(-1), 1});
}

// The primitive descriptor of a convolution, or with `transposed` of a deconvolution with the
// same arguments.
struct PrimitiveArgs {
  dnnl::memory::desc src, weights, bias, dst;
  dims strides, dilates, pad_l, pad_r;
};
dnnl::primitive_desc make_primitive_desc(bool transposed, const PrimitiveArgs& a, const dnnl::primitive_attr& attr) {
  const dnnl::engine& engine = detail::cpu_engine();
  const auto inference = dnnl::prop_kind::forward_inference;
  if (transposed) {
    const dnnl::deconvolution_forward::desc desc(inference, dnnl::algorithm::deconvolution_direct, a.src, a.weights,
                                                 a.bias, a.dst, a.strides, a.dilates, a.pad_l, a.pad_r);
    return dnnl::deconvolution_forward::primitive_desc(desc, attr, engine);
  }
  const dnnl::convolution_forward::desc desc(inference, dnnl::algorithm::convolution_direct, a.src, a.weights, a.bias,
                                             a.dst, a.strides, a.dilates, a.pad_l, a.pad_r);
  return dnnl::convolution_forward::primitive_desc(desc, attr, engine);
}

dnnl::algorithm eltwise(ConvPostOp::Kind kind) {
  using K = ConvPostOp::Kind;
  using A = dnnl::algorithm;
  switch (kind) {
    case K::relu: return A::eltwise_relu;
    case K::clip: return A::eltwise_clip;
    case K::logistic: return A::eltwise_logistic;
    case K::tanh: return A::eltwise_tanh;
    case K::swish: return A::eltwise_swish;
    case K::elu: return A::eltwise_elu;
    case K::gelu_erf: return A::eltwise_gelu_erf;
    case K::sum: break;
  }
  throw Error("conv: a sum post-op is not element-wise");
}

dnnl::post_ops to_dnnl(const std::vector<ConvPostOp>& ops) {
  dnnl::post_ops out;
  for (const ConvPostOp& op : ops) {
    if (op.kind == ConvPostOp::Kind::sum)
      out.append_sum(1.0f);
    else
      out.append_eltwise(1.0f, eltwise(op.kind), op.alpha, op.beta);
  }
  return out;
}

bool has_sum(const std::vector<ConvPostOp>& ops) {
  for (const ConvPostOp& op : ops) {
    if (op.kind == ConvPostOp::Kind::sum) return true;
  }
  return false;
}

// The convolution of one kernel, bias and post-ops, its primitives kept per input shape.
struct ConvRunner {
  Tensor kernel;  // (k..., in / groups, filters): a depthwise kernel viewed so; transposed (k..., filters, in)
  std::optional<Tensor> bias;
  ConvNdOptions conv;
  std::vector<ConvPostOp> post_ops;
  std::vector<std::pair<std::int64_t, std::int64_t>> input_padding;
  // A transposed convolution (oneDNN's deconvolution): kernel and axes as detail::deconv_geometry
  // made them, the same for every input shape.
  bool transposed = false;
  std::vector<ConvAxis> deconv_axes;
  mutable std::mutex mutex;
  mutable std::vector<std::shared_ptr<const ConvPrimitive>> primitives;  // newest last

  // The primitive for inputs of shape x on the calling thread's thread count; `axes` (x's,
  // checked) are worked out for a new shape only.
  using Axes = std::function<std::vector<ConvAxis>()>;
  std::shared_ptr<const ConvPrimitive> primitive_for(const Shape& x, const Axes& axes) const;
  std::shared_ptr<const ConvPrimitive> create(const Shape& x, const std::vector<ConvAxis>& axes) const;
  Tensor run(const Tensor& x, const Axes& axes, const Tensor* residual) const;
  std::int64_t output_channels() const { return kernel.dim(transposed ? -2 : -1); }
  std::int64_t input_channels() const { return transposed ? kernel.dim(-1) : kernel.dim(-2) * conv.groups; }
  // Runs p on caller storage; `out` holds the residual with a sum post-op. A workspace smaller
  // than p's scratchpad is replaced by a temporary one.
  void execute(const ConvPrimitive& p, const float* x, float* out, std::span<std::byte> workspace) const;
};

}  // namespace

struct PreparedConv::Impl : ConvRunner {};

namespace {

// The checks and settings a convolution and a transposed one share.
void set_bias_and_post_ops(ConvRunner& impl, const Tensor* bias, std::vector<ConvPostOp> post_ops) {
  if (bias) {
    if (bias->size() != impl.output_channels()) {
      throw ValueError("conv: the bias has " + std::to_string(bias->size()) + " values for " +
                       std::to_string(impl.output_channels()) + " output channels");
    }
    impl.bias = *bias;
  }
  std::size_t sums = 0;
  for (const ConvPostOp& op : post_ops) sums += op.kind == ConvPostOp::Kind::sum;
  if (sums > 1) throw ValueError("conv: at most one sum post-op, got " + std::to_string(sums));
  impl.post_ops = std::move(post_ops);
}

}  // namespace

std::shared_ptr<const ConvPrimitive> ConvRunner::primitive_for(const Shape& x, const Axes& axes) const {
  const std::lock_guard lock(mutex);
  const int threads = kplug::get_num_threads();
  for (const auto& p : primitives) {
    if (p->input == x && p->threads == threads) return p;
  }
  auto made = create(x, axes());
  if (primitives.size() == kKeptShapes) primitives.erase(primitives.begin());
  primitives.push_back(made);
  return made;
}

std::shared_ptr<const ConvPrimitive> ConvRunner::create(const Shape& x, const std::vector<ConvAxis>& axes) const {
  const dnnl::engine& engine = detail::cpu_engine();
  const auto spatial = axes.size();
  const std::int64_t F = output_channels();
  auto p = std::make_shared<ConvPrimitive>();
  p->input = x;
  p->threads = kplug::get_num_threads();
  p->output = {x.front()};
  PrimitiveArgs args;
  for (std::size_t i = 0; i < spatial; ++i) {
    const ConvAxis& a = axes[i];
    const std::int64_t k = kernel.dim(static_cast<std::int64_t>(i));
    p->output.push_back(transposed ? detail::deconv_output_length(x[1 + i], k, a)
                                   : conv_general_output_length(x[1 + i], k, a));
    args.strides.push_back(a.stride);
    args.dilates.push_back(a.dilation - 1);
    args.pad_l.push_back(a.pad_before);
    args.pad_r.push_back(a.pad_after);
  }
  p->output.push_back(F);
  p->src = args.src = dnnl::memory::desc(channel_first_dims(p->input), dt::f32, channels_last(spatial));
  p->dst = args.dst = dnnl::memory::desc(channel_first_dims(p->output), dt::f32, channels_last(spatial));
  const dnnl::memory::desc user_weights =
      transposed ? transposed_kernel_desc(kernel) : keras_kernel_desc(kernel, conv.groups);
  args.weights = dnnl::memory::desc(user_weights.dims(), dt::f32, tag::any);
  // oneDNN 2.6's deconvolution adds a bias in reference loops of its own, 7x the deconvolution's
  // time (32 -> 16 channels, 56x56; as a binary post-op 250x): execute adds it after.
  if (bias && !transposed) args.bias = dnnl::memory::desc({F}, dt::f32, tag::a);
  dnnl::primitive_attr attr;
  attr.set_post_ops(to_dnnl(post_ops));
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::primitive_desc pd = make_primitive_desc(transposed, args, attr);
  p->primitive = dnnl::primitive(pd);
  p->scratchpad = pd.scratchpad_desc();
  if (bias && !transposed) p->bias = dnnl::memory(args.bias, engine, const_cast<float*>(bias->data()));
  for (const auto& other : primitives) {  // another shape may have asked for the same layout
    if (other->weights.get_desc() == pd.weights_desc()) {
      p->weights = other->weights;
      return p;
    }
  }
  p->weights = dnnl::memory(pd.weights_desc(), engine);
  dnnl::memory source(user_weights, engine, const_cast<float*>(kernel.data()));
  dnnl::stream stream(engine);
  dnnl::reorder(source, p->weights).execute(stream, source, p->weights);
  stream.wait();
  return p;
}

Tensor ConvRunner::run(const Tensor& x, const Axes& axes, const Tensor* residual) const {
  detail::prepare_kernel_call();
  try {
    const auto p = primitive_for(x.shape(), axes);
    Tensor out = residual ? *residual : Tensor::empty(p->output);
    if (residual && residual->shape() != p->output) {
      throw ValueError("conv: the residual added to the output has shape " + shape_to_string(residual->shape()) +
                       ", the output " + shape_to_string(p->output));
    }
    if (out.size() == 0) return out;
    execute(*p, x.data(), out.data(), {});
    return out;
  } catch (const dnnl::error& e) {
    detail::rethrow(e, "convolution");
  }
}

void ConvRunner::execute(const ConvPrimitive& p, const float* x, float* out, std::span<std::byte> workspace) const {
  Tensor temporary;
  void* scratchpad = workspace.data();
  if (workspace.size() < p.scratchpad.get_size()) {
    temporary = Tensor::empty(Shape{static_cast<std::int64_t>(p.scratchpad.get_size() / sizeof(float)) + 1});
    scratchpad = temporary.data();
  }
  const ConvPrimitive::ExecutionLease lease(p);
  ConvPrimitive::Execution& e = *lease;
  e.src.set_data_handle(const_cast<float*>(x));
  e.dst.set_data_handle(out);
  e.scratchpad.set_data_handle(scratchpad);
  // oneDNN's C entry point over an array: the C++ one takes an unordered_map, a heap node per argument.
  std::array<dnnl_exec_arg_t, 5> args{{{DNNL_ARG_SRC, e.src.get()},
                                       {DNNL_ARG_WEIGHTS, p.weights.get()},
                                       {DNNL_ARG_DST, e.dst.get()},
                                       {DNNL_ARG_SCRATCHPAD, e.scratchpad.get()},
                                       {DNNL_ARG_BIAS, p.bias ? p.bias->get() : nullptr}}};
  const int count = p.bias ? 5 : 4;
  dnnl::error::wrap_c_api(dnnl_primitive_execute(p.primitive.get(), e.stream.get(), count, args.data()),
                          "could not execute a primitive");
  e.stream.wait();
  if (transposed && bias) kernels::add_row(out, bias->data(), shape_size(p.output) / p.output.back(), p.output.back());
}

PreparedConv::PreparedConv(const Tensor& kernel, const Tensor* bias, PreparedConvOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (kernel.rank() < 3 || kernel.rank() > 5) {
    throw ValueError("conv: expected a kernel (k..., in, out) with 1 to 3 spatial axes, got shape " +
                     shape_to_string(kernel.shape()));
  }
  Impl& impl = *impl_;
  impl.conv = std::move(options.conv);
  impl.kernel = kernel;
  impl.input_padding = std::move(options.input_padding);
  if (!impl.input_padding.empty() && static_cast<std::int64_t>(impl.input_padding.size()) != kernel.rank() - 2) {
    throw ValueError("conv: " + std::to_string(impl.input_padding.size()) + " input paddings for " +
                     std::to_string(kernel.rank() - 2) + " spatial axes");
  }
  if (options.depthwise) {  // (k..., C, M) is (k..., 1, C * M) grouped by C: output c * M + m either way
    Shape grouped(kernel.shape().begin(), kernel.shape().end() - 2);
    grouped.push_back(1);
    grouped.push_back(kernel.dim(-2) * kernel.dim(-1));
    impl.kernel = kernel.reshape(grouped);
    impl.conv.groups = kernel.dim(-2);
  }
  if (impl.conv.groups < 1 || impl.kernel.dim(-1) % impl.conv.groups != 0) {
    throw ValueError("conv: filters " + std::to_string(impl.kernel.dim(-1)) +
                     " are not divisible by groups=" + std::to_string(impl.conv.groups));
  }
  set_bias_and_post_ops(impl, bias, std::move(options.post_ops));
}

PreparedConv::PreparedConv(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<PreparedConv> PreparedConv::transposed(const Tensor& kernel, const Tensor* bias,
                                                       const ConvTransposeNdOptions& options) {
  auto impl = std::make_unique<Impl>();
  detail::DeconvGeometry geometry = detail::deconv_geometry(kernel, options);
  impl->kernel = std::move(geometry.kernel);
  impl->deconv_axes = std::move(geometry.axes);
  impl->transposed = true;
  set_bias_and_post_ops(*impl, bias, {});
  return std::make_unique<PreparedConv>(Key{}, std::move(impl));
}

PreparedConv::~PreparedConv() = default;

std::int64_t PreparedConv::output_channels() const { return impl_->output_channels(); }

namespace {

void check_inputs(const ConvRunner& impl, const Shape& x, bool residual) {
  const auto rank = static_cast<std::int64_t>(x.size());
  if (rank != impl.kernel.rank()) {
    throw ValueError("conv: expected inputs (batch, spatial..., channels) of rank " +
                     std::to_string(impl.kernel.rank()) + " for the kernel " + shape_to_string(impl.kernel.shape()) +
                     ", got shape " + shape_to_string(x));
  }
  if (x.back() != impl.input_channels()) {
    throw ValueError("conv: the kernel " + shape_to_string(impl.kernel.shape()) + " with groups=" +
                     std::to_string(impl.conv.groups) + " expects " + std::to_string(impl.input_channels()) +
                     " input channels, the inputs " + shape_to_string(x) + " have " + std::to_string(x.back()));
  }
  if (has_sum(impl.post_ops) != residual) {
    throw ValueError(residual ? "conv: a residual given without a sum post-op"
                              : "conv: the sum post-op needs the residual it adds");
  }
}

// The convolution's axes for inputs of shape x: its own padding worked out on the input padded
// by input_padding, which then adds to it. (The Tensor forward_axes reads the shape of is made
// for a new input shape only.)
std::vector<ConvAxis> axes_for(const ConvRunner& impl, const Shape& x) {
  if (impl.transposed) return impl.deconv_axes;
  Shape padded = x;
  for (std::size_t i = 0; i < impl.input_padding.size() && 1 + i < padded.size(); ++i)
    padded[1 + i] += impl.input_padding[i].first + impl.input_padding[i].second;
  std::vector<ConvAxis> axes = detail::forward_axes("conv", Tensor::empty(padded), impl.kernel, impl.conv);
  for (std::size_t i = 0; i < impl.input_padding.size() && i < axes.size(); ++i) {
    axes[i].pad_before += impl.input_padding[i].first;
    axes[i].pad_after += impl.input_padding[i].second;
  }
  return axes;
}

// The primitive for inputs of shape x, the inputs checked when the shape is new.
std::shared_ptr<const ConvPrimitive> primitive_of(const ConvRunner& impl, const Shape& x) {
  return impl.primitive_for(x, [&] {
    check_inputs(impl, x, has_sum(impl.post_ops));
    return axes_for(impl, x);
  });
}

}  // namespace

Tensor PreparedConv::run(const Tensor& x, const Tensor* residual) const {
  const Impl& impl = *impl_;
  check_inputs(impl, x.shape(), residual != nullptr);
  return impl.run(
      x, [&] { return axes_for(impl, x.shape()); }, residual);
}

Shape PreparedConv::output_shape(const Shape& x) const {
  detail::prepare_kernel_call();
  try {
    return primitive_of(*impl_, x)->output;
  } catch (const dnnl::error& e) {
    detail::rethrow(e, "convolution");
  }
}

std::size_t PreparedConv::workspace_bytes(const Shape& x) const {
  detail::prepare_kernel_call();
  try {
    return primitive_of(*impl_, x)->scratchpad.get_size();
  } catch (const dnnl::error& e) {
    detail::rethrow(e, "convolution");
  }
}

void PreparedConv::run_into(const float* x, const Shape& x_shape, float* out, std::span<std::byte> workspace) const {
  detail::prepare_kernel_call();
  try {
    impl_->execute(*primitive_of(*impl_, x_shape), x, out, workspace);
  } catch (const dnnl::error& e) {
    detail::rethrow(e, "convolution");
  }
}

namespace detail {

bool onednn_supports(const std::vector<ConvAxis>& axes) {
  for (const ConvAxis& a : axes) {
    if (a.input_dilation != 1 || a.pad_before < 0 || a.pad_after < 0) return false;
  }
  return true;
}

Tensor onednn_conv(const Tensor& x, const Tensor& kernel, const std::vector<ConvAxis>& axes, std::int64_t groups) {
  ConvRunner impl;
  impl.kernel = kernel;
  impl.conv.groups = groups;
  return impl.run(
      x, [&] { return axes; }, nullptr);
}

Tensor onednn_conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeNdOptions& options) {
  ConvRunner impl;
  DeconvGeometry geometry = deconv_geometry(kernel, options);
  impl.kernel = std::move(geometry.kernel);
  impl.deconv_axes = std::move(geometry.axes);
  impl.transposed = true;
  return impl.run(
      x, [&] { return impl.deconv_axes; }, nullptr);
}

}  // namespace detail

std::optional<std::vector<ConvPostOp>> activation_post_ops(std::string_view name) {
  if (name == "linear") return std::vector<ConvPostOp>{};
  if (name == "relu") return std::vector<ConvPostOp>{{ConvPostOp::Kind::relu, 0.0f, 0.0f}};
  if (name == "relu6") return std::vector<ConvPostOp>{{ConvPostOp::Kind::clip, 0.0f, 6.0f}};
  // oneDNN's versions of these match Keras's within 1e-6 (test_conv_fusion checks them over
  // [-12, 12] against kplug's activations).
  if (name == "sigmoid") return std::vector<ConvPostOp>{{ConvPostOp::Kind::logistic, 0.0f, 0.0f}};
  if (name == "tanh") return std::vector<ConvPostOp>{{ConvPostOp::Kind::tanh, 0.0f, 0.0f}};
  if (name == "silu" || name == "swish") return std::vector<ConvPostOp>{{ConvPostOp::Kind::swish, 1.0f, 0.0f}};
  if (name == "elu") return std::vector<ConvPostOp>{{ConvPostOp::Kind::elu, 1.0f, 0.0f}};
  if (name == "gelu") return std::vector<ConvPostOp>{{ConvPostOp::Kind::gelu_erf, 0.0f, 0.0f}};
  return std::nullopt;
}

std::optional<std::vector<ConvPostOp>> relu_post_ops(float negative_slope, std::optional<float> max_value,
                                                     float threshold) {
  if (threshold != 0.0f) return std::nullopt;
  if (!max_value) return std::vector<ConvPostOp>{{ConvPostOp::Kind::relu, negative_slope, 0.0f}};
  if (negative_slope != 0.0f) return std::nullopt;
  return std::vector<ConvPostOp>{{ConvPostOp::Kind::clip, 0.0f, *max_value}};
}

FoldedConv fold_batch_normalization(const Tensor& kernel, const Tensor* bias, const Tensor& mean,
                                    const Tensor& variance, const Tensor* gamma, const Tensor* beta, float epsilon,
                                    bool depthwise) {
  const std::int64_t channels = depthwise ? kernel.dim(-2) * kernel.dim(-1) : kernel.dim(-1);
  for (const Tensor* t : {&mean, &variance, gamma, beta, bias}) {
    if (t && t->size() != channels) {
      throw ValueError("fold_batch_normalization: expected " + std::to_string(channels) +
                       " values per parameter (the convolution's output channels), got " + shape_to_string(t->shape()));
    }
  }
  // The same float steps as ops::batch_normalization: x * s + (beta - mean * s).
  std::vector<float> scale(static_cast<std::size_t>(channels)), shift(scale.size());
  for (std::int64_t c = 0; c < channels; ++c) {
    float s = 1.0f / std::sqrt(variance.data()[c] + epsilon);
    if (gamma) s *= gamma->data()[c];
    float r = -mean.data()[c] * s;
    if (beta) r += beta->data()[c];
    scale[static_cast<std::size_t>(c)] = s;
    shift[static_cast<std::size_t>(c)] = bias ? bias->data()[c] * s + r : r;
  }
  FoldedConv folded{kernel.clone(), Tensor(Shape{channels}, std::move(shift))};
  float* k = folded.kernel.data();
  const std::int64_t rows = kernel.size() / channels;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < channels; ++c) k[r * channels + c] *= scale[static_cast<std::size_t>(c)];
  }
  return folded;
}

std::shared_ptr<const PreparedConv> PreparedConvCache::get(
    const std::vector<Tensor>& sources, const std::function<std::unique_ptr<PreparedConv>()>& make) const {
  const std::lock_guard lock(mutex_);
  bool same = conv_ != nullptr && sources_.size() == sources.size();
  for (std::size_t i = 0; same && i < sources.size(); ++i) {
    const Tensor &a = sources_[i], &b = sources[i];
    same = a.shares_buffer_with(b) && a.bytes() == b.bytes() && a.shape() == b.shape() && a.dtype() == b.dtype();
  }
  if (!same) {
    conv_ = make();
    sources_ = sources;
  }
  return conv_;
}

}  // namespace kplug::ops
