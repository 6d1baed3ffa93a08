// Shared pieces of the legacy config upgrader (kplug/models/legacy_config.hpp): JSON paths,
// the two kinds of refusal, and the passes each file implements.
#pragma once

#include "kplug/models/legacy_config.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <set>
#include <string>
#include <string_view>

namespace kplug::legacy::detail {

// `base.key` (or `key` at the root) and `base[i]`.
std::string field_path(const std::string& base, std::string_view key);
std::string index_path(const std::string& base, std::size_t index);

// A value of the wrong form: ConfigError at `path`.
[[noreturn]] void malformed(const std::string& path, const std::string& message);
// A legacy meaning kplug cannot honour: NotSupportedError naming `path`.
[[noreturn]] void refuse(const std::string& path, const std::string& message);

// Moves the value at `from` (when present) to `to`. (Inserting into a boost::json::object may
// move its elements: never assign from a pointer into the same object.)
void rename_key(boost::json::object& object, std::string_view from, std::string_view to);

// "glorot_uniform" -> "GlorotUniform", "l1_l2" -> "L1L2" (Keras 2 also wrote function names).
std::string camel_case(std::string_view snake);

// The object at `key` of `parent` (at `path`), which must be a dict.
boost::json::object& object_at(boost::json::object& parent, std::string_view key, const std::string& path);

// A layer dict {"class_name", "config", ...} at `path`, upgraded in place: the class and its
// arguments (legacy_layer_args.cpp), nested models and wrapped layers (legacy_config.cpp).
void upgrade_layer(boost::json::object& layer, const std::string& path, UpgradeReport& report);
// Keras 1/2 meanings of activation names (keras2_activations.cpp): `hard_sigmoid` in any layer's
// activation arguments becomes activations::kKeras2HardSigmoid. True when something changed.
bool use_keras2_activations(boost::json::value& config);

// Keras < 2.2's Sequential, its bare list of layers wrapped as {"class_name": "Sequential",
// "config": {"name", "layers"}}: paths name the list's items as the document did (`[i]`).
void upgrade_bare_sequential(boost::json::object& model, UpgradeReport& report);

// The class name and arguments of one (non-model) layer dict (legacy_layer_args.cpp).
void upgrade_layer_args(boost::json::object& layer, const std::string& path, UpgradeReport& report);

// An initializer, regularizer or constraint value (a name or a {class_name, config} dict).
enum class ObjectFamily { initializer, regularizer, constraint };
void upgrade_nested_object(boost::json::value& v, ObjectFamily family, const std::string& path);

// Keras 1-2's `[[name, node_index, tensor_index, {kwargs}], ...]` node (or tf.keras's dict of such) -> Keras 3's
// {"args", "kwargs"} (inbound_nodes.cpp). `skip_first_node`: nested models whose node 0 Keras
// 2 counted as their own (references to them shift down by one); `layer_class`: the called layer.
bool is_legacy_node(const boost::json::value& node);
boost::json::value upgrade_node(const boost::json::value& node, const std::string& layer_class,
                                const std::set<std::string, std::less<>>& skip_first_node, const std::string& path);
// [layer_name, node_index, tensor_index(, {kwargs})] or ["_CONSTANT_VALUE", -1, value(, {kwargs})]
// with `min_size` to `max_size` items.
bool is_node_reference(const boost::json::value& v, std::size_t min_size, std::size_t max_size);
// A [name, node_index, tensor_index] reference of input_layers/output_layers, shifted likewise.
void shift_reference(boost::json::value& ref, const std::set<std::string, std::less<>>& skip_first_node);

// tf.keras's TFOpLambda and SlicingOpLambda layers (a TensorFlow function applied to Keras
// tensors) -> the Keras 3 Operation computing the same, nodes included (tf_op_lambda.cpp);
// a function or argument without an unambiguous Keras 3 equivalent is refused.
bool is_tf_op_layer(std::string_view class_name);
void upgrade_tf_op_layer(boost::json::object& layer, const std::string& path,
                         const std::set<std::string, std::less<>>& skip_first_node);

// A Keras 3 (or tf.keras 2.13+) compile_config in place: Keras 2 optimizer arguments,
// loss reductions and names (training_config.cpp).
void upgrade_compile_config(boost::json::object& compile_config, const std::string& path, UpgradeReport& report);

}  // namespace kplug::legacy::detail
