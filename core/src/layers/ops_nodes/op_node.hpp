// Keras ops recorded as Functional graph nodes: a model that calls `keras.ops.add(x, 1.0)`
// on a symbolic tensor stores an Operation entry (`"module": "keras.src.ops.numpy",
// "class_name": "Add", "config": {"name": "add"}`) whose node args hold the tensors and
// plain values in call order. An Operation's config is its name then every __init__
// argument in signature order (Keras's auto-config), so one table per class (OpSpec) gives
// reading, writing and the call; the maths is in kplug::ops and kplug::activations.
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/layers/layer.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kplug::layers::op_nodes {

class OpNode;

struct OpParam {
  std::string key;
  boost::json::value default_value;  // written when the config omits the key
  bool required = false;             // no default in the __init__ signature
};

// One Keras Operation class.
struct OpSpec {
  std::string module;      // "keras.src.ops.numpy"
  std::string class_name;  // "Add"
  std::vector<OpParam> params;
  // Positional operands of its call (tensors or plain values); 0: any number (Concatenate).
  std::size_t arity = 1;
  std::function<Tensor(const OpNode&, const std::vector<Tensor>&)> fn;
};

// The table of the supported Operation classes (numpy, nn and core), by class name.
const OpSpec* find_op_spec(std::string_view class_name);
const std::vector<OpSpec>& numpy_op_specs();
const std::vector<OpSpec>& nn_op_specs();

class OpNode : public Layer {
 public:
  OpNode(const OpSpec& spec, boost::json::object arguments, LayerArgs args);
  std::string class_name() const override { return spec_->class_name; }
  // `name`, then each __init__ argument in order.
  boost::json::object get_config() const override;
  using Constants = std::vector<std::pair<std::size_t, Tensor>>;  // as CallArgs::constants
  // Shapes by a dummy call, with plain values of the node standing in as scalars.
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  // Shapes by a dummy call with the node's own plain values (the Functional graph knows them).
  std::vector<PartialShape> output_shape(const std::vector<PartialShape>& input_shapes,
                                         const Constants& constants) const;

  // The argument `key` as read (or its default).
  const boost::json::value& argument(std::string_view key) const;
  // Typed readers: a wrong type is a ValueError naming the operation and the argument.
  std::optional<std::vector<std::int64_t>> axes_argument(std::string_view key) const;  // null, int or list
  std::optional<std::int64_t> optional_int_argument(std::string_view key) const;
  std::int64_t int_argument(std::string_view key) const;
  float float_argument(std::string_view key) const;
  bool bool_argument(std::string_view key) const;
  std::optional<DType> dtype_argument(std::string_view key) const;  // null -> nullopt
  // "Operation 'add' (keras.src.ops.numpy.Add)", the start of every message.
  std::string where() const;
  [[noreturn]] void unsupported(const std::string& what) const;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::vector<Tensor> operands(std::vector<Tensor> tensors, const Constants& constants) const;

  const OpSpec* spec_;
  boost::json::object arguments_;
};

// Reads `name` and the spec's arguments (unknown keys are ConfigErrors naming the key).
std::pair<boost::json::object, LayerArgs> read_op_config(const boost::json::object& config,
                                                         DeserializationContext& context, const OpSpec& spec);
const OpSpec& require_op_spec(std::string_view class_name);

// A class name as a template argument: each Keras Operation class is its own C++ type,
// as the catalogue maps types to public names.
template <std::size_t N>
struct ClassName {
  char value[N]{};
  constexpr ClassName(const char (&s)[N]) { std::copy_n(s, N, value); }  // NOLINT: used as Op<"Add">
  constexpr std::string_view view() const { return {value, N - 1}; }
};

template <ClassName Name>
class Op final : public OpNode {
 public:
  using OpNode::OpNode;
  static std::shared_ptr<Op> from_config(const boost::json::object& config, DeserializationContext& context) {
    const OpSpec& spec = require_op_spec(Name.view());
    auto [arguments, args] = read_op_config(config, context, spec);
    return std::make_shared<Op>(spec, std::move(arguments), std::move(args));
  }
};

}  // namespace kplug::layers::op_nodes
