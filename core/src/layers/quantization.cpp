#include "kplug/layers/quantization.hpp"

#include "kplug/errors.hpp"
#include "kplug/initializers.hpp"
#include "kplug/json.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>

namespace kplug {
namespace {

using Path = DeserializationContext::PathScope;

constexpr std::string_view policy_module = "keras.dtype_policies";
constexpr std::string_view quantizers_module = "keras.quantizers";

boost::json::object keras_object(std::string_view module, std::string_view class_name, boost::json::object config) {
  boost::json::object out;
  out.reserve(4);
  out["module"] = module;
  out["class_name"] = class_name;
  out["config"] = std::move(config);
  out["registered_name"] = nullptr;
  return out;
}

// The `{"class_name": ..., "config": {...}}` dict at `key`: its class name and config.
std::pair<std::string, const boost::json::object*> class_and_config(ConfigReader& r, std::string_view key,
                                                                    const boost::json::value& v) {
  const auto* dict = v.if_object();
  const auto* class_name = dict ? dict->if_contains("class_name") : nullptr;
  const auto* config = dict ? dict->if_contains("config") : nullptr;
  if (!class_name || !class_name->is_string() || !config || !config->is_object()) {
    r.fail(key, "expected a Keras object dict ({\"class_name\": ..., \"config\": {...}}), got " + json::excerpt(v, 80));
  }
  return {std::string(class_name->get_string()), &config->get_object()};
}

// "int4/128" -> 128 (Keras also reads the legacy "int4/None" as -1).
std::int64_t int4_mode_block_size(ConfigReader& r, std::string_view mode) {
  const std::string_view tail = mode.substr(5);
  if (tail == "None") return -1;
  std::int64_t block = 0;
  const auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), block);
  if (ec != std::errc() || end != tail.data() + tail.size() || block < -1 || block == 0) {
    r.fail("mode", "expected 'int4/<block_size>' with a block_size of -1 or a positive integer, got '" +
                       std::string(mode) + "'");
  }
  return block;
}

// The mode of a policy config as Keras's constructors check it.
void read_policy_mode(ConfigReader& r, QuantizedDTypePolicy& p) {
  const std::string mode = r.string("mode", "");
  if (p.class_name == "Int4DTypePolicy") {
    if (!mode.starts_with("int4/")) r.fail("mode", "expected 'int4/<block_size>', got '" + mode + "'");
    p.mode = "int4";
    p.block_size = int4_mode_block_size(r, mode);
    return;
  }
  if (p.class_name == "GPTQDTypePolicy" || p.class_name == "AWQDTypePolicy") {  // "gptq/<bits>/<group>"
    p.mode = mode.substr(0, mode.find('/'));
    return;
  }
  static constexpr std::string_view modes[] = {"int8", "float8", "int4", "gptq", "awq", "ternary"};
  if (std::find(std::begin(modes), std::end(modes), mode) == std::end(modes)) {
    r.fail("mode", "expected one of ('int8', 'float8', 'int4', 'gptq', 'awq', 'ternary'), got '" + mode + "'");
  }
  p.mode = mode;
}

}  // namespace

std::string QuantizedDTypePolicy::name() const {
  const std::string shown = class_name == "Int4DTypePolicy" ? mode + "/" + std::to_string(block_size) : mode;
  return shown + "_from_" + source_name;
}

boost::json::value QuantizedDTypePolicy::to_json() const {
  boost::json::object config;
  config["mode"] = class_name == "Int4DTypePolicy" ? mode + "/" + std::to_string(block_size) : mode;
  config["source_name"] = source_name;
  if (class_name == "QuantizedFloat8DTypePolicy") config["amax_history_length"] = amax_history_length;
  return keras_object(policy_module, class_name, std::move(config));
}

std::optional<QuantizedDTypePolicy> QuantizedDTypePolicy::read(ConfigReader& reader, std::string_view key,
                                                               const boost::json::value& v,
                                                               std::span<const std::string_view> accepted) {
  static constexpr std::string_view classes[] = {"QuantizedDTypePolicy",       "Int4DTypePolicy", "TernaryDTypePolicy",
                                                 "QuantizedFloat8DTypePolicy", "GPTQDTypePolicy", "AWQDTypePolicy"};
  const auto* dict = v.if_object();
  const auto* class_name = dict ? dict->if_contains("class_name") : nullptr;
  if (!class_name || !class_name->is_string() ||
      std::find(std::begin(classes), std::end(classes), class_name->get_string()) == std::end(classes)) {
    return std::nullopt;
  }
  auto [cls, config] = class_and_config(reader, key, v);
  Path at_key(reader.context(), key);
  Path at_config(reader.context(), "config");
  ConfigReader r(*config, reader.context(), cls);
  QuantizedDTypePolicy p;
  p.class_name = cls;
  read_policy_mode(r, p);
  p.source_name = r.string("source_name", "float32");
  if (cls == "QuantizedFloat8DTypePolicy") p.amax_history_length = r.integer("amax_history_length", 1024);
  r.finish();
  if (p.source_name != "float32") {
    throw NotSupportedError(reader.context().path_of("source_name") + ": quantized dtype policy '" + p.name() +
                            "' is not supported: kplug computes in float32 only");
  }
  if (std::find(accepted.begin(), accepted.end(), p.mode) == accepted.end()) {
    std::string modes;
    for (auto m : accepted) modes += (modes.empty() ? "" : ", ") + std::string(m);
    throw NotSupportedError(reader.context().path_of("mode") + ": quantization mode '" + p.mode + "' (" + cls +
                            ") is not supported for this layer" +
                            (modes.empty() ? std::string(" (kplug runs no quantized form of it)")
                                           : " (kplug runs it quantized as: " + modes + ")"));
  }
  return p;
}

namespace {

boost::json::value quantizer_json(const std::optional<AbsMaxQuantizerConfig>& q) {
  if (!q) return nullptr;
  boost::json::object config;
  config["value_range"] = boost::json::array{q->value_min.to_json(), q->value_max.to_json()};
  config["epsilon"] = q->epsilon;
  config["output_dtype"] = q->output_dtype;
  if (q->axis) config["axis"] = boost::json::array(q->axis->begin(), q->axis->end());
  return keras_object(quantizers_module, "AbsMaxQuantizer", std::move(config));
}

std::optional<AbsMaxQuantizerConfig> read_quantizer(ConfigReader& reader, std::string_view key) {
  const boost::json::value* v = reader.raw(key);
  if (!v || v->is_null()) return std::nullopt;
  auto [cls, config] = class_and_config(reader, key, *v);
  if (cls != "AbsMaxQuantizer") {
    throw NotSupportedError(reader.context().path_of(key) + ": quantizer '" + cls +
                            "' is not supported (kplug reads AbsMaxQuantizer)");
  }
  Path at_key(reader.context(), key);
  Path at_config(reader.context(), "config");
  ConfigReader r(*config, reader.context(), cls);
  AbsMaxQuantizerConfig q;
  if (const auto* range = r.raw("value_range")) {
    const auto* pair = range->if_array();
    if (!pair || pair->size() != 2) r.fail("value_range", "expected [min, max], got " + json::excerpt(*range, 80));
    q.value_min = r.as_number("value_range", (*pair)[0]);
    q.value_max = r.as_number("value_range", (*pair)[1]);
  }
  q.epsilon = r.real("epsilon", 1e-7);
  q.output_dtype = r.string("output_dtype", "int8");
  q.axis = r.optional_int_list("axis");
  r.finish();
  if (q.output_dtype != "int8") {
    throw NotSupportedError(reader.context().path_of("output_dtype") + ": AbsMaxQuantizer with output_dtype '" +
                            q.output_dtype + "' is not supported");
  }
  return q;
}

}  // namespace

std::string QuantizationConfig::mode() const {
  if (class_name == "Int4QuantizationConfig") return "int4";
  if (class_name == "Float8QuantizationConfig") return "float8";
  if (class_name == "TernaryQuantizationConfig") return "ternary";
  return "int8";
}

boost::json::value QuantizationConfig::to_json() const {
  boost::json::object config;
  if (class_name == "Int8QuantizationConfig" || class_name == "Int4QuantizationConfig") {
    config["weight_quantizer"] = quantizer_json(weight_quantizer);
    config["activation_quantizer"] = quantizer_json(activation_quantizer);
  }
  if (class_name == "Int4QuantizationConfig") {
    config["block_size"] = block_size ? boost::json::value(*block_size) : boost::json::value(nullptr);
  }
  return keras_object(quantizers_module, class_name, std::move(config));
}

std::shared_ptr<const QuantizationConfig> QuantizationConfig::read(ConfigReader& reader, std::string_view key,
                                                                   const boost::json::value& v) {
  if (v.is_null()) return nullptr;
  auto [cls, config] = class_and_config(reader, key, v);
  static constexpr std::string_view classes[] = {"Int8QuantizationConfig", "Int4QuantizationConfig",
                                                 "Float8QuantizationConfig", "TernaryQuantizationConfig"};
  if (std::find(std::begin(classes), std::end(classes), cls) == std::end(classes)) {
    throw NotSupportedError(reader.context().path_of(key) + ": quantization config '" + cls +
                            "' is not supported (kplug reads Int8, Int4, Float8 and TernaryQuantizationConfig)");
  }
  Path at_key(reader.context(), key);
  Path at_config(reader.context(), "config");
  ConfigReader r(*config, reader.context(), cls);
  auto out = std::make_shared<QuantizationConfig>();
  out->class_name = cls;
  if (cls == "Int8QuantizationConfig" || cls == "Int4QuantizationConfig") {
    out->weight_quantizer = read_quantizer(r, "weight_quantizer");
    out->activation_quantizer = read_quantizer(r, "activation_quantizer");
  }
  if (cls == "Int4QuantizationConfig") {
    out->block_size = r.optional_integer("block_size");  // absent: None, as Keras's from_config
    if (out->block_size && *out->block_size != -1 && *out->block_size <= 0) {
      r.fail("block_size", "expected null, -1 or a positive integer, got " + std::to_string(*out->block_size));
    }
  }
  r.finish();
  return out;
}

std::int64_t int4_block_size(const QuantizedDTypePolicy& policy, const QuantizationConfig* config) {
  if (config && config->class_name == "Int4QuantizationConfig") return config->block_size.value_or(-1);
  return policy.class_name == "Int4DTypePolicy" ? policy.block_size : -1;
}

namespace layers {

namespace {

// Keras's add_weight(dtype=..., initializer=...) for a quantized layer's integer kernels:
// `fill` in `dtype` (not a registered initializer: never serialized).
class TypedFill final : public Initializer {
 public:
  TypedFill(DType dtype, double fill) : dtype_(dtype), fill_(fill) {}
  Tensor operator()(const Shape& shape) const override {
    return fill_ == 0.0 ? Tensor(shape, dtype_) : Tensor(shape, static_cast<float>(fill_)).astype(dtype_);
  }
  boost::json::object get_config() const override { return {{"value", fill_}, {"dtype", dtype_name(dtype_)}}; }

 private:
  DType dtype_;
  double fill_;
};

// The store as own_variables() order sees it: index i is the dataset at `order[i]`.
class ReorderedEntry final : public saving::WeightsStore::Entry {
 public:
  ReorderedEntry(const saving::WeightsStore::Entry& in, saving::WeightsStore::Entry* out,
                 std::vector<std::size_t> order)
      : in_(in), out_(out), order_(std::move(order)) {}
  const std::string& path() const noexcept override { return in_.path(); }
  bool exists() const noexcept override { return in_.exists(); }
  std::vector<std::string> keys() const override { return in_.keys(); }
  std::size_t size() const override { return in_.size(); }
  bool contains(std::string_view key) const override { return in_.contains(map(key)); }
  Tensor get(std::string_view key) const override { return in_.get(map(key)); }
  void set(std::string_view key, const Tensor& value) override { out_->set(map(key), value); }
  std::optional<std::string> attribute(std::string_view name) const override { return in_.attribute(name); }
  void set_attribute(std::string_view name, std::string_view value) override { out_->set_attribute(name, value); }

 private:
  std::string map(std::string_view key) const {
    const std::size_t i = std::stoul(std::string(key));
    return std::to_string(i < order_.size() ? order_[i] : i);
  }
  const saving::WeightsStore::Entry& in_;
  saving::WeightsStore::Entry* out_;
  std::vector<std::size_t> order_;
};

std::vector<std::size_t> serialized_positions(const std::vector<VariablePtr>& own,
                                              const std::vector<VariablePtr>& serialized) {
  std::vector<std::size_t> order;
  for (const auto& v : own) {
    const auto at = std::find(serialized.begin(), serialized.end(), v);
    order.push_back(at == serialized.end() ? order.size() : static_cast<std::size_t>(at - serialized.begin()));
  }
  return order;
}

}  // namespace

VariableSpec quantization_variable(std::string name, Shape shape, DType dtype, double fill, bool trainable) {
  return VariableSpec{std::move(name), std::move(shape), std::make_shared<TypedFill>(dtype, fill),
                      nullptr,         nullptr,          trainable};
}

void save_in_order(const std::vector<VariablePtr>& own, const std::vector<VariablePtr>& serialized,
                   saving::WeightsStore::Entry& store, const std::function<void(saving::WeightsStore::Entry&)>& save) {
  ReorderedEntry entry(store, &store, serialized_positions(own, serialized));
  save(entry);
}

void load_in_order(const std::vector<VariablePtr>& own, const std::vector<VariablePtr>& serialized,
                   const saving::WeightsStore::Entry& store,
                   const std::function<void(const saving::WeightsStore::Entry&)>& load) {
  const ReorderedEntry entry(store, nullptr, serialized_positions(own, serialized));
  load(entry);
}

Tensor group_indices(std::int64_t length, std::int64_t block_size) {
  Tensor out({length});
  for (std::int64_t i = 0; i < length; ++i) out[i] = static_cast<float>(i / block_size);
  return out;
}

std::optional<ops::AbsMaxSpec> inputs_quantizer(const QuantizationConfig* config, bool abs_max_by_default) {
  if (!config) return abs_max_by_default ? std::optional<ops::AbsMaxSpec>(ops::AbsMaxSpec{}) : std::nullopt;
  const auto& q = config->activation_quantizer;
  if (!q) return std::nullopt;
  return ops::AbsMaxSpec{static_cast<float>(q->value_min.value), static_cast<float>(q->value_max.value),
                         static_cast<float>(q->epsilon)};
}

std::vector<VariableSpec> float8_variables(std::int64_t amax_history_length) {
  std::vector<VariableSpec> out;
  for (const char* what : {"inputs", "kernel", "outputs_grad"}) {
    out.push_back(quantization_variable(std::string(what) + "_scale", {}, DType::float32, 1.0, true));
    out.push_back(
        quantization_variable(std::string(what) + "_amax_history", {amax_history_length}, DType::float32, 0.0, true));
  }
  return out;
}

}  // namespace layers
}  // namespace kplug
