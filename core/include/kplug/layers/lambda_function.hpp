// What a Lambda layer runs in kplug: a C++ implementation registered for it. Keras's Lambda
// holds a Python function, which kplug never runs; a registered LambdaFunction stands in
// for it, matched either by the registered Python function the Lambda calls (Keras writes
// `{"class_name": "function", "config": "package>name", ...}` for a function decorated with
// `register_keras_serializable`) or by the Lambda layer's name (for a Python `lambda`, which
// Keras writes as `__lambda__` bytecode). A Lambda with a match loads in safe mode without
// any Python; every other Lambda keeps Keras's safe-mode refusal.
#pragma once

#include "kplug/layers/partial_shape.hpp"
#include "kplug/object.hpp"
#include "kplug/source_location.hpp"
#include "kplug/tensor.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// How a registered implementation finds its Lambda layers.
enum class LambdaMatch {
  function,    // Lambdas whose `function` is the registered function "package>name"
  layer_name,  // Lambda layers named `name` whose `function` is a Python lambda (`__lambda__`)
};

// The outputs for the Lambda's inputs (several when the Lambda is called on a list) and
// its `arguments` (Keras's keyword arguments of the function, as the config holds them).
using LambdaCall =
    std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs, const boost::json::object& arguments)>;
// The output shapes (batch first) for the input shapes.
using LambdaShape = std::function<std::vector<PartialShape>(const std::vector<PartialShape>& input_shapes)>;

struct LambdaImplementation {
  LambdaMatch match = LambdaMatch::function;
  LambdaCall call;
  // Optional: without it, the config's `output_shape` (Keras's, batch excluded) gives the
  // shape, else one call on a small dummy batch (as Keras infers it).
  LambdaShape output_shape{};
};

// A registered Lambda implementation: a function object under its key "package>name".
class LambdaFunction final : public SerializableOfKind<Kind::other>, public NamedFunction {
 public:
  LambdaFunction(std::string key, LambdaImplementation implementation);
  ~LambdaFunction() override;

  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs, const boost::json::object& arguments) const {
    return implementation_.call(inputs, arguments);
  }
  LambdaMatch match() const noexcept { return implementation_.match; }
  const LambdaShape& output_shape() const noexcept { return implementation_.output_shape; }
  // The name part of the key (what a LambdaMatch::layer_name implementation matches).
  std::string_view bare_name() const noexcept;

  boost::json::object get_config() const override;  // throws: functions have no config
  std::string class_name() const override { return "function"; }
  const NamedFunction* as_named_function() const noexcept override { return this; }

 private:
  LambdaImplementation implementation_;
};

// Registers `implementation` as "package>name" in the global registry (a plugin uses
// Registrar::add_lambda). Returns the key.
std::string register_lambda(std::string_view package, std::string_view name, LambdaImplementation implementation,
                            bool replace = false, SourceLocation where = SourceLocation::current());

}  // namespace kplug
#pragma GCC visibility pop
