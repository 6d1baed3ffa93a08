// A model's compile state, as Keras's Trainer keeps it: the arguments compile() was called
// with (its `_compile_config`), deserialized, and the optimizer object they name.
//
// compile_config keys (Keras 3.16): optimizer, loss, loss_weights, metrics,
// weighted_metrics, run_eagerly, steps_per_execution, jit_compile (and auto_scale_loss when
// given). Strings stay strings, as Keras keeps them (they are resolved by Keras's getters:
// losses.get, metrics.get, optimizers.get), but kplug checks here that each names a known
// object, so a bad name fails at load time with its JSON path. "accuracy"/"acc" and
// "crossentropy"/"ce" depend on the model's outputs and loss; they stay unresolved names.
#pragma once

#include "kplug/object.hpp"
#include "kplug/optimizers/optimizer.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// One compile argument after deserialization: null, a scalar (number, bool), a name, an
// object, or a list or dict (per output) of those.
class CompileValue {
 public:
  enum class Type { null, scalar, name, object, list, dict };

  CompileValue() = default;
  // Reads `v`, found at JSON path `path`: names are checked against `kind`'s getter, dicts
  // with class_name/config are objects of `kind`, other dicts are per-output dicts.
  static CompileValue read(const boost::json::value& v, Kind kind, const DeserializeOptions& options,
                           const std::string& path);
  // The JSON Keras writes back for it (objects through serialize()).
  boost::json::value to_json() const;

  Type type() const noexcept { return type_; }
  // The name, or the object it resolves to (null for the output-dependent names).
  const std::string& name() const noexcept { return name_; }
  const ObjectPtr& object() const noexcept { return object_; }
  const boost::json::value& scalar() const noexcept { return scalar_; }
  const std::vector<CompileValue>& items() const noexcept { return items_; }
  const std::vector<std::pair<std::string, CompileValue>>& entries() const noexcept { return entries_; }

 private:
  Type type_ = Type::null;
  std::string name_;
  ObjectPtr object_;
  boost::json::value scalar_;
  std::vector<CompileValue> items_;
  std::vector<std::pair<std::string, CompileValue>> entries_;
};

class CompileState {
 public:
  // Reads a non-empty compile_config; errors name "compile_config.<key>".
  static CompileState read(const boost::json::object& config, const DeserializeOptions& options);
  // The compile_config, keys in the order read, the optimizer serialized from its current
  // state (as Keras's SerializableDict.serialize does).
  boost::json::object to_json() const;

  const OptimizerPtr& optimizer() const noexcept { return optimizer_; }
  const CompileValue& loss() const noexcept { return loss_; }
  const CompileValue& loss_weights() const noexcept { return loss_weights_; }
  const CompileValue& metrics() const noexcept { return metrics_; }
  const CompileValue& weighted_metrics() const noexcept { return weighted_metrics_; }
  // run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: as read.
  const boost::json::object& flags() const noexcept { return flags_; }

 private:
  std::vector<std::string> order_;
  boost::json::value optimizer_json_;  // the string form, when the config named the optimizer by string
  OptimizerPtr optimizer_;
  CompileValue loss_;
  CompileValue loss_weights_;
  CompileValue metrics_;
  CompileValue weighted_metrics_;
  boost::json::object flags_;
};

}  // namespace kplug
#pragma GCC visibility pop
