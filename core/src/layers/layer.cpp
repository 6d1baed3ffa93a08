#include "kplug/layers/layer.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/quantization.hpp"
#include "kplug/serialization.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_set>

namespace kplug {

namespace {

// Keras's dtype policies: kplug computes in float32 only.
void read_dtype_policy(ConfigReader& reader) {
  const boost::json::value* v = reader.raw("dtype");
  if (!v || v->is_null()) return;
  // A quantized policy (QuantizedDTypePolicy, ...) on a layer kplug runs in float32 only is
  // a NotSupportedError naming its mode; Dense, EinsumDense and Embedding read theirs.
  (void)QuantizedDTypePolicy::read(reader, "dtype", *v, {});
  std::string name;
  if (v->is_string()) {
    name = std::string(v->get_string());
  } else if (const auto* dict = v->if_object()) {
    const auto* class_name = dict->if_contains("class_name");
    const auto* config = dict->if_contains("config");
    const bool policy_class =
        class_name && class_name->is_string() &&
        (class_name->get_string() == "DTypePolicy" || class_name->get_string() == "FloatDTypePolicy");
    const auto* config_dict = config ? config->if_object() : nullptr;
    const auto* policy_name = config_dict ? config_dict->if_contains("name") : nullptr;
    if (!policy_class || !policy_name || !policy_name->is_string()) {
      reader.fail("dtype",
                  "expected a DTypePolicy dict ({\"class_name\": \"DTypePolicy\", \"config\": {\"name\": "
                  "\"float32\"}}) or a dtype name, got " +
                      json::excerpt(*v));
    }
    name = std::string(policy_name->get_string());
  } else {
    reader.fail("dtype", "expected a DTypePolicy dict or a dtype name, got " + std::string(json::type_name(*v)));
  }
  if (name != "float32") {
    throw NotSupportedError(reader.context().path_of("dtype") + ": dtype policy '" + name +
                            "' is not supported: kplug computes in float32 only");
  }
}

}  // namespace

LayerArgs LayerArgs::read(ConfigReader& reader) {
  LayerArgs args;
  args.name = reader.optional_string("name");
  args.trainable = reader.boolean("trainable", true);
  read_dtype_policy(reader);
  args.activity_regularizer = reader.object<Regularizer>("activity_regularizer");
  return args;
}

boost::json::value float32_dtype_policy() {
  boost::json::object config;
  config["name"] = "float32";
  boost::json::object policy;
  policy.reserve(4);
  policy["module"] = "keras";
  policy["class_name"] = "DTypePolicy";
  policy["config"] = std::move(config);
  policy["registered_name"] = nullptr;
  return policy;
}

Layer::Layer(LayerArgs args) : trainable_(args.trainable), activity_regularizer_(std::move(args.activity_regularizer)) {
  if (args.name) {
    if (args.name->empty()) throw ValueError("a layer name cannot be empty");
    if (args.name->find('/') != std::string::npos) {
      throw ValueError("Argument `name` must be a string and cannot contain character `/`. Received: name=" +
                       *args.name);
    }
    std::call_once(name_once_, [&] { name_ = std::move(*args.name); });
  }
}

Layer::~Layer() = default;

const std::string& Layer::name() const {
  // Keras names after the Python class (saveable_class_name), usually the class_name.
  std::call_once(name_once_, [this] { name_ = unique_object_name(to_snake_case(saveable_class_name())); });
  return name_;
}

void Layer::set_name(std::string name) {
  (void)this->name();
  name_ = std::move(name);
}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (auto& v : trainable_variables_) v->set_trainable(trainable);
  for (auto& child : sublayers()) child->set_trainable(trainable);
}

namespace {

// A layer first called before it is built builds then; concurrent first calls (predict is safe
// from many threads) build it once, under this lock. One lock for every layer: builds are rare,
// and recursive because a build may call (and so build) its sublayers.
std::recursive_mutex& lazy_build_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

}  // namespace

void Layer::maybe_build(const std::vector<PartialShape>& input_shapes) {
  if (built_) return;
  build(input_shapes);
  build_shapes_ = input_shapes;
  // Published last: a call that sees it set (operator()) sees the weights build created.
  std::atomic_ref<bool>(built_).store(true, std::memory_order_release);
}

void Layer::build(const std::vector<PartialShape>&) {}

void Layer::build_from_config(const boost::json::object& config) {
  if (config.empty()) return;
  std::vector<PartialShape> shapes;
  if (const auto* input_shape = config.if_contains("input_shape")) {
    if (input_shape->is_null()) return;
    const auto* array = input_shape->if_array();
    if (array && !array->empty() && (*array)[0].is_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        shapes.push_back(PartialShape::from_json((*array)[i], "build_config.input_shape[" + std::to_string(i) + "]"));
      }
    } else {
      shapes.push_back(PartialShape::from_json(*input_shape, "build_config.input_shape"));
    }
  } else if (const auto* shapes_dict = config.if_contains("shapes_dict")) {
    const auto* dict = shapes_dict->if_object();
    if (!dict) throw ConfigError("build_config.shapes_dict", "expected a dict of shapes");
    for (const auto& item : *dict) {
      if (item.value().is_null()) continue;
      shapes.push_back(PartialShape::from_json(item.value(), "build_config.shapes_dict." + std::string(item.key())));
    }
  } else {
    throw ConfigError("build_config", "expected \"input_shape\" or \"shapes_dict\", got " + json::excerpt(config));
  }
  maybe_build(shapes);
}

std::optional<boost::json::object> Layer::build_config() const {
  if (!build_shapes_) return std::nullopt;
  boost::json::object config;
  // A layer taking a list (Add, Concatenate) was built from several shapes.
  if (build_shapes_->size() == 1) {
    config["input_shape"] = (*build_shapes_)[0].to_json();
  } else {
    boost::json::array shapes;
    for (const auto& s : *build_shapes_) shapes.push_back(s.to_json());
    config["input_shape"] = std::move(shapes);
  }
  return config;
}

std::vector<Tensor> Layer::operator()(CallArgs& args) {
  if (!std::atomic_ref<bool>(built_).load(std::memory_order_acquire)) {
    std::vector<PartialShape> shapes;
    shapes.reserve(args.inputs.size());
    for (const Tensor& t : args.inputs) shapes.push_back(PartialShape::known(t.shape()));
    const std::lock_guard lock(lazy_build_mutex());
    maybe_build(shapes);
  }
  std::vector<Tensor> outputs = call(args);
  if (auto unread = args.unread_kwargs(); !unread.empty()) {
    fail("got an unexpected call argument '" + unread.front() + "' (" + class_name() + " does not accept it)");
  }
  if (activity_regularizer_) {
    std::vector<float> penalties;
    for (const Tensor& out : outputs) penalties.push_back((*activity_regularizer_)(out));
    std::lock_guard lock(losses_mutex_);
    activity_losses_ = std::move(penalties);
  }
  return outputs;
}

Tensor Layer::operator()(const Tensor& input) {
  CallArgs args({input});
  auto outputs = (*this)(args);
  if (outputs.empty()) fail("returned no output");
  return std::move(outputs.front());
}

InferenceStep::~InferenceStep() = default;

std::unique_ptr<InferenceStep> Layer::plan_inference(const std::vector<TensorSpec>&) const { return nullptr; }

std::vector<PartialShape> Layer::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  // Keras infers shapes by a symbolic call; kplug runs `call` on a batch of one with
  // unknown dims taken as 1, and marks the batch dim unknown again.
  CallArgs args;
  for (const auto& s : input_shapes) {
    Shape concrete;
    for (const Dim& d : s.dims()) concrete.push_back(d.value_or(1));
    args.inputs.emplace_back(concrete, 0.0f);
  }
  auto outputs = const_cast<Layer*>(this)->call(args);
  std::vector<PartialShape> shapes;
  const bool batch_unknown = !input_shapes.empty() && input_shapes[0].rank() > 0 && !input_shapes[0][0];
  for (const Tensor& out : outputs) {
    PartialShape s = PartialShape::known(out.shape());
    if (batch_unknown && s.rank() > 0) s[0] = std::nullopt;
    shapes.push_back(std::move(s));
  }
  return shapes;
}

std::vector<PartialShape> Layer::compute_output_shape_for_call(const std::vector<PartialShape>& input_shapes,
                                                               const boost::json::object&) const {
  return compute_output_shape(input_shapes);
}

std::vector<std::optional<Tensor>> Layer::compute_mask(const CallArgs& args, const std::vector<Tensor>& outputs) const {
  std::vector<std::optional<Tensor>> masks(outputs.size());
  if (!supports_masking()) return masks;
  if (const Tensor* m = args.mask(0)) {
    for (auto& out : masks) out = *m;
  }
  return masks;
}

VariablePtr Layer::add_weight(VariableSpec spec) {
  // The list follows add_weight's argument (weight order); the flag also follows the layer's.
  const bool listed_trainable = spec.trainable;
  spec.trainable = spec.trainable && trainable_;
  std::string path = name() + "/" + spec.name;
  for (const auto& v : own_variables()) {
    if (v->name() == spec.name) fail("already has a weight named '" + spec.name + "'");
  }
  auto variable = std::make_shared<Variable>(std::move(spec), std::move(path));
  (listed_trainable ? trainable_variables_ : non_trainable_variables_).push_back(variable);
  return variable;
}

void Layer::track_variable(VariablePtr variable) {
  (variable->trainable() ? trainable_variables_ : non_trainable_variables_).push_back(std::move(variable));
}

std::vector<VariablePtr> Layer::own_variables() const {
  std::vector<VariablePtr> out = trainable_variables_;
  out.insert(out.end(), non_trainable_variables_.begin(), non_trainable_variables_.end());
  return out;
}

std::vector<LayerPtr> Layer::sublayers() const {
  std::vector<LayerPtr> out;
  for (auto& attribute : layer_attributes()) {
    for (auto& layer : attribute.layers) {
      if (layer && std::find(out.begin(), out.end(), layer) == out.end()) out.push_back(layer);
    }
  }
  return out;
}

std::vector<saving::SaveableChild> Layer::children() const {
  std::vector<saving::SaveableChild> out;
  for (auto& attribute : layer_attributes()) {
    std::vector<saving::Saveable*> objects;
    for (auto& layer : attribute.layers) objects.push_back(layer.get());
    if (attribute.is_list) {
      out.push_back(saving::SaveableChild::list(attribute.name, std::move(objects), attribute.walk_first));
    } else if (!objects.empty()) {
      out.push_back(saving::SaveableChild::single(attribute.name, objects.front()));
    }
  }
  return out;
}

void Layer::save_own_variables(saving::WeightsStore::Entry& store) const {
  auto variables = own_variables();
  for (std::size_t i = 0; i < variables.size(); ++i) store.set(i, variables[i]->value());
}

void Layer::load_own_variables(const saving::WeightsStore::Entry& store) {
  auto variables = own_variables();
  const std::size_t stored = store.size();
  if (stored != variables.size()) {
    if (variables.empty() && !built_) {
      throw ValueError("Layer '" + name() +
                       "' was never built and thus it doesn't have any variables. However the "
                       "weights file lists " +
                       std::to_string(stored) + " variables for this layer.");
    }
    std::string names;
    for (auto& v : variables) names += (names.empty() ? "'" : ", '") + v->name() + "'";
    throw ValueError("Layer '" + name() + "' expected " + std::to_string(variables.size()) +
                     " variables, but received " + std::to_string(stored) + " variables during loading. Expected: [" +
                     names + "]");
  }
  std::vector<Tensor> values;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    Tensor value = store.get(i);
    if (value.shape() != variables[i]->shape()) {
      throw ValueError(
          "The shape of the target variable and the shape of the target value in "
          "`variable.assign(value)` must match. variable.shape=" +
          shape_repr(variables[i]->shape()) + ", Received: value.shape=" + shape_repr(value.shape()) +
          ". Target variable: " + variables[i]->path());
    }
    values.push_back(std::move(value));
  }
  for (std::size_t i = 0; i < variables.size(); ++i) variables[i]->assign(std::move(values[i]));
}

namespace {
void collect_weights(const Layer& layer, std::vector<VariablePtr>& out, std::unordered_set<const Variable*>& seen) {
  for (auto& v : layer.own_variables()) {
    if (seen.insert(v.get()).second) out.push_back(v);
  }
  for (auto& child : layer.sublayers()) collect_weights(*child, out, seen);
}
}  // namespace

std::vector<VariablePtr> Layer::weights() const {
  std::vector<VariablePtr> out;
  std::unordered_set<const Variable*> seen;
  collect_weights(*this, out, seen);
  return out;
}

std::vector<VariablePtr> Layer::trainable_weights() const {
  if (!trainable_) return {};
  std::vector<VariablePtr> out;
  std::unordered_set<const Variable*> seen;
  for (auto& v : trainable_variables_) {
    if (v->trainable() && seen.insert(v.get()).second) out.push_back(v);
  }
  for (auto& child : sublayers()) {
    for (auto& v : child->trainable_weights()) {
      if (seen.insert(v.get()).second) out.push_back(v);
    }
  }
  return out;
}

std::vector<VariablePtr> Layer::non_trainable_weights() const {
  if (!trainable_) return weights();
  auto trainable = trainable_weights();
  std::unordered_set<const Variable*> t;
  for (auto& v : trainable) t.insert(v.get());
  std::vector<VariablePtr> out;
  for (auto& v : weights()) {
    if (!t.contains(v.get())) out.push_back(v);
  }
  return out;
}

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> out;
  for (auto& v : weights()) out.push_back(v->value());
  return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
  auto variables = weights();
  if (variables.size() != values.size()) {
    throw ValueError("You called `set_weights(weights)` on layer '" + name() + "' with a weight list of length " +
                     std::to_string(values.size()) + ", but the layer was expecting " +
                     std::to_string(variables.size()) + " weights.");
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (variables[i]->shape() != values[i].shape()) {
      throw ValueError("Layer " + name() + " weight shape " + shape_repr(variables[i]->shape()) +
                       " is not compatible with provided weight shape " + shape_repr(values[i].shape()) + ".");
    }
  }
  for (std::size_t i = 0; i < values.size(); ++i) variables[i]->assign(values[i]);
}

std::int64_t Layer::count_params() const {
  std::int64_t n = 0;
  for (auto& v : weights()) n += shape_size(v->shape());
  return n;
}

std::vector<float> Layer::losses() const {
  std::vector<float> out;
  for (auto& v : weights()) {
    if (v->regularizer()) out.push_back(v->regularization_loss());
  }
  std::lock_guard lock(losses_mutex_);
  out.insert(out.end(), activity_losses_.begin(), activity_losses_.end());
  return out;
}

boost::json::object Layer::base_config() const {
  boost::json::object config;
  config.reserve(16);
  config["name"] = name();
  config["trainable"] = trainable_;
  config["dtype"] = float32_dtype_policy();
  if (activity_regularizer_) config["activity_regularizer"] = serialize(*activity_regularizer_);
  return config;
}

void Layer::fail(const std::string& message) const { throw ValueError("Layer '" + name() + "' " + message); }

const PartialShape& Layer::single_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.size() != 1) {
    fail("expects one input, got " + std::to_string(input_shapes.size()));
  }
  return input_shapes[0];
}

void Layer::expect_inputs(const CallArgs& args, std::size_t count) const {
  if (args.inputs.size() != count) {
    fail("expects " + std::to_string(count) + " input tensor(s), got " + std::to_string(args.inputs.size()));
  }
}

}  // namespace kplug
