// The saveable walk (Keras's saving_lib._save_state / _load_state) on the in-memory
// weights store: attribute paths, list naming, sharing, collected load failures, and the
// deserializer's build_config / compile_config hooks.
#define BOOST_TEST_MODULE saveable
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/registry.hpp"
#include "kplug/serialization.hpp"
#include "kplug/state/saveable.hpp"
#include "kplug/state/weights_store.hpp"

#include <memory>
#include <string>
#include <vector>

using namespace kplug;
using namespace kplug::saving;

namespace {

// A layer-like toy: a list of tensors as its own variables, Keras's count and shape checks.
class ToyLayer : public Saveable {
 public:
  ToyLayer(std::string class_name, std::string name, std::vector<Tensor> variables)
      : class_name_(std::move(class_name)), name_(std::move(name)), variables_(std::move(variables)) {}

  void save_own_variables(WeightsStore::Entry& store) const override {
    for (std::size_t i = 0; i < variables_.size(); ++i) store.set(i, variables_[i]);
  }
  void load_own_variables(const WeightsStore::Entry& store) override {
    if (store.size() != variables_.size()) {
      throw ValueError("Layer '" + name_ + "' expected " + std::to_string(variables_.size()) +
                       " variables, but received " + std::to_string(store.size()) + " variables during loading.");
    }
    for (std::size_t i = 0; i < variables_.size(); ++i) variables_[i] = store.get(i);
  }
  std::optional<std::string> saveable_name() const override { return name_; }
  std::string saveable_class_name() const override { return class_name_; }

  const std::vector<Tensor>& variables() const { return variables_; }
  std::vector<Tensor>& variables() { return variables_; }

 private:
  std::string class_name_;
  std::string name_;
  std::vector<Tensor> variables_;
};

// A wrapper holding a layer under the attribute `cell` (as RNN) and one of its own variables.
class ToyWrapper : public ToyLayer {
 public:
  ToyWrapper(std::string name, std::shared_ptr<ToyLayer> cell, std::vector<Tensor> variables = {})
      : ToyLayer("Wrapper", std::move(name), std::move(variables)), cell_(std::move(cell)) {}
  std::vector<SaveableChild> children() const override { return {SaveableChild::single("cell", cell_.get())}; }

 private:
  std::shared_ptr<ToyLayer> cell_;
};

// Sequential-like: `layers` walked first, then other attributes by name.
class ToySequential : public Saveable {
 public:
  std::vector<std::shared_ptr<Saveable>> layers;
  std::shared_ptr<Saveable> optimizer;  // attribute "optimizer"
  std::shared_ptr<Saveable> extra;      // attribute "_tracker": private names walk last

  std::vector<SaveableChild> children() const override {
    std::vector<SaveableChild> out;
    if (extra) out.push_back(SaveableChild::single("_tracker", extra.get()));
    if (optimizer) out.push_back(SaveableChild::single("optimizer", optimizer.get()));
    std::vector<Saveable*> list;
    for (const auto& layer : layers) list.push_back(layer.get());
    out.push_back(SaveableChild::list("layers", std::move(list), /*walk_first=*/true));
    return out;
  }
  std::string saveable_class_name() const override { return "Sequential"; }
};

Tensor t(std::initializer_list<float> values) { return Tensor::vector(values); }

std::shared_ptr<ToyLayer> dense(std::string name, float v) {
  return std::make_shared<ToyLayer>("Dense", std::move(name), std::vector<Tensor>{t({v, v}), t({v + 1})});
}

}  // namespace

BOOST_AUTO_TEST_CASE(snake_case_matches_keras_naming) {
  BOOST_TEST(to_snake_case("Dense") == "dense");
  BOOST_TEST(to_snake_case("MyDense") == "my_dense");
  BOOST_TEST(to_snake_case("LSTM") == "lstm");
  BOOST_TEST(to_snake_case("GRUCell") == "gru_cell");
  BOOST_TEST(to_snake_case("Conv2D") == "conv2d");
  BOOST_TEST(to_snake_case("Conv2DTranspose") == "conv2d_transpose");
  BOOST_TEST(to_snake_case("MultiHeadAttention") == "multi_head_attention");
  BOOST_TEST(to_snake_case("GlobalMaxPooling1D") == "global_max_pooling1d");
  BOOST_TEST(to_snake_case("ZeroPadding1D") == "zero_padding1d");
  BOOST_TEST(to_snake_case("UpSampling1D") == "up_sampling1d");
  BOOST_TEST(to_snake_case("InputLayer") == "input_layer");
  BOOST_TEST(to_snake_case("ABCDef") == "abc_def");
  BOOST_TEST(to_snake_case("My Layer!") == "my_layer");
  BOOST_TEST(to_snake_case("already_snake") == "already_snake");
}

BOOST_AUTO_TEST_CASE(nested_variables_land_at_keras_attribute_paths) {
  ToySequential model;
  auto cell = dense("inner", 7.0f);
  model.layers = {dense("dense", 1.0f), dense("dense_9", 3.0f), std::make_shared<ToyWrapper>("wrapper", cell),
                  std::make_shared<ToyLayer>("MyDense", "custom", std::vector<Tensor>{t({5.0f})})};
  InMemoryWeightsStore store;
  save_state(model, store);

  const std::vector<std::string> expected = {
      "layers/dense/vars/0",    "layers/dense/vars/1",        "layers/dense_1/vars/0",     "layers/dense_1/vars/1",
      "layers/my_dense/vars/0", "layers/wrapper/cell/vars/0", "layers/wrapper/cell/vars/1"};
  BOOST_TEST(store.dataset_paths() == expected, boost::test_tools::per_element());
  // Paths come from class names, not layer names; the name is an attribute of the vars group.
  BOOST_TEST((store.dataset("layers/dense_1/vars/0") == t({3.0f, 3.0f})));
  BOOST_TEST((store.dataset("layers/wrapper/cell/vars/1") == t({8.0f})));
  BOOST_TEST(store.get("layers/dense_1")->attribute("name").value_or("") == "dense_9");
  // Every saveable has a vars group, empty ones included (the root, the wrapper).
  BOOST_TEST(store.has_group("vars"));
  BOOST_TEST(store.has_group("layers/wrapper/vars"));
  BOOST_TEST(store.get("layers/wrapper")->size() == 0u);
  BOOST_TEST(store.members("layers") == (std::vector<std::string>{"dense", "dense_1", "my_dense", "wrapper"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(layers_walk_first_then_attributes_sorted_private_last) {
  ToySequential model;
  auto shared = dense("shared", 2.0f);
  // The same object as a layer, the optimizer and the private tracker: saved once, at the
  // first path reached ("layers" walks first).
  model.layers = {shared};
  model.optimizer = shared;
  model.extra = shared;
  InMemoryWeightsStore store;
  save_state(model, store);
  BOOST_TEST(store.has_group("layers/dense/vars"));
  BOOST_TEST(!store.has_group("optimizer"));
  BOOST_TEST(!store.has_group("_tracker"));

  // Without the list, "optimizer" sorts before "_tracker" (private names last).
  ToySequential other;
  other.optimizer = dense("opt", 1.0f);
  other.extra = other.optimizer;
  InMemoryWeightsStore store2;
  save_state(other, store2);
  BOOST_TEST(store2.has_group("optimizer/vars"));
  BOOST_TEST(!store2.has_group("_tracker"));
}

BOOST_AUTO_TEST_CASE(shared_child_saved_once_and_loaded_once) {
  ToySequential model;
  auto shared = dense("shared", 4.0f);
  model.layers = {shared, std::make_shared<ToyWrapper>("wrapper", shared)};
  InMemoryWeightsStore store;
  save_state(model, store);
  BOOST_TEST(store.has_group("layers/dense/vars"));
  BOOST_TEST(!store.has_group("layers/wrapper/cell"));

  ToySequential fresh;
  auto fresh_shared = dense("shared", 0.0f);
  fresh.layers = {fresh_shared, std::make_shared<ToyWrapper>("wrapper", fresh_shared)};
  load_state(fresh, store);
  BOOST_TEST((fresh_shared->variables()[0] == t({4.0f, 4.0f})));
}

BOOST_AUTO_TEST_CASE(round_trip_restores_every_variable) {
  ToySequential model;
  model.layers = {dense("a", 1.0f),
                  std::make_shared<ToyWrapper>("w", dense("c", 9.0f), std::vector<Tensor>{t({6.0f})})};
  InMemoryWeightsStore store;
  save_state(model, store);

  ToySequential fresh;
  auto first = dense("a", 0.0f);
  auto cell = dense("c", 0.0f);
  auto wrapper = std::make_shared<ToyWrapper>("w", cell, std::vector<Tensor>{t({0.0f})});
  fresh.layers = {first, wrapper};
  load_state(fresh, store);
  BOOST_TEST((first->variables()[1] == t({2.0f})));
  BOOST_TEST((cell->variables()[0] == t({9.0f, 9.0f})));
  BOOST_TEST((wrapper->variables()[0] == t({6.0f})));
}

BOOST_AUTO_TEST_CASE(load_failures_are_collected_and_reported_together) {
  ToySequential saved;
  saved.layers = {dense("a", 1.0f), dense("b", 2.0f)};
  InMemoryWeightsStore store;
  save_state(saved, store);

  // Three layers where the file has two: the third finds no group; the first expects
  // three variables.
  ToySequential fresh;
  auto wrong_count = std::make_shared<ToyLayer>("Dense", "x", std::vector<Tensor>{t({0}), t({0}), t({0})});
  auto fine = dense("y", 0.0f);
  auto missing = dense("z", 0.0f);
  fresh.layers = {wrong_count, fine, missing};
  try {
    load_state(fresh, store);
    BOOST_FAIL("expected a LoadingError");
  } catch (const LoadingError& e) {
    const std::string what = e.what();
    BOOST_TEST_INFO(what);
    BOOST_TEST(what.find("A total of 2 objects could not be loaded") != std::string::npos);
    BOOST_TEST(what.find("Layer 'x' expected 3 variables, but received 2 variables") != std::string::npos);
    BOOST_TEST(what.find("Layer 'z' expected 2 variables, but received 0 variables") != std::string::npos);
    BOOST_TEST(e.failures().size() == 2u);
    BOOST_TEST(e.failures()[0].path == "layers/dense");
    BOOST_TEST(e.failures()[1].path == "layers/dense_2");
    BOOST_TEST(e.failures()[1].object == "Dense 'z'");
  }
  // The layer that matched was still loaded.
  BOOST_TEST((fine->variables()[0] == t({2.0f, 2.0f})));
}

BOOST_AUTO_TEST_CASE(store_errors_name_the_store_and_dataset) {
  InMemoryWeightsStore store;
  auto entry = store.make("layers/dense", std::string("dense"));
  entry->set(0, t({1.0f}));
  BOOST_CHECK_THROW(entry->set(0, t({2.0f})), FileError);
  BOOST_CHECK_THROW(store.make("layers/dense", std::nullopt), FileError);
  try {
    store.get("layers/dense")->get(std::size_t{3});
    BOOST_FAIL("expected a FileError");
  } catch (const FileError& e) {
    BOOST_TEST(e.file() == "in-memory weights store");
    BOOST_TEST(e.entry() == "layers/dense/vars/3");
    BOOST_TEST(std::string(e.what()).find("layers/dense/vars/3") != std::string::npos);
  }
  // A read entry refuses writes; a missing group reads as empty.
  auto read = store.get("nowhere");
  BOOST_TEST(!read->exists());
  BOOST_TEST(read->size() == 0u);
  BOOST_TEST(store.get("")->path() == "vars");
}

// ---- build_config / compile_config dispatch from the deserializer ----

namespace {

struct BuildLog {
  std::string build_config;
  std::string compile_config;
};
BuildLog g_log;  // what the last toy object received (tests run sequentially)

class BuildableThing : public Serializable, public Saveable {
 public:
  static constexpr Kind static_kind = Kind::layer;
  Kind kind() const override { return static_kind; }
  boost::json::object get_config() const override { return {}; }
  static std::shared_ptr<BuildableThing> from_config(const boost::json::object&, DeserializationContext&) {
    return std::make_shared<BuildableThing>();
  }
  void build_from_config(const boost::json::object& config) override {
    if (config.contains("fail")) throw ValueError("cannot build with this shape");
    g_log.build_config = json::write(config);
  }
  void compile_from_config(const boost::json::object& config) override { g_log.compile_config = json::write(config); }
};

class PlainThing : public Serializable {
 public:
  static constexpr Kind static_kind = Kind::layer;
  Kind kind() const override { return static_kind; }
  boost::json::object get_config() const override { return {}; }
  static std::shared_ptr<PlainThing> from_config(const boost::json::object&, DeserializationContext&) {
    return std::make_shared<PlainThing>();
  }
};

class ToyModel : public Serializable, public Saveable {
 public:
  static constexpr Kind static_kind = Kind::model;
  Kind kind() const override { return static_kind; }
  boost::json::object get_config() const override { return {}; }
  static std::shared_ptr<ToyModel> from_config(const boost::json::object&, DeserializationContext&) {
    return std::make_shared<ToyModel>();
  }
};

DeserializeOptions toy_options() {
  DeserializeOptions options;
  options.custom_objects.emplace("test>ToyModel", class_entry<ToyModel>());
  options.custom_objects.emplace("test>BuildableThing", class_entry<BuildableThing>());
  options.custom_objects.emplace("test>PlainThing", class_entry<PlainThing>());
  return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(build_and_compile_configs_reach_the_hooks) {
  g_log = {};
  deserialize(json::parse(R"({"class_name": "BuildableThing", "registered_name": "test>BuildableThing",
      "config": {}, "build_config": {"input_shape": [null, 8]},
      "compile_config": {"loss": "mse"}})"),
              toy_options());
  BOOST_TEST(g_log.build_config == R"({"input_shape": [null, 8]})");
  BOOST_TEST(g_log.compile_config == R"({"loss": "mse"})");

  // Empty or null configs do not call the hooks.
  g_log = {};
  deserialize(json::parse(R"({"class_name": "BuildableThing", "registered_name": "test>BuildableThing",
      "config": {}, "build_config": {}, "compile_config": null})"),
              toy_options());
  BOOST_TEST(g_log.build_config.empty());
  BOOST_TEST(g_log.compile_config.empty());
}

BOOST_AUTO_TEST_CASE(build_config_errors_name_the_path) {
  // Not buildable: refused, naming where.
  try {
    deserialize(json::parse(R"({"layers": [{"class_name": "PlainThing", "registered_name": "test>PlainThing",
        "config": {}, "build_config": {"input_shape": [2]}}]})"),
                toy_options());
    BOOST_FAIL("expected NotSupportedError");
  } catch (const NotSupportedError& e) {
    BOOST_TEST(std::string(e.what()).find("layers[0].build_config") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("PlainThing") != std::string::npos);
  }
  // A failing build: the error keeps its type and gains the JSON path.
  try {
    deserialize(json::parse(R"({"class_name": "BuildableThing", "registered_name": "test>BuildableThing",
        "config": {}, "build_config": {"fail": true}})"),
                toy_options());
    BOOST_FAIL("expected ValueError");
  } catch (const ValueError& e) {
    BOOST_TEST(std::string(e.plain_message()) == "cannot build with this shape");
    BOOST_TEST(e.locations().size() == 1u);
    BOOST_TEST(e.locations()[0].value == "build_config");
  }
  // Not a dict.
  BOOST_CHECK_THROW(deserialize(json::parse(R"({"class_name": "BuildableThing", "registered_name":
      "test>BuildableThing", "config": {}, "build_config": [1]})"),
                                toy_options()),
                    ConfigError);
}

// ---- error locations ----

BOOST_AUTO_TEST_CASE(errors_carry_a_location_chain) {
  try {
    with_location(Location::file("model.weights.h5"),
                  [] { with_location(Location::layer("dense_1"), [] { throw ValueError("shapes do not match"); }); });
    BOOST_FAIL("expected ValueError");
  } catch (const ValueError& e) {
    BOOST_TEST(std::string(e.what()) == "shapes do not match\n  in layer 'dense_1'\n  in file 'model.weights.h5'");
    BOOST_TEST(std::string(e.plain_message()) == "shapes do not match");
    BOOST_TEST(e.locations().size() == 2u);
    BOOST_TEST((e.locations()[0].type == Location::Type::layer));
    // Copies keep the chain; adding to a copy does not change the original.
    ValueError copy = e;
    copy.add_context(Location::json_path("config.layers[0]"));
    BOOST_TEST(copy.locations().size() == 3u);
    BOOST_TEST(e.locations().size() == 2u);
  }
  // Without context, what() is the message alone (existing messages unchanged).
  BOOST_TEST(std::string(ValueError("plain").what()) == "plain");
  const FileError file_error("a.weights.h5", "truncated", "layers/dense/vars/0");
  BOOST_TEST(std::string(file_error.what()) == "'a.weights.h5' at 'layers/dense/vars/0': truncated");
  BOOST_TEST(std::string(FileError("a.keras", "not a zip file").what()) == "'a.keras': not a zip file");
}

BOOST_AUTO_TEST_CASE(save_errors_name_the_object_path) {
  class Broken : public Saveable {
    void save_own_variables(WeightsStore::Entry&) const override { throw ValueError("unbuilt"); }
  };
  ToySequential model;
  model.layers = {dense("a", 1.0f), std::make_shared<Broken>()};
  InMemoryWeightsStore store;
  try {
    save_state(model, store);
    BOOST_FAIL("expected ValueError");
  } catch (const ValueError& e) {
    BOOST_TEST(e.locations().size() == 1u);
    BOOST_TEST(e.locations()[0].value == "layers/broken");
  }
}

// ---- kinds ----

BOOST_AUTO_TEST_CASE(kind_subtyping) {
  BOOST_TEST(kind_is_a(Kind::model, Kind::layer));
  BOOST_TEST(kind_is_a(Kind::loss, Kind::metric));
  BOOST_TEST(kind_is_a(Kind::layer, Kind::layer));
  BOOST_TEST(!kind_is_a(Kind::layer, Kind::model));
  BOOST_TEST(!kind_is_a(Kind::metric, Kind::loss));
  BOOST_TEST(!kind_is_a(Kind::initializer, Kind::regularizer));
  // A loss function where a metric is expected: by name and by function dict.
  BOOST_TEST(deserialize_object(json::parse(R"("mse")"), Kind::metric) != nullptr);
  BOOST_TEST(deserialize_object(json::parse(R"({"module": "keras.losses", "class_name": "function",
      "config": "mean_squared_error", "registered_name": "function"})"),
                                Kind::metric) != nullptr);
  // A model where a layer is expected (a nested model), not a layer where a model is.
  const auto model = json::parse(R"({"class_name": "ToyModel", "registered_name": "test>ToyModel", "config": {}})");
  BOOST_TEST(deserialize_object(model, Kind::layer, toy_options()) != nullptr);
  const auto layer = json::parse(R"({"class_name": "PlainThing", "registered_name": "test>PlainThing", "config": {}})");
  BOOST_CHECK_THROW(deserialize_object(layer, Kind::model, toy_options()), KindMismatchError);
  // Not the other way round.
  BOOST_CHECK_THROW(deserialize_object(json::parse(R"({"module": "keras.losses", "class_name": "MeanSquaredError",
      "config": {}, "registered_name": null})"),
                                       Kind::layer),
                    KindMismatchError);
}
