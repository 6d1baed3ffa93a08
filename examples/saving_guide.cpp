// The Keras "Save, serialize, and export models" guide
// (https://keras.io/guides/serialization_and_saving/), every workflow in order, in C++.
// Each step checks its result (equal predictions, equal configs) and the program exits with
// status 1 and a message naming the step when one differs.
//
//   example_saving_guide [DATA_DIR]   (default: this source folder's data/)
#include "example_files.hpp"
#include "kplug/activations.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/models/model.hpp"
#include "kplug/models/sequential.hpp"
#include "kplug/registry.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/scope.hpp"
#include "kplug/serialization.hpp"

#include <unistd.h>

#include <cmath>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using examples::KerasIO;
using examples::read_file;
using examples::read_io;

// ---- checks -----------------------------------------------------------------------------

struct CheckFailed {
  std::string message;
};

void check(bool ok, const std::string& what) {
  if (!ok) throw CheckFailed{what};
}

std::string text(const boost::json::value& config) { return kplug::json::write(config); }

void check_same_config(const boost::json::value& a, const boost::json::value& b, const std::string& what) {
  check(text(a) == text(b), what + ": configs differ:\n  " + text(a) + "\n  " + text(b));
}

void check_same_outputs(const std::vector<kplug::Tensor>& a, const std::vector<kplug::Tensor>& b,
                        const std::string& what) {
  check(a.size() == b.size(), what + ": different numbers of outputs");
  for (std::size_t i = 0; i < a.size(); ++i) check(a[i] == b[i], what + ": output " + std::to_string(i) + " differs");
}

void step(const std::string& title) { std::cout << "- " << title << "\n"; }

// A deterministic batch of `rows` x `features` values in [-1, 1).
kplug::Tensor batch(std::int64_t rows, std::int64_t features) {
  std::vector<float> values(static_cast<std::size_t>(rows * features));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i * 37 + 11) % 200) / 100.0f - 1.0f;
  return kplug::Tensor({rows, features}, std::move(values));
}

kplug::LayerPtr dense(std::int64_t units, const char* activation, const char* name) {
  kplug::layers::Dense::Options options;
  options.units = units;
  if (activation) options.activation = kplug::deserialize_as<kplug::Activation>(boost::json::value(activation));
  kplug::LayerArgs args;
  if (name) args.name = name;
  return std::make_shared<kplug::layers::Dense>(std::move(options), std::move(args));
}

kplug::LayerPtr input(std::int64_t features, const char* name) {
  return std::make_shared<kplug::layers::InputLayer>(
      kplug::layers::InputLayer::Options{.batch_shape = {std::nullopt, features}},
      kplug::LayerArgs{.name = std::string(name)});
}

// ---- the guide's custom objects -----------------------------------------------------------

// @keras.saving.register_keras_serializable(package="MyLayers")
// class CustomLayer(keras.layers.Layer): x * factor, config {"factor": ...}
class CustomLayer : public kplug::Layer {
 public:
  struct Options {
    kplug::Number factor;
  };
  static const kplug::config::Fields<Options>& fields() {
    static const kplug::config::Fields<Options> f{kplug::config::field("factor", &Options::factor).required()};
    return f;
  }
  explicit CustomLayer(Options options) : Layer(kplug::LayerArgs{}), options_(options) { mark_built_at_init(); }
  boost::json::object get_config() const override { return fields().write(options_); }
  static std::shared_ptr<CustomLayer> from_config(const boost::json::object& config,
                                                  kplug::DeserializationContext& context) {
    return std::make_shared<CustomLayer>(fields().read(config, context, "CustomLayer"));
  }
  std::vector<kplug::PartialShape> compute_output_shape(const std::vector<kplug::PartialShape>& shapes) const override {
    return {single_shape(shapes)};
  }

 protected:
  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override {
    expect_inputs(args, 1);
    return {args.inputs[0] * kplug::to_float32(options_.factor.value)};
  }

 private:
  Options options_;
};

// @keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
// def custom_fn(x): return x**2
kplug::Tensor custom_fn(const kplug::Tensor& x) { return x * x; }

// The guide's "custom layer with a nested layer": its config holds the sublayers' dicts
// (keras.layers.serialize) and its from_config deserializes them (keras.layers.deserialize).
struct NestedLayerOptions {
  kplug::LayerPtr first_layer;
  kplug::LayerPtr second_layer;  // none: Dense(8)
};

class NestedLayer : public kplug::FieldsLayer<NestedLayer, NestedLayerOptions> {
 public:
  static const kplug::config::Fields<NestedLayerOptions>& fields() {
    using O = NestedLayerOptions;
    auto layer_field = [](std::string key, kplug::LayerPtr O::*member) {
      return kplug::config::custom_field<O>(
          std::move(key),
          [member](kplug::ConfigReader& r, std::string_view k, const boost::json::value& v, O& o) {
            o.*member = r.context().object<kplug::Layer>(v, k);
          },
          [member](const O& o) { return kplug::serialize_layer(*(o.*member)); });
    };
    static const kplug::config::Fields<O> f{layer_field("first_layer", &O::first_layer),
                                            layer_field("second_layer", &O::second_layer)};
    return f;
  }
  NestedLayer(NestedLayerOptions options, kplug::LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
    if (!options_.first_layer) throw kplug::ValueError("NestedLayer needs a first_layer");
    if (!options_.second_layer) options_.second_layer = dense(8, nullptr, nullptr);  // second_layer=None -> Dense(8)
  }
  std::vector<kplug::LayerAttribute> layer_attributes() const override {
    return {kplug::LayerAttribute{.name = "first_layer", .layers = {options_.first_layer}},
            kplug::LayerAttribute{.name = "second_layer", .layers = {options_.second_layer}}};
  }
  std::vector<kplug::PartialShape> compute_output_shape(const std::vector<kplug::PartialShape>& shapes) const override {
    return options_.second_layer->compute_output_shape(
        options_.first_layer->compute_output_shape({single_shape(shapes)}));
  }

 protected:
  void build(const std::vector<kplug::PartialShape>& shapes) override {
    options_.first_layer->maybe_build({single_shape(shapes)});
    options_.second_layer->maybe_build(options_.first_layer->compute_output_shape({single_shape(shapes)}));
  }
  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override {
    expect_inputs(args, 1);
    return {(*options_.second_layer)((*options_.first_layer)(args.inputs[0]))};
  }
};

// ---- the guide, in order ------------------------------------------------------------------

// What the guide's steps share: the work folder and the custom-object model Keras wrote.
struct Guide {
  fs::path data, work, guide_dir;
  std::string guide_json;
  KerasIO keras_io;

  explicit Guide(const fs::path& data_dir)
      : data(data_dir),
        work(fs::temp_directory_path() / ("kplug_saving_guide_" + std::to_string(::getpid()))),
        guide_dir(data_dir / "custom_objects"),
        guide_json(read_file(guide_dir / "model.json")),
        keras_io(read_io(guide_dir / "io.json")) {
    fs::create_directories(work);
  }
  ~Guide() {
    std::error_code ignored;
    fs::remove_all(work, ignored);
  }
  Guide(const Guide&) = delete;
  Guide& operator=(const Guide&) = delete;

  void matches_keras(kplug::Model& model, const std::string& what) const {
    kplug::saving::load_weights(model, guide_dir / "model.weights.h5");
    const kplug::Tensor got = model.predict({keras_io.input})[0];
    check(kplug::allclose(got, keras_io.output, 1e-5f, 1e-6f), what + ": predictions differ from Keras's");
  }
};

// Custom objects: registered, saved and loaded, passed to the load, in a scope. Returns the
// guide's model as loaded with the registered objects.
kplug::ModelPtr custom_object_steps(const Guide& guide) {
  step("registering custom objects (register_keras_serializable)");
  const std::string layer_key = kplug::register_serializable<CustomLayer>({.package = "MyLayers"});
  const std::string fn_key = kplug::register_activation("my_package", "custom_fn", custom_fn);
  check(layer_key == "MyLayers>CustomLayer" && fn_key == "my_package>custom_fn", "registered keys");
  kplug::ModelPtr registered = kplug::model_from_json(guide.guide_json);
  guide.matches_keras(*registered, "registered custom objects");

  step("saving and loading a whole model (model.save / keras.saving.load_model)");
  kplug::saving::save_model(*registered, guide.work / "custom_model.keras");
  const kplug::ModelPtr reloaded = kplug::saving::load_model(guide.work / "custom_model.keras");
  // Predictions, as the guide checks (the custom layer's get_config has no `name`, so the reloaded
  // one gets the next automatic name, custom_layer_1, as in Keras).
  check_same_outputs(reloaded->predict({guide.keras_io.input}), registered->predict({guide.keras_io.input}),
                     "load_model(save_model())");
  // The same model as Python Keras saved it (model.save("custom_model.keras")).
  const kplug::ModelPtr from_keras = kplug::saving::load_model(guide.guide_dir / "model.keras");
  check(kplug::allclose(from_keras->predict({guide.keras_io.input})[0], guide.keras_io.output, 1e-5f, 1e-6f),
        "Keras's custom_model.keras: predictions differ from Keras's");

  // The same objects, unregistered: a load without them fails and names the key...
  kplug::get_custom_objects().erase(layer_key);
  kplug::get_custom_objects().erase(fn_key);
  bool refused = false;
  try {
    kplug::model_from_json(guide.guide_json);
  } catch (const kplug::Error& e) {
    refused = std::string(e.what()).find("CustomLayer") != std::string::npos;
  }
  check(refused, "loading without the custom objects must fail naming CustomLayer");
  // ...and succeeds when they are passed (keys are the registered names in the config).
  const kplug::CustomObjectMap custom_objects{
      {layer_key, kplug::class_entry<CustomLayer>()},
      {fn_key, kplug::function_entry(std::make_shared<kplug::ActivationFunction>(fn_key, custom_fn))}};

  step("passing custom objects to the load (custom_objects=...)");
  kplug::DeserializeOptions with_objects;
  with_objects.custom_objects = custom_objects;
  kplug::ModelPtr passed = kplug::model_from_json(guide.guide_json, with_objects);
  guide.matches_keras(*passed, "custom_objects");

  step("using a custom object scope (custom_object_scope)");
  {
    kplug::CustomObjectScope scope(custom_objects);
    kplug::ModelPtr scoped = kplug::model_from_json(guide.guide_json);
    guide.matches_keras(*scoped, "custom_object_scope");
  }
  kplug::register_serializable<CustomLayer>({.package = "MyLayers"});  // registered again for what follows
  kplug::register_activation("my_package", "custom_fn", custom_fn);

  return registered;
}

// get_config / from_config, to_json / model_from_json, clone_model. Returns the Functional
// model of the guide (simple_functional.json) for the weight steps.
kplug::ModelPtr config_steps(const Guide& guide, const kplug::Model& registered) {
  step("get_config / from_config of a layer");
  const kplug::LayerPtr layer = dense(3, "relu", "dense_a");
  const boost::json::object layer_config = layer->get_config();
  kplug::DeserializeOptions defaults;
  kplug::DeserializationContext context(defaults);
  const auto new_layer = kplug::layers::Dense::from_config(layer_config, context);
  check_same_config(new_layer->get_config(), layer_config, "Dense.from_config(layer.get_config())");

  step("get_config / from_config of a Sequential model");
  auto sequential = std::make_shared<kplug::Sequential>(kplug::LayerArgs{.name = std::string("seq")});
  sequential->add(input(32, "seq_input"));
  sequential->add(dense(1, nullptr, "seq_dense"));
  const auto new_sequential = kplug::Sequential::from_config(sequential->get_config(), context);
  check_same_config(new_sequential->get_config(), sequential->get_config(), "Sequential.from_config");
  new_sequential->set_weights(sequential->get_weights());
  check_same_outputs(new_sequential->predict({batch(4, 32)}), sequential->predict({batch(4, 32)}),
                     "Sequential.from_config + set_weights");

  step("get_config / from_config of a Functional model (from its JSON config)");
  const std::string functional_json = read_file(guide.data / "simple_functional.json");
  const kplug::ModelPtr functional = kplug::model_from_json(functional_json);
  const kplug::ModelPtr new_functional = kplug::model_from_config(kplug::serialize_layer(*functional));
  check_same_config(new_functional->get_config(), functional->get_config(), "Model.from_config");

  step("to_json / model_from_json");
  const std::string json_config = sequential->to_json();
  const kplug::ModelPtr from_json = kplug::model_from_json(json_config);
  check(from_json->to_json() == json_config,
        "model_from_json(to_json()).to_json() differs:\n  " + from_json->to_json() + "\n  " + json_config);
  // The custom-object model too. Its CustomLayer config has no "name" (its __init__ passes nothing
  // to the base Layer), so, as in Keras, the reloaded layer gets a new automatic name: compare
  // predictions, not text.
  const kplug::ModelPtr guide_again = kplug::model_from_json(registered.to_json());
  guide.matches_keras(*guide_again, "model_from_json(to_json()) of the custom-object model");

  step("clone_model");
  const kplug::ModelPtr clone = kplug::clone_model(*functional);
  check_same_config(clone->get_config(), functional->get_config(), "clone_model config");
  clone->set_weights(functional->get_weights());
  check_same_outputs(clone->predict({batch(5, 784)}), functional->predict({batch(5, 784)}), "clone_model");

  return functional;
}

// Regularizer serialization, weights between layers and models, weights files, transfer learning.
void weight_steps(const Guide& guide, const kplug::ModelPtr& functional) {
  step("serialize / deserialize a regularizer");
  const kplug::regularizers::L1 regularizer(0.005);
  const boost::json::value reg_config = kplug::serialize(regularizer);
  const auto new_regularizer = kplug::deserialize_as<kplug::Regularizer>(reg_config);
  check(new_regularizer != nullptr, "deserialize_as<Regularizer>");
  check_same_config(kplug::serialize(*new_regularizer), reg_config, "regularizer round trip");
  check((*new_regularizer)(batch(2, 3)) == regularizer(batch(2, 3)), "regularizer penalty");

  step("get_weights / set_weights between layers");
  const kplug::LayerPtr layer_1 = dense(64, "relu", "dense_1");
  layer_1->maybe_build({kplug::PartialShape{std::nullopt, 784}});
  const kplug::LayerPtr layer_2 = dense(64, "relu", "dense_2");
  layer_2->maybe_build({kplug::PartialShape{std::nullopt, 784}});
  layer_2->set_weights(layer_1->get_weights());
  check(((*layer_2)(batch(3, 784)) == (*layer_1)(batch(3, 784))), "layer_2.set_weights(layer_1.get_weights())");

  step("get_weights / set_weights between compatible models (a Sequential and the Functional)");
  auto compatible = std::make_shared<kplug::Sequential>(kplug::LayerArgs{.name = std::string("compatible")});
  compatible->add(input(784, "digits"));
  for (auto* layer_name : {"dense_1", "dense_2"}) compatible->add(dense(64, "relu", layer_name));
  compatible->add(dense(10, nullptr, "predictions"));
  compatible->set_weights(functional->get_weights());
  check_same_outputs(compatible->predict({batch(5, 784)}), functional->predict({batch(5, 784)}),
                     "compatible model weights");

  step("... with an extra stateless layer (Dropout): the weight order is unchanged");
  auto with_dropout = std::make_shared<kplug::Sequential>(kplug::LayerArgs{.name = std::string("with_dropout")});
  with_dropout->add(input(784, "digits"));
  with_dropout->add(dense(64, "relu", "dense_1"));
  with_dropout->add(dense(64, "relu", "dense_2"));
  with_dropout->add(std::make_shared<kplug::layers::Dropout>(kplug::layers::Dropout::Options{.rate = 0.5},
                                                             kplug::LayerArgs{.name = std::string("dropout")}));
  with_dropout->add(dense(10, nullptr, "predictions"));
  with_dropout->set_weights(functional->get_weights());
  check_same_outputs(with_dropout->predict({batch(5, 784)}), functional->predict({batch(5, 784)}),
                     "Dropout model weights (Dropout is the identity at inference)");

  step("save_weights / load_weights (.weights.h5)");
  kplug::saving::save_weights(*functional, guide.work / "ckpt.weights.h5");
  const kplug::ModelPtr restored = kplug::model_from_json(read_file(guide.data / "simple_functional.json"));
  kplug::saving::load_weights(*restored, guide.work / "ckpt.weights.h5");
  check_same_outputs(restored->predict({batch(5, 784)}), functional->predict({batch(5, 784)}),
                     "load_weights(save_weights())");

  step("transfer learning: the pretrained layers but the last, in a new Sequential");
  const std::vector<kplug::LayerPtr> pretrained = functional->layers();  // InputLayer first
  auto transfer = std::make_shared<kplug::Sequential>(kplug::LayerArgs{.name = std::string("transfer")});
  for (std::size_t i = 0; i + 1 < pretrained.size(); ++i) transfer->add(pretrained[i]);
  transfer->add(dense(5, nullptr, "dense_3"));
  check(transfer->layers().size() == 3u, "the extracted model has dense_1, dense_2, dense_3");
  for (std::size_t i = 0; i < 2; ++i) {
    check(transfer->layers()[i] == pretrained[i + 1], "extracted layers are the pretrained ones (shared)");
  }
  check(transfer->predict({batch(2, 784)})[0].shape() == kplug::Shape{2, 5}, "transfer model output shape");
}

void nested_layer_step() {
  step("a custom layer whose from_config deserializes its sublayers");
  kplug::register_serializable<NestedLayer>({.package = "ComplexModels"});
  const auto nested = std::make_shared<NestedLayer>(
      NestedLayerOptions{.first_layer = dense(16, "relu", "first"), .second_layer = nullptr},
      kplug::LayerArgs{.name = std::string("nested")});
  nested->maybe_build({kplug::PartialShape{std::nullopt, 4}});
  const boost::json::value nested_config = kplug::serialize_layer(*nested);
  const auto new_nested = kplug::deserialize_as<kplug::Layer>(nested_config);
  check(new_nested != nullptr, "deserialize_as<Layer>(NestedLayer)");
  check_same_config(kplug::serialize_layer(*new_nested), nested_config, "NestedLayer round trip");
  check(new_nested->get_weights().size() == 4u, "NestedLayer weights: two kernels and two biases");
  new_nested->set_weights(nested->get_weights());
  check(((*new_nested)(batch(3, 4)) == (*nested)(batch(3, 4))), "NestedLayer predictions");
}

void run(const fs::path& data) {
  const Guide guide(data);
  const kplug::ModelPtr registered = custom_object_steps(guide);
  const kplug::ModelPtr functional = config_steps(guide, *registered);
  weight_steps(guide, functional);
  nested_layer_step();
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path data = argc > 1 ? fs::path(argv[1]) : fs::path(KPLUG_EXAMPLES_DATA);
  try {
    run(data);
  } catch (const CheckFailed& e) {
    std::cerr << "saving_guide: check failed: " << e.message << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "saving_guide: error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "every workflow of the guide gave equal configs and predictions\n";
  return 0;
}
