// plugin_host: a small program embedding kplug. It loads a plugin directory and a model, then
// answers predictions for JSON lines read on stdin, one JSON line out per line in:
//
//   plugin_host --plugins DIR MODEL.json [--weights W.weights.h5]
//   in:  {"inputs": [{"name": "input_layer", "dtype": "float32", "shape": [2, 4], "data": [...]}]}
//   out: {"outputs": [{"name": "dense", "dtype": "float32", "shape": [2, 1], "data": [...]}]}
//
// The format is kplug predict's io.json (data flat in C order; inputs by InputLayer name; other
// keys such as a fixture's "outputs" are ignored). A bad line is answered with
// {"error": "line N: <what is wrong, with its JSON path>"} and the program goes on. Blank lines
// are skipped. Exit codes: 0 at end of input, 1 usage error, 2 when the plugins, model or
// weights cannot be loaded.
#include "kplug/plugin_host.hpp"
#include "example_files.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/models/model.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/shape.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char* kUsage = "usage: plugin_host --plugins DIR MODEL.json [--weights W.weights.h5]\n";

struct Arguments {
  std::vector<std::string> plugin_dirs;
  std::string model;
  std::optional<std::string> weights;
};

std::optional<Arguments> parse_arguments(int argc, char** argv) {
  Arguments out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--plugins" || arg == "--weights") && i + 1 < argc) {
      (arg == "--plugins" ? out.plugin_dirs.emplace_back() : out.weights.emplace()) = argv[++i];
    } else if (!arg.starts_with("-") && out.model.empty()) {
      out.model = arg;
    } else {
      return std::nullopt;
    }
  }
  if (out.model.empty()) return std::nullopt;
  return out;
}

const boost::json::value& member(const boost::json::object& object, const char* key, const std::string& where) {
  const boost::json::value* found = object.if_contains(key);
  if (!found) throw kplug::ValueError(where + ": missing \"" + key + "\"");
  return *found;
}

// One entry {"name", "dtype", "shape", "data"} of "inputs".
std::pair<std::string, kplug::Tensor> read_input(const boost::json::value& item, const std::string& where) {
  if (!item.is_object()) throw kplug::ValueError(where + ": expected an object {name, dtype, shape, data}");
  const auto& entry = item.as_object();
  const auto& name = member(entry, "name", where);
  if (!name.is_string()) throw kplug::ValueError(where + ".name: expected a string");
  const auto& dtype_name = member(entry, "dtype", where);
  if (!dtype_name.is_string()) throw kplug::ValueError(where + ".dtype: expected a string such as \"float32\"");
  const kplug::DType dtype = kplug::dtype_from_name(dtype_name.as_string());
  const auto& shape_json = member(entry, "shape", where);
  if (!shape_json.is_array()) throw kplug::ValueError(where + ".shape: expected an array of dims");
  kplug::Shape shape;
  std::int64_t count = 1;
  for (const auto& d : shape_json.as_array()) {
    if (!d.is_int64() || d.as_int64() < 0 || d.as_int64() > (std::int64_t{1} << 31)) {
      throw kplug::ValueError(where + ".shape: dims must be integers in [0, 2^31]");
    }
    shape.push_back(d.as_int64());
    count *= d.as_int64();
    if (count > (std::int64_t{1} << 31)) throw kplug::ValueError(where + ".shape: more than 2^31 values");
  }
  const auto& data = member(entry, "data", where);
  if (!data.is_array()) throw kplug::ValueError(where + ".data: expected a flat array of numbers");
  const auto& values = data.as_array();
  if (static_cast<std::int64_t>(values.size()) != count) {
    throw kplug::ValueError(where + ".data: " + std::to_string(values.size()) + " values for shape " +
                            kplug::shape_to_string(shape) + " (" + std::to_string(count) + " expected)");
  }
  std::vector<float> numbers;
  numbers.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number()) {
      throw kplug::ValueError(where + ".data[" + std::to_string(i) + "]: expected a number");
    }
    numbers.push_back(static_cast<float>(values[i].to_number<double>()));
  }
  kplug::Tensor tensor(std::move(shape), std::move(numbers));
  return {std::string(name.as_string()), dtype == kplug::DType::float32 ? tensor : tensor.astype(dtype)};
}

boost::json::object write_output(const std::string& name, const kplug::Tensor& value) {
  const kplug::Tensor f = value.dtype() == kplug::DType::float32 ? value : value.astype(kplug::DType::float32);
  boost::json::array shape, data;
  for (std::int64_t d : f.shape()) shape.emplace_back(d);
  for (float x : f.values()) data.emplace_back(static_cast<double>(x));
  return {{"name", name}, {"dtype", "float32"}, {"shape", std::move(shape)}, {"data", std::move(data)}};
}

// The answer to one request line: {"outputs": [...]}. Throws kplug::Error naming what is wrong.
boost::json::object answer(kplug::Model& model, const std::string& line) {
  const boost::json::value request = kplug::json::parse(line);
  const boost::json::value* inputs = request.is_object() ? request.as_object().if_contains("inputs") : nullptr;
  if (!inputs || !inputs->is_array()) throw kplug::ValueError("expected {\"inputs\": [...]}");
  std::set<std::string, std::less<>> input_names;
  std::string known;  // the same, for messages
  for (const auto& layer : model.input_layers()) {
    input_names.insert(layer->name());
    known += (known.empty() ? "'" : ", '") + layer->name() + "'";
  }
  std::map<std::string, kplug::Tensor, std::less<>> by_name;
  for (std::size_t i = 0; i < inputs->as_array().size(); ++i) {
    const std::string where = "inputs[" + std::to_string(i) + "]";
    auto [name, tensor] = read_input(inputs->as_array()[i], where);
    if (!input_names.contains(name)) {
      throw kplug::ValueError(where + ".name: '" + name + "' is not an input of model '" + model.name() +
                              "'; its inputs are [" + known + "]");
    }
    if (!by_name.emplace(name, std::move(tensor)).second) {
      throw kplug::ValueError(where + ".name: '" + name + "' is given twice");
    }
  }
  const std::vector<kplug::Tensor> outputs = model.predict_named(by_name);
  const std::vector<std::string> names = model.output_names();
  boost::json::array list;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    list.push_back(write_output(i < names.size() ? names[i] : "output_" + std::to_string(i), outputs[i]));
  }
  return {{"outputs", std::move(list)}};
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help") {
      std::cout << kUsage;
      return 0;
    }
  }
  const std::optional<Arguments> arguments = parse_arguments(argc, argv);
  if (!arguments) {
    std::cerr << kUsage;
    return 1;
  }

  // The host outlives the model: the plugins' code stays loaded while the model uses it.
  kplug::PluginHost host;
  kplug::ModelPtr model;
  try {
    for (const std::string& dir : arguments->plugin_dirs) {
      for (const kplug::PluginLoadReport& report : host.load_directory(dir)) {
        if (!report.loaded) std::cerr << "plugin_host: warning: plugin not loaded: " << report.error << "\n";
      }
    }
    kplug::DeserializeOptions options;  // safe_mode on
    options.key_provider = &host;       // a missing "package>name" key names the plugin to load
    model = kplug::model_from_json(examples::read_file(arguments->model), options);
    if (arguments->weights) kplug::saving::load_weights(*model, *arguments->weights);
  } catch (const kplug::Error& e) {
    std::cerr << "plugin_host: error: " << e.what() << "\n";
    return 2;
  }
  std::cerr << "plugin_host: ready (" << model->name() << ", inputs by InputLayer name)\n";

  std::string line;
  for (std::size_t number = 1; std::getline(std::cin, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    boost::json::object reply;
    try {
      reply = answer(*model, line);
    } catch (const std::exception& e) {  // kplug::Error, or std::bad_alloc on a huge request
      reply = {{"error", "line " + std::to_string(number) + ": " + e.what()}};
    }
    std::cout << kplug::json::write(reply) << std::endl;  // flushed: a client waits for each answer
  }
  return 0;
}
