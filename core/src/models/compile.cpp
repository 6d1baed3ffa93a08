// A model's compile state: compile_config read into objects (Keras's compile_from_config)
// and written back (get_compile_config); the optimizer built on the model's trainable
// weights and saved as the model's `optimizer` child.
#include "kplug/models/compile_config.hpp"
#include "kplug/models/model.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "serialization/active_call.hpp"

#include <algorithm>
#include <array>

namespace kplug {

namespace {

bool is_object_dict(const boost::json::object& dict) { return dict.contains("class_name") && dict.contains("config"); }

// Keras's CompileMetrics resolves these from the model's outputs and loss at build time.
bool output_dependent_metric(std::string_view name) {
  return name == "accuracy" || name == "acc" || name == "crossentropy" || name == "ce";
}

ObjectPtr resolve(const boost::json::value& v, Kind kind, const DeserializeOptions& options, const std::string& path) {
  return with_location(Location::json_path(path), [&] { return deserialize_object(v, kind, options); });
}

constexpr std::array<std::string_view, 9> kCompileKeys = {
    "optimizer",           "loss",        "loss_weights",   "metrics", "weighted_metrics", "run_eagerly",
    "steps_per_execution", "jit_compile", "auto_scale_loss"};

}  // namespace

CompileValue CompileValue::read(const boost::json::value& v, Kind kind, const DeserializeOptions& options,
                                const std::string& path) {
  CompileValue out;
  if (v.is_null()) return out;
  if (v.is_number() || v.is_bool()) {
    if (kind != Kind::other) throw ConfigError(path, "expected a name, a config dict, a list or a dict, got a number");
    out.type_ = Type::scalar;
    out.scalar_ = v;
    return out;
  }
  if (kind == Kind::other) {  // loss_weights: numbers, lists or dicts of numbers
    if (!v.is_array() && !v.is_object()) {
      throw ConfigError(path, "expected a number, a list or a dict of numbers, got " + std::string(json::type_name(v)));
    }
  }
  if (v.is_string()) {
    out.type_ = Type::name;
    out.name_ = std::string(v.get_string());
    if (!(kind == Kind::metric && output_dependent_metric(out.name_))) out.object_ = resolve(v, kind, options, path);
    return out;
  }
  if (const auto* list = v.if_array()) {
    out.type_ = Type::list;
    for (std::size_t i = 0; i < list->size(); ++i) {
      out.items_.push_back(read((*list)[i], kind, options, path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
  const auto& dict = v.get_object();
  if (kind != Kind::other && is_object_dict(dict)) {
    out.type_ = Type::object;
    out.object_ = resolve(v, kind, options, path);
    return out;
  }
  out.type_ = Type::dict;
  for (const auto& item : dict) {
    out.entries_.emplace_back(std::string(item.key()),
                              read(item.value(), kind, options, path + "." + std::string(item.key())));
  }
  return out;
}

boost::json::value CompileValue::to_json() const {
  switch (type_) {
    case Type::null: return nullptr;
    case Type::scalar: return scalar_;
    case Type::name: return boost::json::string(name_);
    case Type::object: return serialize(object_);
    case Type::list: {
      boost::json::array out;
      for (const auto& item : items_) out.push_back(item.to_json());
      return out;
    }
    case Type::dict: {
      boost::json::object out;
      for (const auto& [key, value] : entries_) out[key] = value.to_json();
      return out;
    }
  }
  return nullptr;
}

CompileState CompileState::read(const boost::json::object& config, const DeserializeOptions& options) {
  CompileState state;
  for (const auto& item : config) {
    const std::string key(item.key());
    const std::string path = "compile_config." + key;
    if (std::find(kCompileKeys.begin(), kCompileKeys.end(), key) == kCompileKeys.end()) {
      std::string known;
      for (std::string_view k : kCompileKeys) known += (known.empty() ? "" : ", ") + std::string(k);
      throw ConfigError(path, "compile() got an unexpected keyword argument '" + key + "'. Known: " + known);
    }
    state.order_.push_back(key);
    const boost::json::value& v = item.value();
    if (key == "optimizer") {
      if (v.is_null()) continue;
      if (v.is_string()) state.optimizer_json_ = v;
      state.optimizer_ = std::dynamic_pointer_cast<Optimizer>(resolve(v, Kind::optimizer, options, path));
    } else if (key == "loss") {
      state.loss_ = CompileValue::read(v, Kind::loss, options, path);
    } else if (key == "loss_weights") {
      state.loss_weights_ = CompileValue::read(v, Kind::other, options, path);
    } else if (key == "metrics") {
      state.metrics_ = CompileValue::read(v, Kind::metric, options, path);
    } else if (key == "weighted_metrics") {
      state.weighted_metrics_ = CompileValue::read(v, Kind::metric, options, path);
    } else {
      state.flags_[key] = v;
    }
  }
  return state;
}

boost::json::object CompileState::to_json() const {
  boost::json::object out;
  for (const std::string& key : order_) {
    if (key == "optimizer") {
      out[key] = !optimizer_json_.is_null() ? optimizer_json_ : serialize(optimizer_);
    } else if (key == "loss") {
      out[key] = loss_.to_json();
    } else if (key == "loss_weights") {
      out[key] = loss_weights_.to_json();
    } else if (key == "metrics") {
      out[key] = metrics_.to_json();
    } else if (key == "weighted_metrics") {
      out[key] = weighted_metrics_.to_json();
    } else {
      out[key] = flags_.at(key);
    }
  }
  return out;
}

// ---- Model ----

boost::json::value Model::compile_config() const {
  if (!compile_state_) return boost::json::object();
  return compile_state_->to_json();
}

const OptimizerPtr& Model::optimizer() const noexcept {
  static const OptimizerPtr none;
  return compile_state_ ? compile_state_->optimizer() : none;
}

void Model::compile_from_config(const boost::json::object& config) {
  const DeserializeOptions* outer = detail::ActiveCall::outer();
  auto state = std::make_shared<CompileState>(CompileState::read(config, outer ? *outer : DeserializeOptions{}));
  // Keras builds the optimizer here when the model is built, so that its variables exist
  // before the weights file is read.
  if (state->optimizer() && built()) state->optimizer()->build(trainable_weights());
  compile_state_ = std::move(state);
}

void Model::set_compile_config(const boost::json::value& config) {
  if (config.is_null() || (config.is_object() && config.get_object().empty())) {
    compile_state_.reset();
    return;
  }
  if (!config.is_object()) {
    throw ConfigError("compile_config", "expected a dict, got " + std::string(json::type_name(config)));
  }
  compile_from_config(config.get_object());
}

std::vector<saving::SaveableChild> Model::children() const {
  auto out = Layer::children();
  if (const auto& opt = optimizer()) out.push_back(saving::SaveableChild::single("optimizer", opt.get()));
  return out;
}

}  // namespace kplug
