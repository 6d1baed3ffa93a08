// The TensorFlow functions a tf.keras TFOpLambda / SlicingOpLambda layer may name that kplug
// maps to a Keras 3 Operation: each TF signature (as tf.keras serialized the call's
// arguments, by parameter name) against the Keras op's operands and config keys.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kplug::legacy::detail {

struct TfParam {
  enum class Role {
    operand,       // a positional operand of the Keras op (tensor or plain value)
    operand_list,  // concat's and stack's `values`: one list operand
    index_key,     // getitem's `slice_spec`, converted to Keras's key
    option,        // a plain value: the Keras op's config key `keras_key`
    fixed,         // accepted only at `tf_default` (what the Keras op computes)
    dropped,       // `name`: tf.keras itself drops it before the call
  };
  std::string name;
  Role role = Role::operand;
  std::string keras_key;
  boost::json::value tf_default;  // option: TF's default (null: the Keras op's own); fixed: the value
  bool required = false;          // option without a TF default
  bool null_is_default = false;   // option: null means tf_default (softmax's axis=None is -1)
};

struct TfFunction {
  std::vector<std::string> names;  // as TFOpLambda's `function`: "math.multiply", "multiply"
  std::string op;                  // the Keras 3 Operation class ("Multiply")
  std::vector<TfParam> params;     // TF's signature order
};

// The supported functions; nullptr for others.
const TfFunction* find_tf_function(std::string_view name);
// Every supported name, sorted.
std::vector<std::string> tf_function_names();

}  // namespace kplug::legacy::detail
