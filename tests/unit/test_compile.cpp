// Compiled models: compile_config deserialized (optimizer, loss, metrics, ...) and written
// back unchanged; the optimizer, built on the model's trainable weights, loads from and
// saves to "optimizer/vars" of Keras's weights files (tests/data/compiled/<model>: the
// config.json and model.weights.h5 of compiled model.keras archives Keras 3.16 saved).
#define BOOST_TEST_MODULE compile
#include <boost/test/unit_test.hpp>

#include "kplug/losses.hpp"
#include "kplug/metrics/metric.hpp"
#include "kplug/models/model.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "test_support.hpp"

#include <filesystem>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

fs::path compiled_dir() { return test::data_dir() / "compiled"; }

boost::json::object model_dict(const std::string& name) {
  return test::read_json(compiled_dir() / name / "config.json").as_object();
}

// Equal as Python compares after json.loads, key order kept.
bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (const auto* oa = a.if_object()) {
    const auto& ob = b.get_object();
    if (oa->size() != ob.size()) return false;
    auto ib = ob.begin();
    for (const auto& item : *oa) {
      if (item.key() != ib->key() || !same_json(item.value(), ib->value())) return false;
      ++ib;
    }
    return true;
  }
  if (const auto* aa = a.if_array()) {
    const auto& ab = b.get_array();
    if (aa->size() != ab.size()) return false;
    for (std::size_t i = 0; i < aa->size(); ++i) {
      if (!same_json((*aa)[i], ab[i])) return false;
    }
    return true;
  }
  return a == b;
}

// The mlp_seq model with `compile_config` replaced.
ModelPtr mlp_with(const boost::json::value& compile_config) {
  auto dict = model_dict("mlp_seq");
  dict["compile_config"] = compile_config;
  return model_from_config(dict);
}

const std::vector<std::string> kCompiled = {"mlp_seq", "cnn", "rnn"};

}  // namespace

BOOST_AUTO_TEST_CASE(compile_config_round_trips_unchanged) {
  for (const std::string& name : kCompiled) {
    BOOST_TEST_CONTEXT(name) {
      const auto dict = model_dict(name);
      auto model = model_from_config(dict);
      BOOST_TEST(model->compiled());
      BOOST_REQUIRE(model->optimizer());
      BOOST_TEST(same_json(model->compile_config(), dict.at("compile_config")), json::write(model->compile_config()));
      // and through to_json / model_from_json
      const auto back = json::parse(model->to_json());
      BOOST_TEST(same_json(back.at("compile_config"), dict.at("compile_config")));
      auto again = model_from_json(model->to_json());
      BOOST_TEST(json::write(again->compile_config()) == json::write(model->compile_config()));
    }
  }
}

// The optimizer is built when the model is compiled from its config (the model is built),
// and load_weights fills its variables with the file's optimizer/vars.
BOOST_AUTO_TEST_CASE(optimizer_variables_equal_the_file) {
  for (const std::string& name : kCompiled) {
    BOOST_TEST_CONTEXT(name) {
      auto model = model_from_config(model_dict(name));
      const auto& optimizer = model->optimizer();
      BOOST_REQUIRE(optimizer);
      BOOST_TEST(optimizer->built());
      auto file = saving::H5WeightsStore::open_read(compiled_dir() / name / "model.weights.h5");
      const auto& contents = file->contents();
      BOOST_REQUIRE_EQUAL(optimizer->variables().size(), file->get("optimizer")->size());
      model->load_weights(*file);
      BOOST_TEST(!optimizer->last_load_warning().has_value());
      for (std::size_t i = 0; i < optimizer->variables().size(); ++i) {
        const std::string dataset = "optimizer/vars/" + std::to_string(i);
        BOOST_TEST((optimizer->variables()[i].value == contents.dataset(dataset)), dataset);
      }
      BOOST_TEST(optimizer->iterations() > 0);  // the fixtures were trained
      // get_config reflects the loaded learning_rate variable, as Keras's does.
      BOOST_TEST(model->compile_config().at("optimizer").at("config").at("learning_rate").to_number<double>() ==
                 static_cast<double>(contents.dataset("optimizer/vars/1").values()[0]));
    }
  }
}

// save_weights writes the optimizer at Keras's paths: the written file's tree (every
// dataset path) and values equal the Keras file's.
BOOST_AUTO_TEST_CASE(save_weights_writes_keras_paths) {
  for (const std::string& name : kCompiled) {
    BOOST_TEST_CONTEXT(name) {
      auto model = model_from_config(model_dict(name));
      auto file = saving::H5WeightsStore::open_read(compiled_dir() / name / "model.weights.h5");
      model->load_weights(*file);

      const fs::path out = fs::temp_directory_path() / ("kplug_compile_" + name + ".weights.h5");
      {
        auto writer = saving::H5WeightsStore::open_write(out);
        model->save_weights(*writer);
        writer->commit();
      }
      auto written = saving::H5WeightsStore::open_read(out);
      const auto expected_paths = file->contents().dataset_paths();
      const auto written_paths = written->contents().dataset_paths();
      BOOST_TEST(written_paths == expected_paths, boost::test_tools::per_element());
      for (const std::string& path : expected_paths) {
        BOOST_TEST((written->contents().dataset(path) == file->contents().dataset(path)), path);
      }
      BOOST_TEST(*written->get("optimizer")->attribute("name") == *file->get("optimizer")->attribute("name"));
      fs::remove(out);
    }
  }
}

BOOST_AUTO_TEST_CASE(uncompiled_model_ignores_the_optimizer_group) {
  auto model = mlp_with(boost::json::object());
  BOOST_TEST(!model->compiled());
  BOOST_TEST(!model->optimizer());
  BOOST_TEST(json::write(model->compile_config()) == "{}");
  auto file = saving::H5WeightsStore::open_read(compiled_dir() / "mlp_seq" / "model.weights.h5");
  model->load_weights(*file);  // optimizer/ is an extra group: ignored
  saving::InMemoryWeightsStore written;
  model->save_weights(written);
  BOOST_TEST(!written.has_group("optimizer"));
}

// Every form compile() takes: strings, per-output dicts, lists, objects (built-in and
// registered), weights and flags; all deserialized, and written back as read.
BOOST_AUTO_TEST_CASE(every_argument_form_round_trips) {
  static const bool registered = [] {
    register_loss_function("compile_test", "my_loss", [](const Tensor& t, const Tensor& p) { return (t - p).abs(); });
    return true;
  }();
  BOOST_TEST(registered);
  const auto config = json::parse(R"({
    "optimizer": "rmsprop",
    "loss": {"dense_1": {"module": "keras.losses", "class_name": "Huber",
                         "config": {"name": "huber_loss", "reduction": "sum_over_batch_size", "delta": 2.0},
                         "registered_name": null},
             "other": ["mae", {"module": "builtins", "class_name": "function", "config": "compile_test>my_loss",
                               "registered_name": "function"}]},
    "loss_weights": {"dense_1": 0.5, "other": 2},
    "metrics": ["accuracy", "mae", {"module": "keras.metrics", "class_name": "AUC",
                "config": {"name": "auc", "dtype": "float32", "num_thresholds": 50, "curve": "ROC",
                           "summation_method": "interpolation", "multi_label": false, "num_labels": null,
                           "label_weights": null, "from_logits": false}, "registered_name": null}],
    "weighted_metrics": {"dense_1": ["ce", "binary_accuracy"]},
    "run_eagerly": false,
    "steps_per_execution": 4,
    "jit_compile": "auto",
    "auto_scale_loss": true
  })");
  auto model = mlp_with(config);
  BOOST_TEST(json::write(model->compile_config()) == json::write(config));
  const CompileState& state = *model->compile_state();
  BOOST_TEST(state.optimizer()->class_name() == "RMSprop");
  BOOST_TEST(state.optimizer()->built());
  BOOST_TEST((state.loss().type() == CompileValue::Type::dict));
  const auto& huber = state.loss().entries()[0].second;
  BOOST_TEST((huber.type() == CompileValue::Type::object));
  BOOST_TEST(huber.object()->class_name() == "Huber");
  const auto& other = state.loss().entries()[1].second.items();
  BOOST_TEST(other[0].name() == "mae");
  BOOST_REQUIRE(other[0].object());
  BOOST_TEST((other[0].object()->kind() == Kind::loss));
  BOOST_TEST(as_function(*other[1].object())->name() == "compile_test>my_loss");
  const auto& metrics = state.metrics().items();
  BOOST_TEST(metrics[0].name() == "accuracy");
  BOOST_TEST(!metrics[0].object());  // resolved from the outputs at compile time, as Keras
  BOOST_TEST(metrics[1].object()->class_name() == "MeanAbsoluteError");
  auto auc = std::dynamic_pointer_cast<Metric>(metrics[2].object());
  BOOST_REQUIRE(auc);
  BOOST_TEST(auc->variables().size() == 4u);
  BOOST_TEST(state.flags().at("steps_per_execution").to_number<int>() == 4);
}

BOOST_AUTO_TEST_CASE(bad_compile_configs_fail_naming_the_key) {
  auto compile = [](const std::string& text) { return mlp_with(json::parse(text)); };
  std::string message = test::error_of<Error>([&] { compile(R"({"optimizer": "adam", "loss": "no_such_loss"})"); });
  BOOST_TEST(test::contains(message, "compile_config.loss"), message);
  BOOST_TEST(test::contains(message, "no_such_loss"), message);
  message = test::error_of<Error>([&] { compile(R"({"optimizer": "adam", "metrics": ["mae", "nope"]})"); });
  BOOST_TEST(test::contains(message, "compile_config.metrics[1]"), message);
  message = test::error_of<Error>([&] { compile(R"({"optimizer": "adam", "lr": 0.1})"); });
  BOOST_TEST(test::contains(message, "unexpected keyword argument 'lr'"), message);
  message = test::error_of<Error>([&] {
    compile(R"({"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                                    "config": {"beta_1": "x"}}})");
  });
  BOOST_TEST(test::contains(message, "beta_1"), message);
  message = test::error_of<Error>([&] { compile(R"({"optimizer": "adam", "loss_weights": "x"})"); });
  BOOST_TEST(test::contains(message, "compile_config.loss_weights"), message);
}

// An optimizer whose saved variable count differs is skipped with Keras's warning; the
// layers still load.
BOOST_AUTO_TEST_CASE(optimizer_count_mismatch_is_only_a_warning) {
  auto model = mlp_with(json::parse(R"({"optimizer": "sgd", "loss": "mse"})"));  // SGD: no slots
  auto file = saving::H5WeightsStore::open_read(compiled_dir() / "mlp_seq" / "model.weights.h5");
  model->load_weights(*file);
  BOOST_REQUIRE(model->optimizer()->last_load_warning());
  BOOST_TEST(test::contains(*model->optimizer()->last_load_warning(),
                            "because it has 2 variables whereas the saved "
                            "optimizer has 10 variables"));
  BOOST_TEST((model->get_layer("dense")->get_weights()[1] == file->contents().dataset("layers/dense/vars/1")));
}
