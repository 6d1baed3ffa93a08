// Keras's Lambda (keras/src/layers/core/lambda_layer.py), running a registered C++
// implementation in place of its Python function.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/call_args.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/registry.hpp"
#include "kplug/serialization.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace kplug::layers {
namespace {

using boost::json::value;

bool is_python_lambda(const value& v) {
  const auto* dict = v.if_object();
  const value* class_name = dict ? dict->if_contains("class_name") : nullptr;
  return class_name && class_name->is_string() && class_name->get_string() == "__lambda__";
}

// The registered key a `function` value names: Keras writes a registered function as
// {"class_name": "function", "config": "package>name", ...}; a bare string is the same key.
std::optional<std::string> function_key(const value& v) {
  if (const auto* s = v.if_string()) return std::string(*s);
  const auto* dict = v.if_object();
  if (!dict) return std::nullopt;
  const value* class_name = dict->if_contains("class_name");
  const value* config = dict->if_contains("config");
  if (!class_name || !class_name->is_string() || class_name->get_string() != "function") return std::nullopt;
  if (!config || !config->is_string()) return std::nullopt;
  return std::string(config->get_string());
}

// Keras's own wording (keras/src/layers/core/lambda_layer.py), then kplug's way out.
[[noreturn]] void refuse_python(const std::string& path, std::string_view layer, bool safe_mode) {
  const std::string way_out = " (kplug cannot run Python code: register a C++ implementation for the Lambda layer '" +
                              std::string(layer) +
                              "' with kplug::register_lambda or a plugin's Registrar::add_lambda, see docs/sdk.md.)";
  if (safe_mode) {
    throw UnsafeObjectError(
        path,
        "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. This carries a "
        "potential risk of arbitrary code execution and thus it is disallowed by default. If you trust the source of "
        "the artifact, you can override this error by passing `safe_mode=False` to the loading function, or calling "
        "`keras.config.enable_unsafe_deserialization()." +
            way_out);
  }
  throw NotSupportedError(path +
                          ": Lambda layers hold Python bytecode, which kplug never runs (even with "
                          "safe_mode=false)." +
                          way_out);
}

std::shared_ptr<const LambdaFunction> as_lambda_function(const RegisteredObjectPtr& entry) {
  if (!entry || !registered_is_function(*entry)) return nullptr;
  return std::dynamic_pointer_cast<const LambdaFunction>(registered_function(*entry));
}

// The implementation registered under `key` for LambdaMatch::function.
std::shared_ptr<const LambdaFunction> by_function(const std::string& key, DeserializationContext& context) {
  const DeserializeOptions& options = context.options();
  RegisteredObjectPtr entry = get_registered_object(key, options.custom_objects);
  if (!entry && options.key_provider && key.find('>') != std::string::npos && options.key_provider->provide(key)) {
    entry = get_registered_object(key, options.custom_objects);
  }
  const std::string path = context.path_of("function");
  if (!entry) {
    throw UnknownObjectError(path, "Could not locate function '" + key +
                                       "' for this Lambda layer: register its C++ implementation with "
                                       "kplug::register_lambda or a plugin's Registrar::add_lambda (docs/sdk.md)." +
                                       (options.key_provider ? " " + options.key_provider->explain(key) : ""));
  }
  auto implementation = as_lambda_function(entry);
  if (!implementation || implementation->match() != LambdaMatch::function) {
    throw KindMismatchError(path, "'" + key + "' is registered, but not as a Lambda implementation for a function (" +
                                      (implementation ? "LambdaMatch::layer_name" : registered_class_name(*entry)) +
                                      ")");
  }
  return implementation;
}

// The one LambdaMatch::layer_name implementation named `layer` (global registry, then the
// call's custom_objects), or null.
std::shared_ptr<const LambdaFunction> by_layer_name(std::string_view layer, DeserializationContext& context) {
  std::vector<std::pair<std::string, std::shared_ptr<const LambdaFunction>>> found;
  auto consider = [&](const std::string& key, const RegisteredObjectPtr& entry) {
    auto implementation = as_lambda_function(entry);
    if (implementation && implementation->match() == LambdaMatch::layer_name && implementation->bare_name() == layer) {
      found.emplace_back(key, std::move(implementation));
    }
  };
  for (const auto& [key, entry] : Registry::global().entries()) consider(key, entry);
  for (const auto& [key, entry] : context.options().custom_objects) consider(key, entry);
  if (found.size() > 1) {
    throw DeserializationError(context.path_of("name"), "the Lambda layer '" + std::string(layer) +
                                                            "' is matched by two registered implementations, '" +
                                                            found[0].first + "' and '" + found[1].first + "'");
  }
  return found.empty() ? nullptr : found[0].second;
}

std::shared_ptr<const LambdaFunction> find_implementation(const LambdaOptions& options, const LayerArgs& args,
                                                          DeserializationContext& context) {
  const std::string layer = args.name.value_or("lambda");
  if (is_python_lambda(options.function)) {
    auto implementation = args.name ? by_layer_name(*args.name, context) : nullptr;
    if (!implementation) refuse_python(context.path_of("function"), layer, context.safe_mode());
    return implementation;
  }
  if (auto key = function_key(options.function)) return by_function(*key, context);
  throw NotSupportedError(context.path_of("function") +
                          ": expected a registered function ({\"class_name\": \"function\", \"config\": "
                          "\"package>name\"}) or a Python lambda, got " +
                          json::excerpt(options.function));
}

// A `__lambda__` output_shape or mask is Python code too.
void check_python_free(const LambdaOptions& options, const LambdaFunction& implementation,
                       DeserializationContext& context) {
  if (options.output_shape && (options.output_shape->is_object() || options.output_shape->is_string()) &&
      !implementation.output_shape()) {
    if (is_python_lambda(*options.output_shape)) {
      refuse_python(context.path_of("output_shape"), implementation.name(), context.safe_mode());
    }
    throw NotSupportedError(context.path_of("output_shape") +
                            ": a function output_shape needs a LambdaShape in the registered implementation '" +
                            implementation.name() + "'");
  }
  if (options.mask && !options.mask->is_null()) {
    throw NotSupportedError(context.path_of("mask") + ": Lambda masks are not supported (the layer gives no mask)");
  }
}

config::Field<LambdaOptions> json_field(std::string key, boost::json::value LambdaOptions::*member) {
  return config::custom_field<LambdaOptions>(
      std::move(key), [member](ConfigReader&, std::string_view, const value& v, LambdaOptions& o) { o.*member = v; },
      [member](const LambdaOptions& o) { return o.*member; });
}

config::Field<LambdaOptions> optional_json_field(std::string key,
                                                 std::optional<boost::json::value> LambdaOptions::*member) {
  return config::custom_field<LambdaOptions>(
             std::move(key),
             [member](ConfigReader&, std::string_view, const value& v, LambdaOptions& o) {
               if (!v.is_null()) o.*member = v;
             },
             [member](const LambdaOptions& o) { return *(o.*member); })
      .write_if([member](const LambdaOptions& o) { return (o.*member).has_value(); });
}

// A shape from the config's output_shape (batch excluded): [3] or [null, 4].
PartialShape with_batch(const Dim& batch, const boost::json::array& dims, const std::string& where) {
  std::vector<Dim> out{batch};
  for (const value& d : dims) {
    if (d.is_null()) {
      out.emplace_back(std::nullopt);
    } else if (d.is_int64() && d.get_int64() >= 0) {
      out.emplace_back(d.get_int64());
    } else {
      throw ValueError(where + ": expected a shape of non-negative integers or nulls, got " + json::excerpt(dims));
    }
  }
  return PartialShape(std::move(out));
}

}  // namespace

const config::Fields<Lambda::Options>& Lambda::fields() {
  static const config::Fields<Options> list{json_field("function", &Options::function).required(),
                                            optional_json_field("output_shape", &Options::output_shape),
                                            optional_json_field("mask", &Options::mask),
                                            config::custom_field<Options>(
                                                "arguments",
                                                [](ConfigReader& r, std::string_view k, const value& v, Options& o) {
                                                  if (!v.is_null() && !v.is_object())
                                                    r.fail(k, "expected a dict of keyword arguments or null");
                                                  o.arguments = v.is_null() ? value(boost::json::object()) : v;
                                                },
                                                [](const Options& o) { return o.arguments; })};
  return list;
}

std::shared_ptr<Lambda> Lambda::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Lambda");
  LayerArgs args = LayerArgs::read(reader);
  Options options;
  fields().read_into(reader, options);
  reader.finish();
  auto implementation = find_implementation(options, args, context);
  check_python_free(options, *implementation, context);
  return std::make_shared<Lambda>(std::move(options), std::move(args), std::move(implementation));
}

Lambda::Lambda(Options options, LayerArgs args, std::shared_ptr<const LambdaFunction> implementation)
    : FieldsLayer(std::move(options), std::move(args)), implementation_(std::move(implementation)) {
  if (!implementation_) throw ValueError("Lambda needs a registered implementation, got none");
}

std::vector<PartialShape> Lambda::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (implementation_->output_shape()) return implementation_->output_shape()(input_shapes);
  if (!options_.output_shape || !options_.output_shape->is_array() || input_shapes.empty()) {
    return Layer::compute_output_shape(input_shapes);  // one call on a dummy batch, as Keras infers it
  }
  const auto& dims = options_.output_shape->get_array();
  const Dim batch = input_shapes[0].rank() > 0 ? input_shapes[0][0] : Dim{};
  const std::string where = "Lambda '" + name() + "' output_shape";
  const bool several =
      !dims.empty() && std::all_of(dims.begin(), dims.end(), [](const value& d) { return d.is_array(); });
  if (!several) return {with_batch(batch, dims, where)};
  std::vector<PartialShape> out;
  for (const value& d : dims) out.push_back(with_batch(batch, d.get_array(), where));
  return out;
}

std::vector<Tensor> Lambda::call(CallArgs& args) {
  return (*implementation_)(args.inputs, options_.arguments.get_object());
}

}  // namespace kplug::layers
