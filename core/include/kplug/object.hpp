// The base of everything kplug can serialize: a kind, a Keras class name and a config.
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// What an object is for. Deserialization checks it ("expected a regularizer").
enum class Kind {
  activation,
  initializer,
  regularizer,
  constraint,
  loss,
  metric,
  layer,
  model,
  optimizer,
  learning_rate_schedule,
  dtype_policy,
  other,
};

// "activation", "learning rate schedule", ...
std::string_view kind_name(Kind kind);
// Kind subtyping, as Keras's types: a model is a layer, a loss function may serve as a
// metric. True when `actual == expected` or `actual` is a subkind of `expected`.
bool kind_is_a(Kind actual, Kind expected) noexcept;
// "keras.activations", "keras.losses", ... (the public module of the kind's built-ins).
std::string_view kind_module(Kind kind);

class NamedFunction;

class Serializable {
 public:
  virtual ~Serializable();
  virtual Kind kind() const = 0;
  // The arguments that rebuild this object through its `from_config`.
  virtual boost::json::object get_config() const = 0;
  // Keras's `__class__.__name__`. The default demangles the C++ type name and drops
  // its namespaces, so `kplug::losses::MeanSquaredError` gives "MeanSquaredError".
  virtual std::string class_name() const;
  // This object as a function object, or null (see as_function()). A virtual call, not a
  // dynamic_cast: serialize() asks it of every object.
  virtual const NamedFunction* as_named_function() const noexcept { return nullptr; }

 protected:
  Serializable() = default;
  Serializable(const Serializable&) = default;
  Serializable& operator=(const Serializable&) = default;
};

// The base of one kind's objects (Initializer, Regularizer, Loss, ...): its static_kind
// and kind().
template <Kind K>
class SerializableOfKind : public Serializable {
 public:
  static constexpr Kind static_kind = K;
  Kind kind() const override { return K; }
};

using ObjectPtr = std::shared_ptr<Serializable>;
using ConstObjectPtr = std::shared_ptr<const Serializable>;

// The mark of a function object (an activation, a loss function, ...). Functions
// serialize to their name, `{"module": "builtins", "class_name": "function",
// "config": "<name>", "registered_name": "function"}`, and have no config.
// It is a mixin beside a kind's interface (ActivationFunction is an Activation and a NamedFunction).
// A class deriving from both a kind and NamedFunction overrides Serializable::as_named_function.
class NamedFunction {
 public:
  virtual ~NamedFunction();
  // The key it is known by: "relu" for a built-in, "my_package>custom_fn" once registered.
  const std::string& name() const noexcept { return name_; }

 protected:
  explicit NamedFunction(std::string name) : name_(std::move(name)) {}
  NamedFunction(const NamedFunction&) = default;
  NamedFunction& operator=(const NamedFunction&) = default;

 private:
  std::string name_;
};

// Null unless `object` is a function object.
const NamedFunction* as_function(const Serializable& object) noexcept;

// Demangled, namespace-free name of a C++ type (the default class_name).
std::string plain_type_name(const std::type_info& type);

}  // namespace kplug
#pragma GCC visibility pop
