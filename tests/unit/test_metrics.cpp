// Metrics against Keras 3.16 (tests/data/training/metrics and the metric_* object
// fixtures): configs, the getter's names, and variables (names, paths, shapes, dtypes,
// order), saved and loaded positionally.
#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include "kplug/metrics/builtin.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <filesystem>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> json_files(const fs::path& dir, std::string_view prefix = {}) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && name.starts_with(prefix) && !name.ends_with(".roundtrip.json")) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Shape shape_of(const boost::json::value& v) {
  Shape shape;
  for (const auto& d : v.as_array()) shape.push_back(d.to_number<std::int64_t>());
  return shape;
}

MetricPtr metric_of(const boost::json::value& config) {
  auto metric = deserialize_as<Metric>(config);
  BOOST_REQUIRE(metric);
  return metric;
}

}  // namespace

BOOST_AUTO_TEST_CASE(trace_variables_are_keras_variables) {
  const auto files = json_files(test::data_dir() / "training" / "metrics");
  BOOST_TEST(files.size() == 23u);
  for (const fs::path& path : files) {
    BOOST_TEST_CONTEXT(path.filename().string()) {
      const auto fixture = test::read_json(path);
      auto metric = metric_of(fixture.at("serialized"));
      BOOST_TEST(json::write(serialize(metric)) == json::write(fixture.at("serialized")));
      BOOST_TEST(json::write(metric->get_config()) == json::write(fixture.at("get_config")));
      const auto& expected = fixture.at("variables_initial").as_array();
      const auto& got = metric->variables();
      BOOST_REQUIRE_EQUAL(got.size(), expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST(got[i].name == std::string(expected[i].at("name").as_string()));
        BOOST_TEST(got[i].path == std::string(expected[i].at("path").as_string()));
        BOOST_TEST(dtype_name(got[i].value.dtype()) == std::string(expected[i].at("dtype").as_string()));
        BOOST_TEST(got[i].value.shape() == shape_of(expected[i].at("shape")));
        BOOST_TEST(got[i].value.astype(DType::float32).values()[0] == 0.0f);  // every initial value is 0
      }
    }
  }
}

// Variables of the metric_* object fixtures, as Keras's constructors create them.
BOOST_AUTO_TEST_CASE(object_fixture_variables) {
  struct Expected {
    std::string file;
    std::vector<std::string> names;
    Shape shape;
  };
  const std::vector<Expected> cases = {
      {"metric_AUC.json", {"true_positives", "false_positives", "true_negatives", "false_negatives"}, Shape{200}},
      {"metric_AUC_PR.json", {"true_positives", "false_positives", "true_negatives", "false_negatives"}, Shape{50}},
      {"metric_PrecisionAtRecall.json",
       {"true_positives", "false_positives", "true_negatives", "false_negatives"},
       Shape{200}},
      {"metric_Recall_thresholds.json", {"true_positives", "false_negatives"}, Shape{2}},
      {"metric_Precision_params.json", {"true_positives", "false_positives"}, Shape{1}},
      {"metric_TruePositives.json", {"accumulator"}, Shape{1}},
      {"metric_IoU.json", {"total_confusion_matrix"}, Shape{3, 3}},
      {"metric_BinaryIoU.json", {"total_confusion_matrix"}, Shape{2, 2}},
      {"metric_Sum.json", {"total"}, Shape{}},
      {"metric_MeanMetricWrapper.json", {"total", "count"}, Shape{}},
      {"metric_F1Score.json", {}, Shape{}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.file) {
      auto metric = metric_of(test::read_json(test::data_dir() / "objects" / c.file));
      BOOST_REQUIRE_EQUAL(metric->variables().size(), c.names.size());
      for (std::size_t i = 0; i < c.names.size(); ++i) {
        BOOST_TEST(metric->variables()[i].name == c.names[i]);
        BOOST_TEST(metric->variables()[i].path == metric->name() + "/" + c.names[i]);
        BOOST_TEST(metric->variables()[i].value.shape() == c.shape);
      }
    }
  }
  auto iou = metric_of(test::read_json(test::data_dir() / "objects" / "metric_IoU.json"));
  BOOST_TEST(dtype_name(iou->variables()[0].value.dtype()) == "int32");  // the metric's dtype
}

BOOST_AUTO_TEST_CASE(getter_names) {
  // keras.metrics.get: class names, snake_case forms and the short aliases.
  for (auto [name, class_name] : std::vector<std::pair<std::string, std::string>>{
           {"mse", "MeanSquaredError"},
           {"MAE", "MeanAbsoluteError"},
           {"bce", "BinaryCrossentropy"},
           {"auc", "AUC"},
           {"binary_accuracy", "BinaryAccuracy"},
           {"sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"},
           {"f1_score", "F1Score"},
           {"Precision", "Precision"}}) {
    BOOST_TEST_CONTEXT(name) {
      auto metric = deserialize_as<Metric>(boost::json::value(name));
      BOOST_REQUIRE(metric);
      BOOST_TEST(metric->class_name() == class_name);
    }
  }
  const std::string message =
      test::error_of<Error>([] { deserialize_as<Metric>(boost::json::value("no_such_metric")); });
  BOOST_TEST(test::contains(message, "no_such_metric"), message);
}

BOOST_AUTO_TEST_CASE(bad_configs_fail_naming_the_key) {
  auto parse = [](const std::string& class_name, const std::string& body) {
    return json::parse(R"({"module": "keras.metrics", "class_name": ")" + class_name + R"(", "config": {)" + body +
                       "}}");
  };
  std::string message = test::error_of<Error>([&] { deserialize_as<Metric>(parse("AUC", R"("curve": "XY")")); });
  BOOST_TEST(test::contains(message, "curve"), message);
  message = test::error_of<Error>([&] { deserialize_as<Metric>(parse("Precision", R"("thresholds": [0.5, 1.5])")); });
  BOOST_TEST(test::contains(message, "thresholds"), message);
  message = test::error_of<Error>(
      [&] { deserialize_as<Metric>(parse("IoU", R"("num_classes": 2, "target_class_ids": [3])")); });
  BOOST_TEST(test::contains(message, "target class id 3"), message);
  message = test::error_of<Error>([&] { deserialize_as<Metric>(parse("Mean", R"("k": 3)")); });
  BOOST_TEST(test::contains(message, "unexpected argument 'k'"), message);
  message = test::error_of<Error>([&] { deserialize_as<Metric>(parse("F1Score", R"("beta": 2.0)")); });
  BOOST_TEST(test::contains(message, "unexpected argument 'beta'"), message);
}

BOOST_AUTO_TEST_CASE(variables_save_and_load_positionally) {
  auto auc = metric_of(test::read_json(test::data_dir() / "objects" / "metric_AUC_PR.json"));
  saving::InMemoryWeightsStore store;
  {
    auto entry = store.make("metric", auc->saveable_name());
    auc->save_own_variables(*entry);
  }
  BOOST_TEST(store.dataset_paths().size() == 4u);
  BOOST_TEST(store.dataset("metric/vars/0").shape() == Shape{50});
  BOOST_TEST(*store.get("metric")->attribute("name") == "pr_auc");
  auc->load_own_variables(*store.get("metric"));

  auto mean = metric_of(test::read_json(test::data_dir() / "objects" / "metric_Mean.json"));
  const std::string message = test::error_of<Error>([&] { mean->load_own_variables(*store.get("metric")); });
  BOOST_TEST(test::contains(message, "Metric 'mean' expected 2 variables, but received 4"), message);
}
