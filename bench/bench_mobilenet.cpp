// A MobileNetV2 (alpha 1.0, 96x96x3, Keras's keras.applications layout: Conv2D + BN + ReLU6
// stem, 17 inverted-residual blocks of 1x1 Conv2D + BN + ReLU6, DepthwiseConv2D + BN + ReLU6,
// 1x1 Conv2D + BN and Add, then 1x1 Conv2D 1280 + BN + ReLU6, GlobalAveragePooling2D, Dense
// 1000 softmax) built from a Keras Functional config written here, random weights. Its predict
// at batch 1, 2 and 8 against the same computation written as a chain of oneDNN primitives
// without kplug (convolutions with the batch norms folded, ReLU6 and residual sums as post-ops,
// the padding inside the stride-2 convolutions, the same weights): target kplug/chain <= 1.3x.
// Then two threads against one at batch 8: target >= 1.6x. A plain timed program, one run:
// each figure is the median of repeated calls.
#include "kplug/json.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/models/model.hpp"
#include "kplug/threading.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" void omp_set_num_threads(int threads);  // libgomp, oneDNN's runtime here

namespace {

using kplug::Shape;
using kplug::Tensor;
namespace json = boost::json;

constexpr std::int64_t kSize = 96;

// ---- the Keras config ----

// One convolution of the network as the oneDNN chain runs it.
struct ConvStep {
  std::string conv, bn;  // kplug layer names
  bool depthwise = false;
  std::int64_t stride = 1, kernel = 1, pad_l = 0, pad_r = 0;
  bool relu6 = false;
  int residual = -1;  // the step whose input is added (-1: none)
  std::int64_t in_channels = 0, size = 0;
};

class ConfigBuilder {
 public:
  // Adds a layer reading `inputs`; returns its name.
  std::string add(const std::string& cls, json::object config, const std::vector<std::string>& inputs) {
    const std::string name = cls + "_" + std::to_string(layers_.size());
    config["name"] = name;
    json::array args;
    for (const std::string& in : inputs) {
      json::object tensor{{"class_name", "__keras_tensor__"},
                          {"config", json::object{{"keras_history", json::array{in.c_str(), 0, 0}}}}};
      args.push_back(std::move(tensor));
    }
    json::array node_args;
    if (inputs.size() > 1) {
      node_args.push_back(std::move(args));
    } else {
      node_args = std::move(args);
    }
    json::array inbound;
    if (!inputs.empty()) inbound.push_back(json::object{{"args", std::move(node_args)}, {"kwargs", json::object{}}});
    layers_.push_back(json::object{{"module", "keras.layers"},
                                   {"class_name", cls},
                                   {"config", std::move(config)},
                                   {"name", name},
                                   {"inbound_nodes", std::move(inbound)}});
    return name;
  }
  std::string model_json(const std::string& input, const std::string& output) const {
    json::object config{{"name", "mobilenetv2_96"},
                        {"trainable", true},
                        {"layers", layers_},
                        {"input_layers", json::array{json::array{input.c_str(), 0, 0}}},
                        {"output_layers", json::array{json::array{output.c_str(), 0, 0}}}};
    return json::serialize(
        json::object{{"module", "keras.src.models.functional"}, {"class_name", "Functional"}, {"config", config}});
  }

 private:
  json::array layers_;
};

struct Network {
  std::string json;
  std::vector<ConvStep> steps;
  std::string dense;
};

class MobileNetBuilder {
 public:
  Network build() {
    const std::string input = b_.add("InputLayer", {{"batch_shape", json::array{nullptr, kSize, kSize, 3}}}, {});
    std::string x = conv_bn(input, 32, 3, 2, false, true, 3, kSize);
    std::int64_t channels = 32, size = kSize / 2;
    const int table[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    for (const auto& row : table) {
      for (int i = 0; i < row[2]; ++i) {
        x = block(x, channels, row[0], row[1], i == 0 ? row[3] : 1, size);
        if (i == 0 && row[3] == 2) size /= 2;
        channels = row[1];
      }
    }
    x = conv_bn(x, 1280, 1, 1, false, true, channels, size);
    x = b_.add("GlobalAveragePooling2D", {}, {x});
    net_.dense = b_.add("Dense", {{"units", 1000}, {"activation", "softmax"}}, {x});
    net_.json = b_.model_json(input, net_.dense);
    return net_;
  }

 private:
  // Conv2D or DepthwiseConv2D without bias, BatchNormalization, and ReLU(6) when `relu6`.
  std::string conv_bn(const std::string& in, std::int64_t filters, std::int64_t k, std::int64_t stride, bool depthwise,
                      bool relu6, std::int64_t in_channels, std::int64_t size) {
    ConvStep step{"", "", depthwise, stride, k, 0, 0, relu6, -1, in_channels, size};
    std::string x = in;
    std::string padding = k == 1 ? "valid" : "same";
    if (stride == 2 && depthwise) {  // Keras's correct_pad for an even size: one zero after
      x = b_.add("ZeroPadding2D", {{"padding", json::array{json::array{0, 1}, json::array{0, 1}}}}, {x});
      padding = "valid";
      step.pad_r = 1;
    } else if (k == 3) {
      const std::int64_t out = (size + stride - 1) / stride,
                         total = std::max<std::int64_t>((out - 1) * stride + 3 - size, 0);
      step.pad_l = total / 2;
      step.pad_r = total - total / 2;
    }
    json::object config{{"kernel_size", json::array{k, k}},
                        {"strides", json::array{stride, stride}},
                        {"padding", padding},
                        {"use_bias", false}};
    if (!depthwise) config["filters"] = filters;
    step.conv = x = b_.add(depthwise ? "DepthwiseConv2D" : "Conv2D", config, {x});
    step.bn = x = b_.add("BatchNormalization", {{"epsilon", 1e-3}, {"momentum", 0.999}}, {x});
    if (relu6) x = b_.add("ReLU", {{"max_value", 6.0}}, {x});
    net_.steps.push_back(step);
    return x;
  }

  std::string block(const std::string& in, std::int64_t in_channels, int expansion, std::int64_t filters, int stride,
                    std::int64_t size) {
    const auto first = static_cast<int>(net_.steps.size());
    std::string x = in;
    std::int64_t channels = in_channels;
    if (expansion != 1) {
      x = conv_bn(x, in_channels * expansion, 1, 1, false, true, in_channels, size);
      channels = in_channels * expansion;
    }
    x = conv_bn(x, channels, 3, stride, true, true, channels, size);
    x = conv_bn(x, filters, 1, 1, false, false, channels, stride == 2 ? size / 2 : size);
    if (in_channels == filters && stride == 1) {
      net_.steps.back().residual = first;
      x = b_.add("Add", {}, {in, x});
    }
    return x;
  }

  ConfigBuilder b_;
  Network net_;
};

// Random weights for every variable (positive variances), the same for the same seed.
void randomize(const kplug::Model& model) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.5f, 1.5f);
  for (const kplug::VariablePtr& v : model.weights()) {
    Tensor t(v->value().shape());
    const std::int64_t fan_in = t.rank() > 1 ? t.size() / t.dim(-1) : 1;
    const float scale = std::sqrt(2.0f / static_cast<float>(fan_in));
    for (float& value : t.values()) value = v->name() == "moving_variance" ? uniform(rng) : normal(rng) * scale;
    if (v->name() == "gamma") {
      for (float& value : t.values()) value = 1.0f + 0.1f * value;
    }
    v->assign(std::move(t));
  }
}

// ---- the oneDNN chain ----

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

class Chain {
 public:
  Chain(const kplug::Model& model, const Network& net, std::int64_t batch) : engine_(dnnl::engine::kind::cpu, 0) {
    dnnl::stream stream(engine_);
    for (const ConvStep& step : net.steps) add_conv(model, step, batch, stream);
    add_head(model, net, batch, stream);
    stream.wait();
  }

  const float* run(const Tensor& x) {
    dnnl::stream stream(engine_);
    std::copy(x.values().begin(), x.values().end(), static_cast<float*>(inputs_.front().get_data_handle()));
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      if (residual_[i] >= 0) {  // the sum post-op adds what the destination holds
        const dnnl::memory& from = inputs_[static_cast<std::size_t>(residual_[i])];
        std::copy_n(static_cast<const float*>(from.get_data_handle()), from.get_desc().get_size() / sizeof(float),
                    static_cast<float*>(steps_[i].second.at(DNNL_ARG_DST).get_data_handle()));
      }
      steps_[i].first.execute(stream, steps_[i].second);
    }
    stream.wait();
    return static_cast<const float*>(output_.get_data_handle());
  }

 private:
  static dnnl::memory::dims nchw(std::int64_t n, std::int64_t c, std::int64_t s) { return {n, c, s, s}; }

  void add_conv(const kplug::Model& model, const ConvStep& step, std::int64_t batch, dnnl::stream& stream) {
    const Tensor kernel = model.get_layer(step.conv)->get_weights()[0];
    const std::vector<Tensor> bn = model.get_layer(step.bn)->get_weights();  // gamma, beta, mean, variance
    const std::int64_t out_c = step.depthwise ? step.in_channels : kernel.dim(-1);
    // Folded: kernel * s, bias beta - mean * s, s = gamma / sqrt(variance + eps).
    std::vector<float> folded(kernel.values().begin(), kernel.values().end()), bias(static_cast<std::size_t>(out_c));
    for (std::int64_t c = 0; c < out_c; ++c) {
      const float s = bn[0].data()[c] / std::sqrt(bn[3].data()[c] + 1e-3f);
      bias[static_cast<std::size_t>(c)] = bn[1].data()[c] - bn[2].data()[c] * s;
      for (std::size_t r = 0; r < folded.size() / static_cast<std::size_t>(out_c); ++r)
        folded[r * static_cast<std::size_t>(out_c) + static_cast<std::size_t>(c)] *= s;
    }
    const std::int64_t k = step.kernel, in_c = step.in_channels;
    const std::int64_t out_size = (step.size + step.pad_l + step.pad_r - k) / step.stride + 1;
    if (inputs_.empty())
      inputs_.emplace_back(dnnl::memory::desc(nchw(batch, in_c, step.size), dt::f32, tag::nhwc), engine_);
    const dnnl::memory::desc src = inputs_.back().get_desc();
    const dnnl::memory::desc dst(nchw(batch, out_c, out_size), dt::f32, tag::nhwc);
    // Keras's (kh, kw, in, out) is hwio; a depthwise (kh, kw, C, 1) is the grouped (C, 1, 1, kh, kw).
    const dnnl::memory::desc user_w =
        step.depthwise ? dnnl::memory::desc({out_c, 1, 1, k, k}, dt::f32, {1, 1, 1, k * out_c, out_c})
                       : dnnl::memory::desc({out_c, in_c, k, k}, dt::f32, tag::hwio);
    const dnnl::memory::desc any_w(user_w.dims(), dt::f32, tag::any);
    dnnl::post_ops post;
    if (step.residual >= 0) post.append_sum(1.0f);
    if (step.relu6) post.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, 0.0f, 6.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(post);
    const dnnl::convolution_forward::primitive_desc pd({dnnl::prop_kind::forward_inference,
                                                        dnnl::algorithm::convolution_direct,
                                                        src,
                                                        any_w,
                                                        dnnl::memory::desc({out_c}, dt::f32, tag::a),
                                                        dst,
                                                        {step.stride, step.stride},
                                                        {0, 0},
                                                        {step.pad_l, step.pad_l},
                                                        {step.pad_r, step.pad_r}},
                                                       attr, engine_);
    dnnl::memory weights(pd.weights_desc(), engine_), user(user_w, engine_, folded.data());
    dnnl::reorder(user, weights).execute(stream, user, weights);
    stream.wait();
    dnnl::memory bias_mem({{out_c}, dt::f32, tag::a}, engine_);
    std::copy(bias.begin(), bias.end(), static_cast<float*>(bias_mem.get_data_handle()));
    dnnl::memory out(dst, engine_);
    steps_.push_back({dnnl::convolution_forward(pd),
                      {{DNNL_ARG_SRC, inputs_.back()},
                       {DNNL_ARG_WEIGHTS, weights},
                       {DNNL_ARG_BIAS, bias_mem},
                       {DNNL_ARG_DST, out}}});
    residual_.push_back(step.residual);
    inputs_.push_back(out);
  }

  // Global average pooling, then Dense 1000 (inner product) and softmax.
  void add_head(const kplug::Model& model, const Network& net, std::int64_t batch, dnnl::stream& stream) {
    const dnnl::memory::desc src = inputs_.back().get_desc();
    const auto dims = src.dims();
    const dnnl::memory::desc pooled({batch, dims[1], 1, 1}, dt::f32, tag::nhwc);
    const dnnl::pooling_forward::primitive_desc pool({dnnl::prop_kind::forward_inference,
                                                      dnnl::algorithm::pooling_avg_exclude_padding,
                                                      src,
                                                      pooled,
                                                      {dims[2], dims[3]},
                                                      {dims[2], dims[3]},
                                                      {0, 0},
                                                      {0, 0}},
                                                     engine_);
    dnnl::memory pooled_mem(pooled, engine_);
    steps_.push_back({dnnl::pooling_forward(pool), {{DNNL_ARG_SRC, inputs_.back()}, {DNNL_ARG_DST, pooled_mem}}});
    residual_.push_back(-1);
    const std::vector<Tensor> dense = model.get_layer(net.dense)->get_weights();  // (1280, 1000), (1000)
    const std::int64_t units = dense[0].dim(1);
    const dnnl::memory::desc flat({batch, dims[1]}, dt::f32, tag::ab), w_md({dims[1], units}, dt::f32, tag::ab);
    const dnnl::memory::desc b_md({1, units}, dt::f32, tag::ab), y_md({batch, units}, dt::f32, tag::ab);
    const dnnl::matmul::primitive_desc mm(dnnl::matmul::desc(flat, w_md, b_md, y_md), engine_);
    dnnl::memory w(w_md, engine_), b(b_md, engine_), y(y_md, engine_);
    std::copy(dense[0].values().begin(), dense[0].values().end(), static_cast<float*>(w.get_data_handle()));
    std::copy(dense[1].values().begin(), dense[1].values().end(), static_cast<float*>(b.get_data_handle()));
    steps_.push_back({dnnl::matmul(mm),
                      {{DNNL_ARG_SRC, dnnl::memory(flat, engine_, pooled_mem.get_data_handle())},
                       {DNNL_ARG_WEIGHTS, w},
                       {DNNL_ARG_BIAS, b},
                       {DNNL_ARG_DST, y}}});
    residual_.push_back(-1);
    const dnnl::softmax_forward::primitive_desc sm({dnnl::prop_kind::forward_inference, y_md, 1}, engine_);
    output_ = dnnl::memory(y_md, engine_);
    steps_.push_back({dnnl::softmax_forward(sm), {{DNNL_ARG_SRC, y}, {DNNL_ARG_DST, output_}}});
    residual_.push_back(-1);
    (void)stream;
  }

  dnnl::engine engine_;
  std::vector<std::pair<dnnl::primitive, std::unordered_map<int, dnnl::memory>>> steps_;
  std::vector<int> residual_;         // per step: the index into inputs_ whose tensor its sum adds
  std::vector<dnnl::memory> inputs_;  // inputs_[i]: step i's input
  dnnl::memory output_;
};

// Median microseconds of `a` and of `b`, called in turns (after warm-up) so that both see the
// same load on a shared machine.
std::pair<double, double> median_us(const std::function<void()>& a, const std::function<void()>& b, int repeats) {
  for (int i = 0; i < 3; ++i) {
    a();
    b();
  }
  std::vector<double> times_a, times_b;
  auto time = [](const std::function<void()>& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  };
  for (int i = 0; i < repeats; ++i) {
    times_a.push_back(time(a));
    times_b.push_back(time(b));
  }
  auto median = [repeats](std::vector<double>& t) {
    std::nth_element(t.begin(), t.begin() + repeats / 2, t.end());
    return t[static_cast<std::size_t>(repeats / 2)];
  };
  return {median(times_a), median(times_b)};
}

Tensor random_input(std::int64_t batch) {
  Tensor x(Shape{batch, kSize, kSize, 3});
  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  for (float& v : x.values()) v = normal(rng);
  return x;
}

}  // namespace

int main() {
  const Network net = MobileNetBuilder().build();
  const kplug::ModelPtr model = kplug::model_from_json(net.json);
  randomize(*model);
  std::printf("MobileNetV2 alpha 1.0, 96x96x3: %zu layers, %lld parameters\n", model->layers().size(),
              static_cast<long long>(model->count_params()));
  std::printf("%-8s %14s %14s %10s %12s\n", "batch", "kplug (us)", "chain (us)", "ratio", "max |diff|");
  auto threads = [](int n) {
    kplug::set_num_threads(n);
    omp_set_num_threads(n);
  };
  threads(1);
  for (const std::int64_t batch : {1, 2, 8}) {
    const Tensor x = random_input(batch);
    Chain chain(*model, net, batch);
    const Tensor y = model->predict({x}, batch)[0];
    const float* z = chain.run(x);
    float diff = 0.0f;
    for (std::int64_t i = 0; i < y.size(); ++i) diff = std::max(diff, std::abs(y.data()[i] - z[i]));
    const int repeats = batch == 8 ? 21 : 61;
    const auto [kplug_us, chain_us] = median_us([&] { model->predict({x}, batch); }, [&] { chain.run(x); }, repeats);
    std::printf("%-8lld %14.0f %14.0f %9.2fx %12.2e\n", static_cast<long long>(batch), kplug_us, chain_us,
                kplug_us / chain_us, static_cast<double>(diff));
  }
  // One call of batch 8 on one thread, then on two, in turns. oneDNN splits a primitive's work
  // for the threads there are when it is created: the chain has one set of primitives for each.
  const Tensor x = random_input(8);
  threads(1);
  Chain chain_for_one(*model, net, 8);
  threads(2);
  Chain chain_for_two(*model, net, 8);
  const auto [kplug_one, kplug_two] = median_us(
      [&] {
        threads(1);
        model->predict({x}, 8);
      },
      [&] {
        threads(2);
        model->predict({x}, 8);
      },
      21);
  const auto [chain_one, chain_two] = median_us(
      [&] {
        threads(1);
        chain_for_one.run(x);
      },
      [&] {
        threads(2);
        chain_for_two.run(x);
      },
      21);
  std::printf("batch 8, one thread against two: kplug %.0f / %.0f us (%.2fx), chain %.0f / %.0f us (%.2fx)\n",
              kplug_one, kplug_two, kplug_one / kplug_two, chain_one, chain_two, chain_one / chain_two);
  return 0;
}
