// Per-layer arguments of the legacy upgrader: Keras 1 and 2 argument names and values mapped to
// their Keras 3 meaning (tf-keras's get_config tells what Keras 2 wrote), or refused.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "models/legacy_config/upgrade.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace kplug::legacy::detail {

namespace {

using boost::json::object;
using boost::json::value;

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), s) != names.end();
}

// Keras 1.x layers that Keras 2 renamed or removed.
constexpr std::array<std::string_view, 12> kKeras1Classes = {"Convolution1D",
                                                             "Convolution2D",
                                                             "Convolution3D",
                                                             "AtrousConvolution1D",
                                                             "AtrousConvolution2D",
                                                             "Deconvolution2D",
                                                             "SeparableConvolution2D",
                                                             "MaxoutDense",
                                                             "Highway",
                                                             "TimeDistributedDense",
                                                             "Merge",
                                                             "SReLU"};

// Keras 1.x argument names (Keras 2 renamed them all).
constexpr std::array<std::string_view, 15> kKeras1Args = {
    "nb_filter",    "nb_row",     "nb_col",        "border_mode",   "subsample",
    "dim_ordering", "init",       "W_regularizer", "b_regularizer", "W_constraint",
    "b_constraint", "inner_init", "U_regularizer", "dropout_W",     "dropout_U"};

// Keras 1's Dense and Dropout, the common cases, mapped as Keras 2's converters did.
void upgrade_keras1_core(std::string_view class_name, object& config) {
  auto rename = [&](std::string_view from, std::string_view to) { rename_key(config, from, to); };
  if (class_name == "Dense" && config.contains("output_dim")) {
    rename("output_dim", "units");
    rename("init", "kernel_initializer");
    rename("W_regularizer", "kernel_regularizer");
    rename("b_regularizer", "bias_regularizer");
    rename("W_constraint", "kernel_constraint");
    rename("b_constraint", "bias_constraint");
    rename("bias", "use_bias");
  } else if (class_name == "Dropout" && config.contains("p")) {
    rename("p", "rate");
  }
  // Keras 1 regularizers: {"name": "WeightRegularizer", "l1": ..., "l2": ...}.
  for (auto& item : config) {
    auto* reg = item.value().if_object();
    const auto* name = reg ? reg->if_contains("name") : nullptr;
    if (!name || !name->is_string() || reg->contains("class_name")) continue;
    if (name->get_string() == "WeightRegularizer" || name->get_string() == "ActivityRegularizer") {
      object l1l2;
      l1l2["l1"] = reg->contains("l1") ? reg->at("l1") : value(0.0);
      l1l2["l2"] = reg->contains("l2") ? reg->at("l2") : value(0.0);
      object out;
      out["class_name"] = "L1L2";
      out["config"] = std::move(l1l2);
      item.value() = std::move(out);
    }
  }
}

void refuse_keras1(std::string_view class_name, const object& config, const std::string& path) {
  if (one_of(class_name, kKeras1Classes)) {
    refuse(field_path(path, "class_name"),
           "'" + std::string(class_name) +
               "' is a Keras 1.x layer; kplug reads Keras 2 and later configs (load the model in Keras 2 and "
               "save it again)");
  }
  const bool keras1_output_dim = config.contains("output_dim") && class_name != "Embedding";
  for (const auto& item : config) {
    const std::string_view key = item.key();
    if (one_of(key, kKeras1Args) || (key == "output_dim" && keras1_output_dim)) {
      refuse(field_path(field_path(path, "config"), key),
             "'" + std::string(key) + "' is a Keras 1.x argument of " + std::string(class_name) +
                 "; kplug reads Keras 2 and later configs (load the model in Keras 2 and save it again)");
    }
  }
}

// CuDNNLSTM/CuDNNGRU: the plain layers with the cuDNN kernel's fixed choices.
void upgrade_cudnn(object& layer, object& config, const std::string& path, UpgradeReport& report) {
  const std::string from(layer.at("class_name").get_string());
  const bool gru = from == "CuDNNGRU";
  layer.at("class_name") = gru ? "GRU" : "LSTM";  // operator[] may rehash and move `config`
  config["activation"] = "tanh";
  config["recurrent_activation"] = "sigmoid";
  config["use_bias"] = true;
  config["dropout"] = 0.0;
  config["recurrent_dropout"] = 0.0;
  config["unroll"] = false;
  if (gru) config["reset_after"] = true;
  report.warnings.push_back(
      path + ": " + from + " became " + (gru ? "GRU(reset_after=True)" : "LSTM") +
      "; its saved weights are in cuDNN layout (per-gate input kernels in Fortran order, recurrent kernels "
      "transposed, " +
      (gru ? std::string("bias (6*units) reshaped to (2, 3*units)") : std::string("bias of 8*units summed by halves")) +
      ") and must be converted when loaded");
}

// Keras 2's mixed precision policy dict -> Keras 3's DTypePolicy.
void upgrade_dtype(object& config) {
  auto* dtype = config.if_contains("dtype");
  auto* policy = dtype ? dtype->if_object() : nullptr;
  const auto* class_name = policy ? policy->if_contains("class_name") : nullptr;
  if (!class_name || !class_name->is_string() || class_name->get_string() != "Policy") return;
  (*policy)["module"] = "keras";
  (*policy)["class_name"] = "DTypePolicy";
  (*policy)["registered_name"] = nullptr;
}

void drop(object& config, std::string_view key, const std::string& path, UpgradeReport& report, std::string_view why) {
  if (!config.contains(key)) return;
  config.stable_erase(key);
  if (!why.empty()) report.warnings.push_back(field_path(path, key) + ": dropped (" + std::string(why) + ")");
}

// `key` may only hold `allowed` (or be absent): Keras 3 has no such argument.
void drop_if(object& config, std::string_view key, const value& allowed, const std::string& path,
             std::string_view what) {
  const auto* v = config.if_contains(key);
  if (!v) return;
  if (*v != allowed && !v->is_null()) {
    refuse(field_path(path, key), std::string(what) + " (got " + json::excerpt(*v) + ")");
  }
  config.stable_erase(key);
}

void upgrade_recurrent(object& config, const std::string& path) {
  drop_if(config, "time_major", false, path, "time_major=True (time-first inputs) is not supported by Keras 3");
  config.stable_erase("implementation");  // Keras 3 picks its own kernel
}

void upgrade_lambda(object& config, const std::string& path) {
  // Keras 3's legacy loader drops these and wraps the marshalled code.
  for (std::string_view key : {"module", "function_type", "output_shape_type", "output_shape_module"}) {
    config.stable_erase(key);
  }
  auto* function = config.if_contains("function");
  if (!function || !function->is_array()) return;
  const auto& parts = function->get_array();
  if (parts.size() != 3) malformed(field_path(path, "function"), "expected [code, defaults, closure]");
  object lambda_config;
  lambda_config["code"] = parts[0];
  lambda_config["defaults"] = parts[1];
  lambda_config["closure"] = parts[2];
  object lambda;
  lambda["class_name"] = "__lambda__";
  lambda["config"] = std::move(lambda_config);
  *function = std::move(lambda);
}

// Class-specific arguments.
void upgrade_class_args(std::string_view class_name, object& config, const std::string& path, UpgradeReport& report) {
  static constexpr std::array<std::string_view, 9> kRecurrent = {
      "RNN", "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Bidirectional", "StackedRNNCells"};
  static constexpr std::array<std::string_view, 7> kNoGroups = {"DepthwiseConv1D", "DepthwiseConv2D", "Conv1DTranspose",
                                                                "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
                                                                "SeparableConv2D"};
  if (one_of(class_name, kRecurrent)) upgrade_recurrent(config, path);
  if (one_of(class_name, kNoGroups)) {
    drop_if(config, "groups", 1, path, "groups other than 1 are not supported by Keras 3's " + std::string(class_name));
  }
  if (class_name == "BatchNormalization") {  // (renorm is Keras 3's too)
    drop_if(config, "virtual_batch_size", value(nullptr), path, "virtual batches are not supported by Keras 3");
    config.stable_erase("fused");
  }
  if (class_name == "Embedding") {
    drop(config, "input_length", path, report, "");  // already in the model's input shape
    drop_if(config, "sparse", false, path, "sparse embedding gradients are not supported by Keras 3");
  }
  if (class_name == "LeakyReLU") {
    rename_key(config, "alpha", "negative_slope");
  }
  if (class_name == "Lambda") upgrade_lambda(config, path);
}

// Keras 3's legacy loader: a one-element axis list is that axis.
void upgrade_axis(object& config) {
  auto* axis = config.if_contains("axis");
  if (axis && axis->is_array() && axis->get_array().size() == 1 && axis->get_array()[0].is_int64()) {
    *axis = axis->get_array()[0];
  }
}

void upgrade_nested_objects(object& config, const std::string& path) {
  for (auto& item : config) {
    const std::string_view key = item.key();
    const std::string key_path = field_path(path, key);
    if (key.ends_with("_initializer")) {
      upgrade_nested_object(item.value(), ObjectFamily::initializer, key_path);
    } else if (key.ends_with("_regularizer")) {
      upgrade_nested_object(item.value(), ObjectFamily::regularizer, key_path);
    } else if (key.ends_with("_constraint")) {
      upgrade_nested_object(item.value(), ObjectFamily::constraint, key_path);
    }
  }
}

}  // namespace

void upgrade_layer_args(object& layer, const std::string& path, UpgradeReport& report) {
  auto& config = object_at(layer, "config", path);
  const std::string config_path = field_path(path, "config");
  std::string class_name(layer.at("class_name").get_string());
  upgrade_keras1_core(class_name, config);
  refuse_keras1(class_name, config, path);
  if (class_name == "CuDNNLSTM" || class_name == "CuDNNGRU") {
    upgrade_cudnn(layer, config, path, report);
    class_name = std::string(layer.at("class_name").get_string());
  }
  if (class_name == "InputLayer") {
    rename_key(config, "batch_input_shape", "batch_shape");
    rename_key(config, "input_dtype", "dtype");  // Keras 1
    return;
  }
  // The input shape only means something on the first layer of a Sequential (moved to an
  // InputLayer before this); elsewhere Keras ignores it.
  const char* ignored = "an input shape on a layer that is not a model's first";
  drop(config, "batch_input_shape", config_path, report, ignored);
  drop(config, "input_shape", config_path, report, ignored);
  drop(config, "batch_size", config_path, report, ignored);
  if (class_name != "Embedding") drop(config, "input_dim", config_path, report, ignored);
  upgrade_dtype(config);
  upgrade_axis(config);
  upgrade_class_args(class_name, config, config_path, report);
  upgrade_nested_objects(config, config_path);
}

}  // namespace kplug::legacy::detail
