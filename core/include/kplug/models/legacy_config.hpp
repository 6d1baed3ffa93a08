// Older config dialects -> the Keras 3 form kplug's model_from_config reads: Keras 1.x/2.x and
// tf.keras model configs (a legacy .h5's `model_config`, Keras 2 `to_json()` texts, tf.keras
// 2.13-2.15 `.keras` config.json) and a legacy .h5's `training_config`.
//
// A pure JSON -> JSON pass: every rewrite applies only where the old form is present, so a
// Keras 3 config passes through unchanged. What kplug cannot honour is refused with
// NotSupportedError; malformed values throw ConfigError. Both name the JSON path (relative to
// the value passed in, e.g. `config.layers[2].config.time_major`) and the argument.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::legacy {

struct UpgradeReport {
  // Rewrites the caller may want to show: dropped arguments, weights that need converting.
  std::vector<std::string> warnings;
  bool changed = false;
};

// True when a model document is in an older dialect at its top: Keras < 2.2's bare list of
// layers, a dict without `module` (Keras 1/2 `model_config`s and to_json texts), or one naming a
// Keras 1/2 `keras_version`. (tf.keras 2.13-2.15 archives are told by their metadata.json.)
bool is_legacy_model_config(const boost::json::value& config);

// True for a `keras_version` of Keras 1 or 2 ("1.2.2", "2.15.0"): configs it wrote are in an older dialect.
bool is_keras1_or_2_version(std::string_view version);

// A model config ({"class_name", "config"}, or Keras < 2.2's bare list of layers for a
// Sequential) -> a Keras 3 model dict. `keras_version`: the Keras that wrote it (a legacy file's
// attribute, an archive's metadata); "" takes the document's own `keras_version` key (Keras 2
// to_json texts have one), else the config is read with Keras 3's meanings. For Keras 1/2,
// `hard_sigmoid` activations become "keras2>hard_sigmoid" (clip(0.2 x + 0.5, 0, 1), not Keras 3's).
boost::json::value upgrade_model_config(const boost::json::value& config, UpgradeReport& report,
                                        std::string_view keras_version = "");

// A legacy .h5's `training_config` (loss, metrics, weighted_metrics, loss_weights,
// optimizer_config, ...) -> a compile_config as Model::set_compile_config reads it.
boost::json::value compile_config_from_training_config(const boost::json::value& training_config,
                                                       UpgradeReport& report);

}  // namespace kplug::legacy
#pragma GCC visibility pop
