// A legacy .h5's `training_config` -> a Keras 3 compile_config.
//
// Keras 2.2 wrote optimizer_config, loss, metrics, weighted_metrics, sample_weight_mode and
// loss_weights; tf.keras the same without sample_weight_mode; Keras 3's legacy writer adds
// run_eagerly, steps_per_execution and jit_compile. Optimizer configs carry Keras 2 keys
// (lr, decay, is_legacy_optimizer, jit_compile) that Keras 3's optimizers refuse.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "models/legacy_config/upgrade.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace kplug::legacy {

namespace {

using boost::json::object;
using boost::json::value;
using detail::field_path;

constexpr std::array<std::string_view, 10> kTrainingKeys = {"optimizer_config", "loss",
                                                            "metrics",          "weighted_metrics",
                                                            "loss_weights",     "sample_weight_mode",
                                                            "run_eagerly",      "steps_per_execution",
                                                            "jit_compile",      "auto_scale_loss"};

// Keras 2 optimizers' class names as the legacy optimizers.get accepted them.
std::string optimizer_class(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kNames = {{{"sgd", "SGD"},
                                                                                            {"rmsprop", "RMSprop"},
                                                                                            {"adagrad", "Adagrad"},
                                                                                            {"adadelta", "Adadelta"},
                                                                                            {"adam", "Adam"},
                                                                                            {"adamax", "Adamax"},
                                                                                            {"nadam", "Nadam"},
                                                                                            {"adamw", "AdamW"},
                                                                                            {"ftrl", "Ftrl"},
                                                                                            {"lion", "Lion"}}};
  for (const auto& [lower, cls] : kNames) {
    if (lower == name) return std::string(cls);
  }
  return std::string(name);
}

// Keras 2's legacy `decay`: lr / (1 + decay * iterations), which is InverseTimeDecay with one step.
value inverse_time_decay(const value& learning_rate, const value& decay) {
  object config;
  config["initial_learning_rate"] = learning_rate;
  config["decay_steps"] = 1;
  config["decay_rate"] = decay;
  config["staircase"] = false;
  config["name"] = "InverseTimeDecay";
  object schedule;
  schedule["module"] = "keras.optimizers.schedules";
  schedule["class_name"] = "InverseTimeDecay";
  schedule["config"] = std::move(config);
  schedule["registered_name"] = nullptr;
  return schedule;
}

bool is_zero(const value& v) { return v.is_null() || (v.is_number() && v.to_number<double>() == 0.0); }

void upgrade_optimizer_args(object& config, const std::string& path, UpgradeReport& report) {
  if (config.contains("lr") && config.contains("learning_rate")) {
    detail::malformed(field_path(path, "lr"), "both 'lr' and 'learning_rate' are given");
  }
  detail::rename_key(config, "lr", "learning_rate");
  // Markers of tf.keras's optimizer generations; Keras 3 compiles as it sees fit.
  config.stable_erase("is_legacy_optimizer");
  config.stable_erase("jit_compile");
  if (const auto* decay = config.if_contains("decay")) {
    if (!is_zero(*decay)) {
      if (!decay->is_number()) detail::malformed(field_path(path, "decay"), "expected a number");
      const auto* lr = config.if_contains("learning_rate");
      if (!lr || !lr->is_number()) {
        detail::refuse(field_path(path, "decay"),
                       "a time decay on top of a learning rate schedule has no Keras 3 equivalent");
      }
      // Keras 3 ignores `decay` with a warning; the schedule keeps the training behaviour.
      value schedule = inverse_time_decay(*lr, *decay);
      config["learning_rate"] = std::move(schedule);
      report.warnings.push_back(field_path(path, "decay") +
                                ": Keras 2's time decay became an InverseTimeDecay learning rate schedule");
    }
    config.stable_erase("decay");
  }
  if (const auto* schedule_decay = config.if_contains("schedule_decay")) {  // Keras 2.2's Nadam
    if (!schedule_decay->is_number() || std::abs(schedule_decay->to_number<double>() - 0.004) > 1e-12) {
      detail::refuse(
          field_path(path, "schedule_decay"),
          "Keras 3's Nadam has a fixed momentum schedule decay of 0.004 (got " + json::excerpt(*schedule_decay) + ")");
    }
    config.stable_erase("schedule_decay");
  }
}

value upgrade_optimizer(const value& v, const std::string& path, UpgradeReport& report) {
  if (v.is_string()) {
    object out;
    out["class_name"] = optimizer_class(v.get_string());
    out["config"] = object();
    return out;
  }
  if (!v.is_object()) {
    detail::malformed(path, "expected an optimizer dict {\"class_name\": ..., \"config\": ...}, got " +
                                std::string(json::type_name(v)));
  }
  object out = v.get_object();
  auto* class_name = out.if_contains("class_name");
  if (!class_name || !class_name->is_string()) {
    detail::malformed(field_path(path, "class_name"), "the optimizer needs a string 'class_name'");
  }
  *class_name = optimizer_class(class_name->get_string());
  auto& config = detail::object_at(out, "config", path);
  upgrade_optimizer_args(config, field_path(path, "config"), report);
  return out;
}

// Loss and metric names Keras 2 knew under another name.
value upgrade_name(std::string_view name, const std::string& path, UpgradeReport& report) {
  if (name == "cosine_proximity" || name == "cosine") {
    report.warnings.push_back(path + ": Keras 2's '" + std::string(name) +
                              "' is Keras 3's 'cosine_similarity' (as a metric, Keras 3 reports it "
                              "with the opposite sign)");
    return "cosine_similarity";
  }
  return value(name);
}

// tf.keras's loss objects: "auto" reduction, and the `fn` its `.keras` writer adds to built-in
// losses (Keras 3's take none but LossFunctionWrapper).
void upgrade_loss_object(object& loss) {
  auto* config = loss.if_contains("config");
  if (!config || !config->is_object()) return;
  auto& args = config->get_object();
  if (auto* reduction = args.if_contains("reduction");
      reduction && reduction->is_string() && reduction->get_string() == "auto") {
    *reduction = "sum_over_batch_size";  // tf.keras's default reduction
  }
  const auto* class_name = loss.if_contains("class_name");
  if (class_name && class_name->is_string() && class_name->get_string() != "LossFunctionWrapper")
    args.stable_erase("fn");
}

// tf.keras saves compiled metrics: "accuracy" is MeanMetricWrapper(fn="categorical_accuracy"),
// which Keras 3 writes as the metric class of that name (its wrapper takes loss functions).
void upgrade_metric_object(object& metric) {
  auto* class_name = metric.if_contains("class_name");
  auto* config = metric.if_contains("config");
  if (!class_name || *class_name != "MeanMetricWrapper" || !config || !config->is_object()) return;
  const auto* fn = config->get_object().if_contains("fn");
  if (!fn || !fn->is_string() || !fn->get_string().ends_with("_accuracy")) return;
  *class_name = detail::camel_case(fn->get_string());
  config->get_object().stable_erase("fn");
}

// A loss or metric structure: names, {class_name, config} objects, lists and per-output dicts.
value upgrade_compile_value(const value& v, bool is_loss, const std::string& path, UpgradeReport& report) {
  if (v.is_string()) return upgrade_name(v.get_string(), path, report);
  if (const auto* list = v.if_array()) {
    boost::json::array out;
    for (std::size_t i = 0; i < list->size(); ++i) {
      out.push_back(upgrade_compile_value((*list)[i], is_loss, detail::index_path(path, i), report));
    }
    return out;
  }
  if (const auto* dict = v.if_object()) {
    object out = *dict;
    if (dict->contains("class_name")) {
      if (is_loss) {
        upgrade_loss_object(out);
      } else {
        upgrade_metric_object(out);
      }
      return out;
    }
    for (auto& item : out) {
      item.value() = upgrade_compile_value(item.value(), is_loss, field_path(path, item.key()), report);
    }
    return out;
  }
  return v;
}

}  // namespace

namespace detail {

void upgrade_compile_config(object& compile_config, const std::string& path, UpgradeReport& report) {
  if (auto* optimizer = compile_config.if_contains("optimizer"); optimizer && optimizer->is_object()) {
    *optimizer = upgrade_optimizer(*optimizer, field_path(path, "optimizer"), report);
  }
  for (std::string_view key : {"loss", "metrics", "weighted_metrics"}) {
    if (auto* v = compile_config.if_contains(key)) {
      value upgraded = upgrade_compile_value(*v, key == "loss", field_path(path, key), report);
      *v = std::move(upgraded);
    }
  }
}

}  // namespace detail

value compile_config_from_training_config(const value& training_config, UpgradeReport& report) {
  const auto* tc = training_config.if_object();
  if (!tc) {
    detail::malformed("training_config", "expected a dict, got " + std::string(json::type_name(training_config)));
  }
  for (const auto& item : *tc) {
    if (std::find(kTrainingKeys.begin(), kTrainingKeys.end(), item.key()) == kTrainingKeys.end()) {
      std::string known;
      for (std::string_view k : kTrainingKeys) known += (known.empty() ? "'" : ", '") + std::string(k) + "'";
      detail::malformed(field_path("training_config", item.key()),
                        "unknown training_config key '" + std::string(item.key()) + "' (known: " + known + ")");
    }
  }
  if (const auto* mode = tc->if_contains("sample_weight_mode"); mode && !mode->is_null()) {
    report.warnings.push_back("training_config.sample_weight_mode: dropped (Keras 3 infers temporal weights)");
  }
  object out;
  if (const auto* optimizer = tc->if_contains("optimizer_config"); optimizer && !optimizer->is_null()) {
    out["optimizer"] = upgrade_optimizer(*optimizer, "training_config.optimizer_config", report);
  }
  for (std::string_view key : {"loss", "loss_weights", "metrics", "weighted_metrics"}) {
    const auto* v = tc->if_contains(key);
    out[key] =
        v ? upgrade_compile_value(*v, key == "loss", field_path("training_config", key), report) : value(nullptr);
  }
  for (std::string_view key : {"run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss"}) {
    if (const auto* v = tc->if_contains(key)) out[key] = *v;
  }
  report.changed = true;
  return out;
}

}  // namespace kplug::legacy
