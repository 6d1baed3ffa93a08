// Optimizers and learning-rate schedules against Keras 3.16's traces (tests/data/training,
// described in its README.md): configs, variables (names, paths, shapes, dtypes,
// initial values, order), lr(step), and optimizer/vars read from and written to weights files.
#define BOOST_TEST_MODULE optimizers
#include <boost/test/unit_test.hpp>

#include "kplug/optimizers/builtin.hpp"
#include "kplug/optimizers/schedules.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <cmath>
#include <filesystem>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

fs::path training_dir() { return test::data_dir() / "training"; }

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

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

Shape shape_of(const boost::json::value& v) {
  Shape shape;
  for (const auto& d : v.as_array()) shape.push_back(d.to_number<std::int64_t>());
  return shape;
}

// A fixture tensor record ({shape, dtype, data}) as float64 values, to compare any dtype.
std::vector<double> data_of(const boost::json::value& record) {
  std::vector<double> out;
  for (const auto& x : record.at("data").as_array()) out.push_back(x.to_number<double>());
  return out;
}

std::vector<double> values_of(const Tensor& t) {
  const Tensor d = t.astype(DType::float64);
  const double* p = d.data_as<double>();
  return std::vector<double>(p, p + d.size());
}

// The model variables of the traces: m/dense/kernel [3, 2] and m/dense/bias [2].
std::vector<VariablePtr> trace_variables(const boost::json::value& trace) {
  std::vector<VariablePtr> out;
  for (const auto& v : trace.at("variables_initial").as_array()) {
    VariableSpec spec{std::string(v.at("name").as_string()), shape_of(v.at("shape")), nullptr, nullptr, nullptr, true};
    auto variable = std::make_shared<Variable>(std::move(spec), std::string(v.at("path").as_string()));
    std::vector<float> data;
    for (double x : data_of(v)) data.push_back(static_cast<float>(x));
    variable->assign(Tensor(variable->shape(), std::move(data)));
    out.push_back(variable);
  }
  return out;
}

OptimizerPtr optimizer_of(const boost::json::value& trace) {
  auto optimizer = deserialize_as<Optimizer>(trace.at("serialized"));
  BOOST_REQUIRE(optimizer);
  return optimizer;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_trace_is_covered) {
  // 28 traces: every optimizer kplug has state for, with the clip, EMA and schedule variants.
  BOOST_TEST(json_files(training_dir() / "optimizers").size() == 28u);
  BOOST_TEST(json_files(training_dir() / "schedules").size() == 12u);
}

BOOST_AUTO_TEST_CASE(trace_configs_round_trip) {
  for (const fs::path& path : json_files(training_dir() / "optimizers")) {
    BOOST_TEST_CONTEXT(path.filename().string()) {
      const auto trace = test::read_json(path);
      auto optimizer = optimizer_of(trace);
      BOOST_TEST(same_json(serialize(optimizer), trace.at("serialized")), json::write(serialize(optimizer)));
      BOOST_TEST(same_json(optimizer->get_config(), trace.at("get_config")));
      BOOST_TEST(optimizer->learning_rate() == trace.at("learning_rate_initial").to_number<double>());
    }
  }
}

// Names, paths, shapes, dtypes, order and initial values of optimizer.variables after build.
BOOST_AUTO_TEST_CASE(built_variables_are_keras_variables) {
  for (const fs::path& path : json_files(training_dir() / "optimizers")) {
    BOOST_TEST_CONTEXT(path.filename().string()) {
      const auto trace = test::read_json(path);
      auto optimizer = optimizer_of(trace);
      optimizer->build(trace_variables(trace));
      BOOST_TEST(optimizer->built());
      const auto& expected = trace.at("optimizer_variables_initial").as_array();
      const auto& got = optimizer->variables();
      BOOST_REQUIRE_EQUAL(got.size(), expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        BOOST_TEST_CONTEXT("variable " << i) {
          BOOST_TEST(got[i].name == std::string(expected[i].at("name").as_string()));
          BOOST_TEST(got[i].path == std::string(expected[i].at("path").as_string()));
          BOOST_TEST(dtype_name(got[i].value.dtype()) == std::string(expected[i].at("dtype").as_string()));
          BOOST_TEST(got[i].value.shape() == shape_of(expected[i].at("shape")));
          BOOST_TEST(std::string(expected[i].at("h5_path").as_string()) == "optimizer/vars/" + std::to_string(i));
          const auto want = data_of(expected[i]);
          const auto have = values_of(got[i].value);
          BOOST_TEST(have == want, boost::test_tools::per_element());
        }
      }
    }
  }
}

// Each trace's weights file (model.save_weights() after 4 steps): optimizer/vars/<i> loads
// into variable i, equal to the trace's last step; saving writes them back at the same paths.
BOOST_AUTO_TEST_CASE(optimizer_vars_load_and_save_at_keras_paths) {
  for (const fs::path& path : json_files(training_dir() / "optimizers")) {
    BOOST_TEST_CONTEXT(path.filename().string()) {
      const auto trace = test::read_json(path);
      auto optimizer = optimizer_of(trace);
      optimizer->build(trace_variables(trace));
      fs::path h5 = path;
      h5.replace_extension(".weights.h5");
      auto file = saving::H5WeightsStore::open_read(h5);
      optimizer->load_own_variables(*file->get("optimizer"));
      BOOST_TEST(!optimizer->last_load_warning().has_value());
      const auto& last = trace.at("steps").as_array().back().at("optimizer_variables").as_array();
      BOOST_REQUIRE_EQUAL(optimizer->variables().size(), last.size());
      for (std::size_t i = 0; i < last.size(); ++i) {
        BOOST_TEST_CONTEXT("variable " << i) {
          BOOST_TEST(values_of(optimizer->variables()[i].value) == data_of(last[i]), boost::test_tools::per_element());
        }
      }
      BOOST_TEST(optimizer->iterations() == 4);

      saving::InMemoryWeightsStore written;
      auto entry = written.make("optimizer", optimizer->saveable_name());
      optimizer->save_own_variables(*entry);
      BOOST_TEST(*entry->attribute("name") == *file->get("optimizer")->attribute("name"));
      for (std::size_t i = 0; i < last.size(); ++i) {
        const std::string dataset = "optimizer/vars/" + std::to_string(i);
        BOOST_TEST(file->has_dataset(dataset));
        BOOST_TEST((written.dataset(dataset) == file->contents().dataset(dataset)), dataset);
      }
      BOOST_TEST(written.members("optimizer/vars") == file->members("optimizer/vars"),
                 boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(count_mismatch_only_warns_as_keras) {
  const auto trace = test::read_json(training_dir() / "optimizers" / "Adam.json");
  auto optimizer = optimizer_of(trace);  // not built: iteration and learning_rate only
  auto file = saving::H5WeightsStore::open_read(training_dir() / "optimizers" / "Adam.weights.h5");
  optimizer->load_own_variables(*file->get("optimizer"));
  BOOST_REQUIRE(optimizer->last_load_warning().has_value());
  BOOST_TEST(test::contains(*optimizer->last_load_warning(), "Skipping variable loading for optimizer 'adam'"));
  BOOST_TEST(test::contains(*optimizer->last_load_warning(), "has not been called/built yet"));
  BOOST_TEST(optimizer->iterations() == 0);  // nothing was loaded
}

BOOST_AUTO_TEST_CASE(shape_mismatch_fails_naming_the_variable) {
  const auto trace = test::read_json(training_dir() / "optimizers" / "Adam.json");
  auto optimizer = optimizer_of(trace);
  auto kernel = std::make_shared<Variable>(VariableSpec{"kernel", Shape{4, 2}, nullptr, nullptr, nullptr, true},
                                           "m/dense/kernel");
  auto bias =
      std::make_shared<Variable>(VariableSpec{"bias", Shape{2}, nullptr, nullptr, nullptr, true}, "m/dense/bias");
  optimizer->build({kernel, bias});
  auto file = saving::H5WeightsStore::open_read(training_dir() / "optimizers" / "Adam.weights.h5");
  const std::string message = test::error_of<Error>([&] { optimizer->load_own_variables(*file->get("optimizer")); });
  BOOST_TEST(test::contains(message, "must match"), message);
  BOOST_TEST(test::contains(message, "adam/m_dense_kernel_momentum"), message);
}

BOOST_AUTO_TEST_CASE(schedules_match_keras_values) {
  for (const fs::path& path : json_files(training_dir() / "schedules")) {
    BOOST_TEST_CONTEXT(path.filename().string()) {
      const auto fixture = test::read_json(path);
      auto schedule = deserialize_as<LearningRateSchedule>(fixture.at("serialized"));
      BOOST_REQUIRE(schedule);
      BOOST_TEST(same_json(serialize(schedule), fixture.at("serialized")), json::write(serialize(schedule)));
      BOOST_TEST(same_json(schedule->get_config(), fixture.at("get_config")));
      for (const auto& point : fixture.at("values").as_array()) {
        const auto step = point.at("step").to_number<std::int64_t>();
        const double expected = point.at("value").to_number<double>();
        const double got = (*schedule)(step);
        BOOST_TEST(std::abs(got - expected) <= 1e-7 + 1e-6 * std::abs(expected), "step " << step << ": " << got);
      }
    }
  }
}

// With a schedule, the optimizer's rate is schedule(iterations) and there is no
// learning_rate variable.
BOOST_AUTO_TEST_CASE(scheduled_rate_follows_iterations) {
  const auto trace = test::read_json(training_dir() / "optimizers" / "Adam_ExponentialDecay.json");
  auto optimizer = optimizer_of(trace);
  BOOST_REQUIRE(optimizer->learning_rate_schedule());
  optimizer->build(trace_variables(trace));
  auto file = saving::H5WeightsStore::open_read(training_dir() / "optimizers" / "Adam_ExponentialDecay.weights.h5");
  optimizer->load_own_variables(*file->get("optimizer"));
  const double expected = trace.at("steps").as_array().back().at("learning_rate_after").to_number<double>();
  BOOST_TEST(optimizer->learning_rate() == expected);
}

BOOST_AUTO_TEST_CASE(bad_configs_fail_clearly) {
  auto config = [](const std::string& body) {
    return json::parse(R"({"module": "keras.optimizers", "class_name": "Adam", "config": {)" + body + "}}");
  };
  std::string message =
      test::error_of<Error>([&] { deserialize_as<Optimizer>(config(R"("clipnorm": 1.0, "clipvalue": 0.5)")); });
  BOOST_TEST(test::contains(message, "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set"), message);
  message = test::error_of<Error>([&] { deserialize_as<Optimizer>(config(R"("beta_3": 0.5)")); });
  BOOST_TEST(test::contains(message, "unexpected argument 'beta_3'"), message);
  message = test::error_of<Error>([&] { deserialize_as<Optimizer>(config(R"("gradient_accumulation_steps": 1)")); });
  BOOST_TEST(test::contains(message, "gradient_accumulation_steps` must be an integer >= 2"), message);
  message = test::error_of<Error>([&] { deserialize_as<Optimizer>(config(R"("learning_rate": "fast")")); });
  BOOST_TEST(test::contains(message, "learning_rate"), message);
  // A class whose state kplug does not model refuses to build, saying so.
  auto muon = deserialize_as<Optimizer>(test::read_json(test::data_dir() / "objects" / "optimizer_Muon.json"));
  message = test::error_of<Error>([&] { muon->build({}); });
  BOOST_TEST(test::contains(message, "Muon"), message);
}

BOOST_AUTO_TEST_CASE(getter_names_and_defaults) {
  // keras.optimizers.get("adam"): the lower-case class name, Keras's defaults.
  auto adam = deserialize_as<Optimizer>(boost::json::value("adam"));
  BOOST_REQUIRE(adam);
  BOOST_TEST(adam->class_name() == "Adam");
  BOOST_TEST(adam->name() == "adam");
  BOOST_TEST(adam->learning_rate() == 0.001f);
  auto sgd = deserialize_as<Optimizer>(boost::json::value("sgd"));
  BOOST_TEST(sgd->learning_rate() == 0.01f);
  auto rms = deserialize_as<Optimizer>(boost::json::value("rmsprop"));
  BOOST_TEST(rms->name() == "rm_sprop");
  auto adamw = deserialize_as<Optimizer>(boost::json::value("adamw"));
  BOOST_TEST(json::write(adamw->get_config().at("weight_decay")) == "0.004");
}
