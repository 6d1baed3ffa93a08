#include "kplug/models/model.hpp"

#include "kplug/models/legacy_config.hpp"

#include "json/parse_scratch.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "models/execution_plan.hpp"
#include "serialization/active_call.hpp"
#include "serialization/missing_objects.hpp"
#include "tensor/buffer_pool.hpp"
#include "util/suggest.hpp"

#include <algorithm>
#include <cstring>
#include <iostream>

namespace kplug {

Model::Model(LayerArgs args)
    : Layer(std::move(args)),
      buffer_pools_(std::make_unique<detail::BufferPools>()),
      plans_(std::make_unique<detail::ExecutionPlans>()) {}
Model::~Model() = default;

std::shared_ptr<const detail::InferenceGraph> Model::inference_graph(const std::vector<TensorSpec>&) const {
  return nullptr;
}

void Model::forget_plans() { plans_->clear(); }

LayerPtr Model::get_layer(std::string_view name) const {
  std::vector<std::string> names;
  for (auto& layer : layers()) {
    if (layer->name() == name) return layer;
    names.push_back(layer->name());
  }
  throw ValueError("No such layer: " + std::string(name) + ". Existing layers are: [" + detail::quoted_list(names, 50) +
                   "]." + detail::did_you_mean(name, names));
}

LayerPtr Model::get_layer(std::size_t index) const {
  auto all = layers();
  if (index >= all.size()) {
    throw ValueError("Was asked to retrieve layer at index " + std::to_string(index) + " but model only has " +
                     std::to_string(all.size()) + " layers.");
  }
  return all[index];
}

std::vector<LayerAttribute> Model::layer_attributes() const {
  return {LayerAttribute{"layers", saved_layers(), true, true}};
}

void Model::save_weights(saving::WeightsStore& store) const { saving::save_state(*this, store); }

void Model::load_weights(const saving::WeightsStore& store) {
  if (!built()) {
    throw ValueError("Model '" + name() +
                     "' was never built: build it (or give it an InputLayer) before loading "
                     "weights into it");
  }
  if (const auto& opt = optimizer(); opt && !opt->built()) opt->build(trainable_weights());
  saving::load_state(*this, store);
}

namespace {

// The batches stacked back along the first axis: one copy into the result's buffer.
Tensor concat_rows(const std::vector<Tensor>& parts) {
  Shape shape = parts.front().shape();
  std::int64_t rows = 0;
  for (const Tensor& p : parts) rows += p.shape()[0];
  shape[0] = rows;
  Tensor out = Tensor::empty(std::move(shape), parts.front().dtype());
  std::byte* cursor = out.mutable_bytes();
  for (const Tensor& p : parts) {
    if (p.dtype() != out.dtype() || p.rank() != out.rank() ||
        !std::equal(p.shape().begin() + 1, p.shape().end(), out.shape().begin() + 1)) {
      throw ValueError("predict: the batches' outputs differ in dtype or shape (" + shape_repr(p.shape()) + " and " +
                       shape_repr(parts.front().shape()) + ")");
    }
    std::memcpy(cursor, p.bytes(), p.nbytes());
    cursor += p.nbytes();
  }
  return out;
}

// `shape` fits `want` with any number of rows (checked in place: predict's steady state
// allocates nothing for it).
bool accepts_rows(const PartialShape& want, const Shape& shape) {
  if (want.rank() != shape.size()) return false;
  for (std::size_t i = 1; i < shape.size(); ++i) {
    if (want[i] && *want[i] != shape[i]) return false;
  }
  return true;
}

// predict's checks of its inputs against the model's; their number of rows.
std::int64_t checked_rows(const Model& model, const std::vector<Tensor>& inputs) {
  auto expected = model.input_layers();
  if (expected.empty()) {
    throw ValueError("Model '" + model.name() +
                     "' has no inputs yet: it was never built (give it an InputLayer or build it)");
  }
  if (inputs.size() != expected.size()) {
    throw ValueError("Model '" + model.name() + "' expects " + std::to_string(expected.size()) + " input(s), got " +
                     std::to_string(inputs.size()));
  }
  std::int64_t rows = -1;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const PartialShape& want = expected[i]->batch_shape();
    if (!accepts_rows(want, inputs[i].shape())) {
      throw ValueError("Input " + std::to_string(i) + " ('" + expected[i]->name() + "') of model '" + model.name() +
                       "' must have shape " + want.to_string() + ", got " + shape_repr(inputs[i].shape()));
    }
    if (inputs[i].rank() == 0) throw ValueError("model inputs need a batch dimension");
    if (rows >= 0 && inputs[i].shape()[0] != rows) {
      throw ValueError("All model inputs need the same number of rows, got " + std::to_string(rows) + " and " +
                       std::to_string(inputs[i].shape()[0]));
    }
    rows = inputs[i].shape()[0];
  }
  return rows;
}

}  // namespace

std::shared_ptr<const detail::ExecutionPlan> Model::plan_for(const std::vector<Tensor>& inputs) const {
  // Plans need built layers (a model without an input shape builds at its first call), and a
  // StatelessScope maps variables to other values on this thread, which steps do not see.
  if (!built() || StatelessScope::active()) return nullptr;
  return plans_->find(inputs, [&](const std::vector<TensorSpec>& specs) {
    const auto graph = inference_graph(specs);
    return graph ? detail::ExecutionPlan::make(*graph, specs) : nullptr;
  });
}

// One batch of checked inputs: through the execution plan for their specs when there is one.
std::vector<Tensor> Model::run_batch(const std::vector<Tensor>& inputs) const {
  if (const auto plan = plan_for(inputs)) return plan->run(inputs);
  // Layer's call operator is not const; an inference call on a built model is safe to run
  // concurrently (see model.hpp), which makes predict const.
  CallArgs args(inputs);
  return const_cast<Model&>(*this)(args);
}

bool Model::has_execution_plan(const std::vector<Tensor>& inputs) const {
  checked_rows(*this, inputs);
  return plan_for(inputs) != nullptr;
}

std::vector<Tensor> Model::predict(const std::vector<Tensor>& inputs, std::int64_t batch_size) const {
  if (batch_size <= 0) throw ValueError("batch_size must be positive, got " + std::to_string(batch_size));
  // The steady state: one batch of the shapes a plan was made for (and checked) before.
  if (!inputs.empty() && inputs.front().rank() > 0 && inputs.front().shape()[0] <= batch_size &&
      !StatelessScope::active()) {
    if (const auto plan = plans_->find_made(inputs)) {
      const detail::BufferPools::Lease buffers(*buffer_pools_);
      return plan->run(inputs);
    }
  }
  const std::int64_t rows = checked_rows(*this, inputs);
  const detail::BufferPools::Lease buffers(*buffer_pools_);
  if (rows <= batch_size) return run_batch(inputs);
  std::vector<std::vector<Tensor>> per_output;
  std::vector<Tensor> batch;
  for (std::int64_t begin = 0; begin < rows; begin += batch_size) {
    const std::int64_t end = std::min(rows, begin + batch_size);
    batch.clear();
    for (const Tensor& t : inputs) batch.push_back(t.slice_rows(begin, end));  // views, no copy
    auto outputs = run_batch(batch);
    per_output.resize(outputs.size());
    for (std::size_t o = 0; o < outputs.size(); ++o) per_output[o].push_back(std::move(outputs[o]));
  }
  std::vector<Tensor> out;
  for (auto& parts : per_output) out.push_back(concat_rows(parts));
  return out;
}

std::vector<Tensor> Model::predict_named(const std::map<std::string, Tensor, std::less<>>& inputs,
                                         std::int64_t batch_size) const {
  std::vector<Tensor> ordered;
  std::vector<std::string> names;
  for (auto& layer : input_layers()) names.push_back(layer->name());
  for (const auto& n : names) {
    auto it = inputs.find(n);
    if (it == inputs.end()) {
      throw ValueError("Missing input '" + n + "' for model '" + name() + "'; its inputs are [" +
                       detail::quoted_list(names) + "]");
    }
    ordered.push_back(it->second);
  }
  for (const auto& [key, value] : inputs) {
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      throw ValueError("Model '" + name() + "' has no input named '" + key + "'; its inputs are [" +
                       detail::quoted_list(names) + "]" + detail::did_you_mean(key, names));
    }
  }
  return predict(ordered, batch_size);
}

std::int64_t Model::count_trainable_params() const {
  std::int64_t n = 0;
  for (auto& v : trainable_weights()) n += shape_size(v->shape());
  return n;
}

std::int64_t Model::count_non_trainable_params() const {
  std::int64_t n = 0;
  for (auto& v : non_trainable_weights()) n += shape_size(v->shape());
  return n;
}

std::string Model::to_json() const { return json::write(serialize_layer(*this)); }

namespace {

ModelPtr model_from_keras3_document(const boost::json::value& doc, const DeserializeOptions& options);

// Keras 1/2 documents (a Keras 2 to_json() text, a model_config) are upgraded first; what was
// dropped on the way is reported on std::clog, as Keras warns. The upgraded document is read as
// Keras 3's, never upgraded again: a document the upgrade leaves looking legacy (a fuzzer made
// one) would otherwise recurse until the stack ran out.
ModelPtr model_from_legacy_document(const boost::json::value& doc, const DeserializeOptions& options) {
  legacy::UpgradeReport report;
  const boost::json::value upgraded = legacy::upgrade_model_config(doc, report);
  for (const std::string& warning : report.warnings) std::clog << "kplug: warning: " << warning << '\n';
  return model_from_keras3_document(upgraded, options);
}

ModelPtr model_from_document(const boost::json::value& doc, const DeserializeOptions& options) {
  if (legacy::is_legacy_model_config(doc)) return model_from_legacy_document(doc, options);
  return model_from_keras3_document(doc, options);
}

ModelPtr model_from_keras3_document(const boost::json::value& doc, const DeserializeOptions& options) {
  if (!doc.is_object()) throw ConfigError("", "expected a model config dict, got " + std::string(json::type_name(doc)));
  // Nested calls keep the outer call's options, as deserialize() does.
  const DeserializeOptions* outer = detail::ActiveCall::outer();
  DeserializeOptions merged = options;
  if (outer) {
    merged.safe_mode = options.safe_mode || outer->safe_mode;
    for (const auto& [key, entry] : outer->custom_objects) merged.custom_objects.emplace(key, entry);
  }
  detail::ActiveCall active(merged);
  DeserializationContext context(merged);
  LayerPtr layer;
  try {
    layer = deserialize_layer(doc, context);
  } catch (const UnknownObjectError& first) {
    detail::rethrow_listing_missing(first, doc, merged);
  }
  auto model = std::dynamic_pointer_cast<Model>(layer);
  if (!model) {
    throw KindMismatchError("",
                            "expected a model, got the layer '" + layer->name() + "' (" + layer->class_name() + ")");
  }
  return model;
}

}  // namespace

ModelPtr model_from_config(const boost::json::value& config, const DeserializeOptions& options) {
  return model_from_document(config, options);
}

ModelPtr model_from_json(std::string_view text, const DeserializeOptions& options) {
  // The document is scratch: one arena, released at once (node-by-node frees were a third of the time).
  const boost::json::value doc = json::parse_scratch(text);
  return model_from_document(doc, options);
}

ModelPtr clone_model(const Model& model) {
  // Every layer is rebuilt from its config: new variables, drawn from their initializers.
  return model_from_config(serialize_layer(model));
}

}  // namespace kplug
