// Keras 3's quantized layers (`model.quantize(mode)`): the dtype policies and the
// `quantization_config` a quantized Dense, EinsumDense or Embedding carries, read and
// written back as Keras writes them. The maths is in kplug/ops/quantization.hpp.
//
// A quantized layer's `dtype` is one of
//   QuantizedDTypePolicy       {"mode": "int8", "source_name": "float32"}
//   Int4DTypePolicy            {"mode": "int4/<block_size>", "source_name": "float32"}
//   TernaryDTypePolicy         {"mode": "ternary", "source_name": "float32"}
//   QuantizedFloat8DTypePolicy {"mode": "float8", "source_name": "float32", "amax_history_length": 1024}
// and its `quantization_config` an Int8QuantizationConfig (with AbsMaxQuantizers),
// Int4QuantizationConfig (with its block_size), Float8QuantizationConfig or
// TernaryQuantizationConfig. GPTQ and AWQ are NotSupportedErrors.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/config_reader.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/variable.hpp"
#include "kplug/number.hpp"
#include "kplug/ops/quantization.hpp"
#include "kplug/state/weights_store.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

struct QuantizedDTypePolicy {
  std::string class_name = "QuantizedDTypePolicy";  // as written
  std::string mode = "int8";                        // "int8", "int4", "float8" or "ternary"
  std::string source_name = "float32";              // the float policy it came from (float32 only)
  std::int64_t block_size = -1;                     // int4: inputs per group; -1 per-channel
  std::int64_t amax_history_length = 1024;          // float8

  // Keras's policy name: "int8_from_float32", "int4/128_from_float32".
  std::string name() const;
  boost::json::value to_json() const;
  // The policy `v` names when it is one of the quantized classes, else nullopt (a float
  // policy). A quantized policy of a mode outside `accepted` is a NotSupportedError.
  static std::optional<QuantizedDTypePolicy> read(ConfigReader& reader, std::string_view key,
                                                  const boost::json::value& v,
                                                  std::span<const std::string_view> accepted);
};

// keras.quantizers.AbsMaxQuantizer: round(x * value_max / (max|x| + epsilon)), clipped.
struct AbsMaxQuantizerConfig {
  Number value_min = Number::integer(-127);
  Number value_max = Number::integer(127);
  double epsilon = 1e-7;
  std::string output_dtype = "int8";
  std::optional<std::vector<std::int64_t>> axis;  // deprecated, written when set
};

// keras.quantizers.*QuantizationConfig.
struct QuantizationConfig {
  std::string class_name = "Int8QuantizationConfig";
  std::optional<AbsMaxQuantizerConfig> weight_quantizer;      // used by quantize() only
  std::optional<AbsMaxQuantizerConfig> activation_quantizer;  // int8/int4: quantizes the inputs
  std::optional<std::int64_t> block_size = 128;               // Int4QuantizationConfig (null: per-channel)

  // "int8", "int4", "float8" or "ternary".
  std::string mode() const;
  boost::json::value to_json() const;
  // null -> nullptr.
  static std::shared_ptr<const QuantizationConfig> read(ConfigReader& reader, std::string_view key,
                                                        const boost::json::value& v);
};

// The int4 group size a layer runs with (Keras's get_block_size_for_layer): the config's
// when it is an Int4QuantizationConfig, else the policy's; -1 is per-channel.
std::int64_t int4_block_size(const QuantizedDTypePolicy& policy, const QuantizationConfig* config);

namespace layers {

// A quantized layer's variable as Keras adds it: trainable=False unless said, its values
// of `dtype` (int8 / uint8 kernels) filled with `fill`.
VariableSpec quantization_variable(std::string name, Shape shape, DType dtype = DType::float32, double fill = 0.0,
                                   bool trainable = false);
// Keras's g_idx: floor(i / block_size) for i in [0, length), float32.
Tensor group_indices(std::int64_t length, std::int64_t block_size);
// The inputs quantizer of an int8/int4 layer: the config's activation_quantizer; without a
// config, AbsMaxQuantizer() when `abs_max_by_default` (int8), none otherwise (int4).
std::optional<ops::AbsMaxSpec> inputs_quantizer(const QuantizationConfig* config, bool abs_max_by_default);
// The dtype policy of a layer Keras quantizes (null: float32), written as its `dtype`.
class QuantizedDTypeHolder {
 public:
  const std::shared_ptr<const QuantizedDTypePolicy>& quantized_dtype_policy() const noexcept { return policy_; }
  // Set before the layer builds (its variables follow the mode).
  void set_quantized_dtype_policy(std::shared_ptr<const QuantizedDTypePolicy> policy) { policy_ = std::move(policy); }

 protected:
  // `config["dtype"]` (base_config's float32 policy) becomes the quantized one, in place.
  void write_dtype(boost::json::object& config) const {
    if (policy_) config["dtype"] = policy_->to_json();
  }

 private:
  std::shared_ptr<const QuantizedDTypePolicy> policy_;
};

// FieldsLayer::from_config for a layer Keras quantizes (`Derived::quantization_modes`): a
// quantized `dtype` is read aside and set on the layer, the other keys read as usual.
template <class Derived>
std::shared_ptr<Derived> quantizable_from_config(const boost::json::object& config, DeserializationContext& context) {
  using Base = FieldsLayer<Derived, typename Derived::Options>;
  std::optional<QuantizedDTypePolicy> policy;
  if (const auto* dtype = config.if_contains("dtype")) {
    ConfigReader reader(config, context, Derived::keras_class_name_of());
    policy = QuantizedDTypePolicy::read(reader, "dtype", *dtype, Derived::quantization_modes);
  }
  if (!policy) return Base::from_config(config, context);
  boost::json::object float_config = config;
  float_config["dtype"] = nullptr;  // LayerArgs reads the float keys
  auto layer = Base::from_config(float_config, context);
  layer->set_quantized_dtype_policy(std::make_shared<const QuantizedDTypePolicy>(std::move(*policy)));
  return layer;
}

// Keras's variable_serialization_spec: a quantized layer saves its variables in `serialized`
// order (kernel, bias, scales) while own_variables() lists trainable ones first. `save` /
// `load` (Layer's, writing own_variables() as "0", "1", ...) run on the store seen through
// that permutation, so Keras's checks and messages stay Layer's.
void save_in_order(const std::vector<VariablePtr>& own, const std::vector<VariablePtr>& serialized,
                   saving::WeightsStore::Entry& store, const std::function<void(saving::WeightsStore::Entry&)>& save);
void load_in_order(const std::vector<VariablePtr>& own, const std::vector<VariablePtr>& serialized,
                   const saving::WeightsStore::Entry& store,
                   const std::function<void(const saving::WeightsStore::Entry&)>& load);

// float8's variables, which Keras creates before the kernel: inputs_scale,
// inputs_amax_history, kernel_scale, kernel_amax_history, outputs_grad_scale,
// outputs_grad_amax_history (trainable float32: scales 1, histories 0).
std::vector<VariableSpec> float8_variables(std::int64_t amax_history_length);

// `quantization_config` (read into `Options::*member`, written back as read, null when
// unset), then Keras's LoRA keys: a set `lora_rank` is a NotSupportedError, `lora_alpha`
// is ignored (neither is written, as Keras without LoRA).
template <class Options>
config::Fields<Options> quantization_config_fields(std::shared_ptr<const QuantizationConfig> Options::*member,
                                                   std::string_view class_name) {
  auto config = config::custom_field<Options>(
      "quantization_config",
      [member](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        o.*member = QuantizationConfig::read(r, k, v);
      },
      [member](const Options& o) { return o.*member ? (o.*member)->to_json() : boost::json::value(nullptr); });
  auto lora_rank = config::custom_field<Options>(
      "lora_rank",
      [name = std::string(class_name)](ConfigReader& r, std::string_view k, const boost::json::value& v, Options&) {
        if (!v.is_null() && !(v.is_int64() && v.get_int64() == 0)) {
          throw NotSupportedError(r.context().path_of(k) + ": " + name + " with lora_rank is not supported");
        }
      },
      {});
  auto lora_alpha = config::custom_field<Options>(
      "lora_alpha", [](ConfigReader&, std::string_view, const boost::json::value&, Options&) {}, {});
  return config::Fields<Options>{config, lora_rank.read_only(), lora_alpha.read_only()};
}

}  // namespace layers
}  // namespace kplug

#pragma GCC visibility pop
