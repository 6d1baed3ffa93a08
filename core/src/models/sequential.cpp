#include "kplug/models/sequential.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "models/conv_fusion.hpp"
#include "models/execution_plan.hpp"

#include <algorithm>

namespace kplug {

Sequential::Sequential(LayerArgs args) : Model(std::move(args)) {}

void Sequential::add(LayerPtr layer) {
  if (!layer) throw ValueError("Only instances of `keras.Layer` can be added to a Sequential model. Received: null");
  const bool is_input = dynamic_cast<layers::InputLayer*>(layer.get()) != nullptr;
  if (is_input && !layers_.empty()) {
    throw ValueError("Sequential model '" + name() + "': an InputLayer can only be its first layer (got '" +
                     layer->name() + "' at position " + std::to_string(layers_.size()) + ")");
  }
  if (names_.contains(layer->name())) {
    throw ValueError("All layers added to a Sequential model should have unique names. Name '" + layer->name() +
                     "' is already the name of a layer in this model. Update the `name` argument to pass a unique "
                     "name.");
  }
  // With a known input, every layer is built as it comes (Keras rebuilds its graph).
  if (auto* input = dynamic_cast<layers::InputLayer*>(layer.get())) {
    output_shape_ = input->batch_shape();
  } else if (output_shape_) {
    layer->maybe_build({*output_shape_});
    auto out = layer->compute_output_shape({*output_shape_});
    if (out.size() != 1) {
      throw ValueError(
          "All layers in a Sequential model should have a single output tensor. For multi-output "
          "layers, use the functional API. Layer '" +
          layer->name() + "' has " + std::to_string(out.size()) + " outputs.");
    }
    output_shape_ = std::move(out[0]);
  }
  names_.insert(layer->name());
  layers_.push_back(std::move(layer));
  forget_plans();
  // Keras's _maybe_rebuild: an InputLayer followed by a layer builds the model with the
  // input's batch shape (its build_config), not with the first batch predicted.
  if (!built() && layers_.size() > 1 && input_layer_if_any()) maybe_build({input_layer_if_any()->batch_shape()});
}

layers::InputLayer* Sequential::input_layer_if_any() const {
  return layers_.empty() ? nullptr : dynamic_cast<layers::InputLayer*>(layers_.front().get());
}

std::vector<LayerPtr> Sequential::layers() const {
  if (!layers_.empty() && dynamic_cast<layers::InputLayer*>(layers_.front().get())) {
    return {layers_.begin() + 1, layers_.end()};
  }
  return layers_;
}

std::vector<std::shared_ptr<layers::InputLayer>> Sequential::input_layers() const {
  if (layers_.empty()) return {};
  auto input = std::dynamic_pointer_cast<layers::InputLayer>(layers_.front());
  if (!input) return {};  // not built yet
  return {input};
}

std::vector<std::string> Sequential::output_names() const {
  if (layers_.empty()) return {};
  return {layers_.back()->name()};
}

std::vector<PartialShape> Sequential::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  std::vector<PartialShape> shapes = input_shapes;
  for (auto& layer : layers()) shapes = layer->compute_output_shape(shapes);
  return shapes;
}

std::vector<PartialShape> Sequential::output_shapes() const {
  auto inputs = input_layers();
  if (inputs.empty()) fail("has no input yet: build it first (or give it an InputLayer)");
  return compute_output_shape({inputs.front()->batch_shape()});
}

void Sequential::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& shape = single_shape(input_shapes);
  if (!layers_.empty() && dynamic_cast<layers::InputLayer*>(layers_.front().get())) return;
  // Keras inserts an InputLayer of the build shape.
  layers::InputLayer::Options options;
  options.batch_shape = shape;
  auto input = std::make_shared<layers::InputLayer>(std::move(options), LayerArgs{});
  std::vector<LayerPtr> rest = std::move(layers_);
  layers_.clear();
  names_.clear();
  output_shape_.reset();
  add(std::move(input));
  for (auto& layer : rest) add(std::move(layer));
}

struct Sequential::Plan {
  std::vector<LayerPtr> layers;
  // chain[i]: the fused chain headed by layers[i], running it and absorbed[i] layers after it.
  std::vector<std::shared_ptr<const conv_fusion::FusedConv>> chain;
  std::vector<std::size_t> absorbed;
};

std::shared_ptr<const Sequential::Plan> Sequential::plan() const {
  // layers() without copying it (a call must not allocate): the list after the InputLayer.
  const bool has_input = !layers_.empty() && dynamic_cast<layers::InputLayer*>(layers_.front().get());
  const auto first = layers_.begin() + (has_input ? 1 : 0);
  const std::lock_guard lock(plan_mutex_);
  if (plan_ && std::equal(first, layers_.end(), plan_->layers.begin(), plan_->layers.end())) return plan_;
  std::vector<LayerPtr> stack(first, layers_.end());
  auto plan = std::make_shared<Plan>();
  plan->chain.resize(stack.size());
  plan->absorbed.resize(stack.size());
  for (std::size_t i = 0; i < stack.size(); ++i) {
    std::unique_ptr<conv_fusion::FusedConv> chain = conv_fusion::FusedConv::start(*stack[i]);
    std::size_t absorbed = 0;
    // A ZeroPadding before a convolution folds into it: the chain starts at the padding.
    if (!chain && i + 1 < stack.size()) {
      chain = conv_fusion::FusedConv::start(*stack[i + 1]);
      if (chain && chain->absorb_padding(*stack[i]))
        absorbed = 1;
      else
        chain.reset();
    }
    if (!chain) continue;
    while (i + 1 + absorbed < stack.size() && chain->absorb(*stack[i + 1 + absorbed], false)) ++absorbed;
    if (absorbed == 0) continue;  // the layer alone runs its own PreparedConv
    plan->chain[i] = std::move(chain);
    plan->absorbed[i] = absorbed;
    i += absorbed;
  }
  plan->layers = std::move(stack);
  plan_ = plan;
  return plan_;
}

std::vector<Tensor> Sequential::call(CallArgs& args) {
  expect_inputs(args, 1);
  const std::shared_ptr<const Plan> plan = this->plan();
  CallArgs current;
  current.inputs = std::move(args.inputs);
  current.masks = std::move(args.masks);
  current.training = args.training;
  for (std::size_t i = 0; i < plan->layers.size(); ++i) {
    // A fused chain runs its layers at once (inference, no mask).
    if (plan->chain[i] && conv_fusion::may_fuse(args.training, current.has_any_mask())) {
      Tensor y = plan->chain[i]->run(current.inputs[0], nullptr);
      current.inputs = {std::move(y)};
      i += plan->absorbed[i];
      continue;
    }
    const LayerPtr& layer = plan->layers[i];
    auto outputs = (*layer)(current);
    auto masks = layer->compute_mask(current, outputs);
    if (outputs.size() != 1) fail("layer '" + layer->name() + "' gave " + std::to_string(outputs.size()) + " outputs");
    CallArgs next;
    next.inputs = std::move(outputs);
    if (!masks.empty() && masks[0]) next.masks = {std::move(masks[0])};
    next.training = args.training;
    current = std::move(next);
  }
  return std::move(current.inputs);
}

std::shared_ptr<const detail::InferenceGraph> Sequential::inference_graph(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1) return nullptr;
  auto out = std::make_shared<detail::InferenceGraph>();
  const std::shared_ptr<const Plan> plan = this->plan();
  const std::vector<LayerPtr>& stack = plan->layers;
  out->slots = stack.size() + 1;
  out->inputs = {0};
  out->outputs = {stack.size()};
  for (std::size_t i = 0; i < stack.size(); ++i) {
    detail::InferenceGraph::Node node;
    node.layer = stack[i].get();
    node.inputs = {i};
    node.outputs = {i + 1};
    if (plan->chain[i]) {  // the chain's step runs the layers it absorbed
      node.fused = plan->chain[i];
      for (std::size_t a = 1; a <= plan->absorbed[i]; ++a) node.absorbed.push_back(stack[i + a].get());
      i += plan->absorbed[i];
      node.outputs = {i + 1};
    }
    out->nodes.push_back(std::move(node));
  }
  return out;
}

boost::json::object Sequential::get_config() const {
  boost::json::object config = base_config();
  boost::json::array layer_configs;
  layer_configs.reserve(layers_.size());
  for (auto& layer : layers_) layer_configs.push_back(serialize_layer(*layer));
  config["layers"] = std::move(layer_configs);
  if (!layers_.empty()) {
    if (auto* input = dynamic_cast<layers::InputLayer*>(layers_.front().get())) {
      config["build_input_shape"] = input->batch_shape().to_json();
    }
  }
  return config;
}

std::shared_ptr<Sequential> Sequential::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  if (!config.contains("name") || !config.contains("layers")) {
    throw ConfigError(context.path(),
                      "A Sequential model configuration must be a dictionary containing the 'name' "
                      "and 'layers' keys");
  }
  ConfigReader reader(config, context, "Sequential");
  LayerArgs args = LayerArgs::read(reader);
  const boost::json::value* layer_configs = reader.raw("layers");
  const boost::json::value* build_input_shape = reader.raw("build_input_shape");
  reader.finish();
  const auto* list = layer_configs->if_array();
  if (!list)
    reader.fail("layers", "expected a list of layer configs, got " + std::string(json::type_name(*layer_configs)));
  auto model = std::make_shared<Sequential>(std::move(args));
  DeserializationContext::PathScope layers_scope(context, "layers");
  for (std::size_t i = 0; i < list->size(); ++i) {
    DeserializationContext::PathScope scope(context, i);
    LayerPtr layer = deserialize_layer((*list)[i], context);
    try {
      model->add(std::move(layer));
    } catch (const ValueError& e) {
      throw ConfigError(context.path(), e.what());
    }
  }
  if (build_input_shape && !build_input_shape->is_null() && model->input_layer_if_any() == nullptr) {
    model->maybe_build({PartialShape::from_json(*build_input_shape, "build_input_shape")});
  }
  if (model->input_layer_if_any()) model->maybe_build({model->input_layer_if_any()->batch_shape()});
  return model;
}

}  // namespace kplug
