// Legacy HDF5 model files (issue 18): Keras 3's own legacy writer (tests/data/legacy_h5/keras3,
// files Keras 3.16 saved, described in its README.md), format sniffing, legacy weights-only files, hostile files.
#define BOOST_TEST_MODULE legacy_h5
#include <boost/test/unit_test.hpp>

#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/h5_reader.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/saving/legacy_h5.hpp"
#include "model_support.hpp"

#include <hdf5.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace kplug;
namespace fs = std::filesystem;

namespace {

fs::path keras3_dir(const std::string& name) { return test::data_dir() / "legacy_h5" / "keras3" / name; }

// A scratch folder removed with the fixture.
struct Scratch : test::TempDir {
  Scratch() : test::TempDir("kplug-legacy-h5") {}
};

void check_predicts_io(Model& model, const fs::path& io_file) {
  const boost::json::value io = test::read_json(io_file);
  std::map<std::string, Tensor, std::less<>> inputs;
  for (auto& input : test::read_io(io, "inputs")) inputs.emplace(input.name, input.value);
  const auto expected = test::read_io(io, "outputs");
  const auto predicted = model.predict_named(inputs);
  BOOST_REQUIRE_EQUAL(predicted.size(), expected.size());
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    test::check_matches_keras(predicted[i], expected[i].value, io_file.string() + " output " + expected[i].name);
  }
}

// The layer weights Keras stored, by the file's own names (checks.json's weight_names_by_layer).
void check_weights_as_stored(const Model& model, const boost::json::value& checks) {
  const auto& by_layer = checks.at("model_weights").at("weight_names_by_layer").as_object();
  for (const LayerPtr& layer : model.layers()) {
    const auto* names = by_layer.if_contains(layer->name());
    BOOST_REQUIRE_MESSAGE(names != nullptr, "layer " << layer->name() << " not in checks.json");
    BOOST_CHECK_EQUAL(names->as_array().size(), layer->weights().size());
  }
}

// A summary table's text without its box drawing: the cells of each row, trimmed (Keras sizes
// its columns to the terminal, kplug to its own default width).
std::vector<std::vector<std::string>> summary_cells(const std::string& summary) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(summary);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells;
    std::string cell;
    auto flush = [&] {
      const auto first = cell.find_first_not_of(' ');
      if (first != std::string::npos) cells.push_back(cell.substr(first, cell.find_last_not_of(' ') - first + 1));
      cell.clear();
    };
    for (std::size_t i = 0; i < line.size();) {
      // Box drawing characters are three-byte UTF-8 sequences starting 0xE2 0x94/0x95.
      if (static_cast<unsigned char>(line[i]) == 0xE2 && i + 2 < line.size() &&
          (static_cast<unsigned char>(line[i + 1]) == 0x94 || static_cast<unsigned char>(line[i + 1]) == 0x95)) {
        flush();
        i += 3;
      } else {
        cell += line[i++];
      }
    }
    flush();
    if (!cells.empty()) rows.push_back(std::move(cells));
  }
  return rows;
}

std::vector<std::string> warnings_of(const std::function<void(saving::WarningSink)>& body) {
  std::vector<std::string> warnings;
  body([&](const std::string& message) { warnings.push_back(message); });
  return warnings;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras3_legacy_writer)

BOOST_AUTO_TEST_CASE(every_model_file_predicts_like_keras) {
  for (const char* name : {"mlp", "rnn", "nested_sequential", "compiled_adam_mse_mae", "compiled_loss_objects"}) {
    BOOST_TEST_CONTEXT(name) {
      saving::LoadModelOptions options;
      options.compile = false;
      const ModelPtr model = saving::load_model(keras3_dir(name) / "model.h5", options);
      check_weights_as_stored(*model, test::read_json(keras3_dir(name) / "checks.json"));
      check_predicts_io(*model, keras3_dir(name) / "io.json");
    }
  }
}

BOOST_AUTO_TEST_CASE(to_json_and_summary_as_keras_gives_after_loading) {
  for (const char* name : {"mlp", "rnn", "nested_sequential", "compiled_adam_mse_mae", "compiled_loss_objects"}) {
    BOOST_TEST_CONTEXT(name) {
      saving::LoadModelOptions options;
      options.compile = false;
      const ModelPtr model = saving::load_model(keras3_dir(name) / "model.h5", options);
      const boost::json::value after = test::read_json(keras3_dir(name) / "after_load.json");
      BOOST_CHECK_EQUAL(json::parse(model->to_json()), json::parse(after.at("to_json").as_string()));
      BOOST_CHECK(summary_cells(model->summary()) == summary_cells(std::string(after.at("summary").as_string())));
    }
  }
}

BOOST_AUTO_TEST_CASE(isolated_and_in_process_reads_agree) {
  saving::LoadModelOptions options;
  options.weights.isolate = false;
  const ModelPtr model = saving::load_model(keras3_dir("nested_sequential") / "model.h5", options);
  check_predicts_io(*model, keras3_dir("nested_sequential") / "io.json");
}

BOOST_AUTO_TEST_CASE(info_names_version_backend_and_training_config) {
  const saving::LegacyH5Info info = saving::read_legacy_h5_info(keras3_dir("compiled_adam_mse_mae") / "model.h5");
  BOOST_CHECK_EQUAL(info.keras_version.value_or(""), "3.16.0");
  BOOST_CHECK_EQUAL(info.backend.value_or(""), "numpy");
  BOOST_REQUIRE(info.training_config);
  BOOST_CHECK(test::contains(*info.training_config, "\"loss\""));
  BOOST_CHECK(!info.weights_only);
  const auto checks = test::read_json(keras3_dir("compiled_adam_mse_mae") / "checks.json");
  std::vector<std::string> expected;
  for (const auto& n : checks.at("model_weights").at("layer_names").as_array()) expected.emplace_back(n.as_string());
  BOOST_CHECK(info.layer_names == expected);
  BOOST_CHECK(!info.optimizer_weight_names.empty());
}

BOOST_AUTO_TEST_CASE(compiled_model_loads_its_compile_state) {
  for (const char* name : {"compiled_adam_mse_mae", "compiled_loss_objects"}) {
    BOOST_TEST_CONTEXT(name) {
      std::vector<std::string> warnings;
      saving::LoadModelOptions options;
      options.on_warning = [&](const std::string& m) { warnings.push_back(m); };
      const ModelPtr model = saving::load_model(keras3_dir(name) / "model.h5", options);
      BOOST_REQUIRE(model->compiled());
      BOOST_REQUIRE(model->optimizer());
      // Three Adam steps were taken before saving: the iteration count comes back.
      BOOST_CHECK_EQUAL(model->optimizer()->iterations(), 3);
      check_predicts_io(*model, keras3_dir(name) / "io.json");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(weights_only)

BOOST_AUTO_TEST_CASE(legacy_weights_file_loads_into_the_model_of_its_json) {
  const fs::path dir = keras3_dir("weights_only_legacy_cnn");
  const ModelPtr model = model_from_json(test::read_text(dir / "model.json"));
  saving::load_legacy_weights(*model, dir / "model_weights_legacy.h5");
  check_predicts_io(*model, dir / "io.json");
}

BOOST_AUTO_TEST_CASE(load_weights_takes_legacy_names_as_keras_does) {
  const fs::path dir = keras3_dir("weights_only_legacy_cnn");
  const ModelPtr model = model_from_json(test::read_text(dir / "model.json"));
  saving::load_weights(*model, dir / "model_weights_legacy.h5");
  check_predicts_io(*model, dir / "io.json");
}

BOOST_AUTO_TEST_CASE(by_name_skips_layers_the_file_lacks) {
  const fs::path dir = keras3_dir("weights_only_legacy_cnn");
  const ModelPtr model = model_from_json(test::read_text(dir / "model.json"));
  saving::LegacyWeightsOptions options;
  options.by_name = true;
  saving::load_legacy_weights(*model, dir / "model_weights_legacy.h5", options);
  check_predicts_io(*model, dir / "io.json");
}

BOOST_AUTO_TEST_CASE(skip_mismatch_warns_and_skips_what_does_not_fit) {
  const fs::path dir = keras3_dir("weights_only_legacy_cnn");
  std::string text = test::read_text(dir / "model.json");
  const std::size_t units = text.find("\"units\": 2");
  BOOST_REQUIRE(units != std::string::npos);
  text.replace(units, std::string_view("\"units\": 2").size(),
               "\"units\": 3");  // the Dense no longer fits its stored kernel and bias
  const ModelPtr model = model_from_json(text);
  const std::string message =
      test::error_of<ValueError>([&] { saving::load_legacy_weights(*model, dir / "model_weights_legacy.h5"); });
  BOOST_CHECK_MESSAGE(test::contains(message, "Shape mismatch in layer #2 (named dense)for weight "), message);
  for (const bool by_name : {false, true}) {
    BOOST_TEST_CONTEXT("by_name " << by_name) {
      std::vector<std::string> warnings;
      saving::LegacyWeightsOptions options;
      options.by_name = by_name;
      options.skip_mismatch = true;
      options.on_warning = [&](const std::string& m) { warnings.push_back(m); };
      saving::load_legacy_weights(*model, dir / "model_weights_legacy.h5", options);
      BOOST_REQUIRE_EQUAL(warnings.size(), 2u);  // kernel and bias of the Dense
      // Keras numbers layers among those with weights, or by_name among the file's layer_names.
      const std::string layer = by_name ? "layer #3 (named dense)" : "layer #2 (named dense)";
      BOOST_CHECK_MESSAGE(test::contains(warnings[0], "Skipping loading weights for " + layer), warnings[0]);
    }
  }
}

BOOST_AUTO_TEST_CASE(whole_model_file_as_weights_file) {
  const ModelPtr source = saving::load_model(keras3_dir("mlp") / "model.h5");
  const ModelPtr model = clone_model(*source);
  saving::load_legacy_weights(*model, keras3_dir("mlp") / "model.h5");
  check_predicts_io(*model, keras3_dir("mlp") / "io.json");
}

BOOST_AUTO_TEST_CASE(layer_count_mismatch_is_keras_message) {
  const ModelPtr model = saving::load_model(keras3_dir("mlp") / "model.h5");
  try {
    saving::load_legacy_weights(*model, keras3_dir("weights_only_legacy_cnn") / "model_weights_legacy.h5");
    BOOST_FAIL("loaded weights of another model");
  } catch (const ValueError& e) {
    BOOST_CHECK_MESSAGE(test::contains(e.what(),
                                       "Layer count mismatch when loading weights from file. Model "
                                       "expected 2 layers, found 3 saved layers."),
                        e.what());
    BOOST_CHECK_MESSAGE(test::contains(e.what(), "model_weights_legacy.h5"), e.what());
  }
}

BOOST_AUTO_TEST_CASE(whole_model_load_of_a_weights_only_file_says_what_it_is) {
  try {
    saving::load_model(keras3_dir("weights_only_legacy_cnn") / "model_weights_legacy.h5");
    BOOST_FAIL("loaded a model without config");
  } catch (const ValueError& e) {
    BOOST_CHECK_MESSAGE(test::contains(e.what(), "No model config found in the file at"), e.what());
    BOOST_CHECK_MESSAGE(test::contains(e.what(), "weights-only"), e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(format_by_content)

BOOST_AUTO_TEST_CASE(hdf5_under_a_keras_name_loads_with_a_warning) {
  Scratch scratch;
  const fs::path renamed = scratch.path / "model.keras";
  fs::copy_file(keras3_dir("mlp") / "model.h5", renamed);
  BOOST_CHECK(saving::detect_model_file_format(renamed) == saving::ModelFileFormat::legacy_h5);
  ModelPtr model;
  const auto warnings = warnings_of([&](saving::WarningSink sink) {
    saving::LoadModelOptions options;
    options.on_warning = std::move(sink);
    model = saving::load_model(renamed, options);
  });
  BOOST_REQUIRE_EQUAL(warnings.size(), 1u);
  BOOST_CHECK_MESSAGE(test::contains(warnings[0], "HDF5") && test::contains(warnings[0], "model.keras"), warnings[0]);
  check_predicts_io(*model, keras3_dir("mlp") / "io.json");
}

BOOST_AUTO_TEST_CASE(zip_json_and_others_are_told_apart) {
  Scratch scratch;
  BOOST_CHECK(saving::detect_model_file_format(test::data_dir() / "keras" / "mlp_seq.keras") ==
              saving::ModelFileFormat::keras_archive);
  BOOST_CHECK(saving::detect_model_file_format(test::data_dir() / "models" / "mlp_seq" / "model.json") ==
              saving::ModelFileFormat::json_config);
  const fs::path text = scratch.path / "model.bin";
  std::ofstream(text) << "not a model";
  BOOST_CHECK(saving::detect_model_file_format(text) == saving::ModelFileFormat::unknown);
  BOOST_CHECK(saving::detect_model_file_format(scratch.path / "missing.h5") == saving::ModelFileFormat::unknown);
  try {
    saving::load_model(text);
    BOOST_FAIL("loaded a text file");
  } catch (const ValueError& e) {
    BOOST_CHECK_MESSAGE(test::contains(e.what(), "File format not supported") && test::contains(e.what(), "model.bin"),
                        e.what());
  }
  // Named `.h5` but not HDF5: the HDF5 reader's own message, naming the file.
  const fs::path fake_h5 = scratch.path / "model.h5";
  fs::copy_file(text, fake_h5);
  try {
    saving::load_model(fake_h5);
    BOOST_FAIL("loaded a text file named .h5");
  } catch (const h5::H5Error& e) {
    BOOST_CHECK_MESSAGE(test::contains(e.what(), "model.h5"), e.what());
  }
  try {
    saving::load_model(test::data_dir() / "models" / "mlp_seq" / "model.json");
    BOOST_FAIL("loaded a JSON config as a model file");
  } catch (const ValueError& e) {
    BOOST_CHECK_MESSAGE(test::contains(e.what(), "model_from_json"), e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Hostile and broken files: a copy of the mlp fixture edited with libhdf5.
namespace {

class EditedCopy {
 public:
  explicit EditedCopy(const Scratch& scratch, const char* fixture = "mlp") : path_(scratch.path / "edited.h5") {
    fs::copy_file(keras3_dir(fixture) / "model.h5", path_, fs::copy_options::overwrite_existing);
    file_ = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    BOOST_REQUIRE(file_ >= 0);
  }
  ~EditedCopy() { close(); }
  void close() {
    if (file_ >= 0) H5Fclose(file_);
    file_ = -1;
  }
  hid_t file() const { return file_; }
  const fs::path& path() const { return path_; }

  // Replaces an attribute of the object at `object` with a variable-length string list (or one string).
  void set_strings(const char* object, const char* name, const std::vector<std::string>& values, bool array = true) {
    if (H5Aexists_by_name(file_, object, name, H5P_DEFAULT) > 0) H5Adelete_by_name(file_, object, name, H5P_DEFAULT);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hsize_t count = values.size();
    const hid_t space = array ? H5Screate_simple(1, &count, nullptr) : H5Screate(H5S_SCALAR);
    const hid_t attribute = H5Acreate_by_name(file_, object, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<const char*> pointers;
    for (const auto& v : values) pointers.push_back(v.c_str());
    BOOST_REQUIRE(H5Awrite(attribute, type, pointers.data()) >= 0);
    H5Aclose(attribute);
    H5Sclose(space);
    H5Tclose(type);
  }

 private:
  fs::path path_;
  hid_t file_ = -1;
};

template <class E>
std::string load_error(const fs::path& path, saving::LoadModelOptions options = {}) {
  options.on_warning = [](const std::string&) {};
  try {
    saving::load_model(path, options);
  } catch (const E& e) {
    return e.what();
  }
  BOOST_FAIL("no error of the expected type");
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_files)

BOOST_AUTO_TEST_CASE(model_config_that_is_not_json_names_the_attribute) {
  Scratch scratch;
  EditedCopy copy(scratch);
  copy.set_strings("/", "model_config", {"{\"class_name\": "}, false);
  copy.close();
  const std::string message = load_error<JsonError>(copy.path());
  BOOST_CHECK_MESSAGE(test::contains(message, "edited.h5@model_config"), message);
}

BOOST_AUTO_TEST_CASE(model_config_over_the_cap_is_refused) {
  Scratch scratch;
  saving::LoadModelOptions options;
  options.limits.max_config_bytes = 512;  // mlp's model_config is larger
  const std::string message = load_error<h5::H5UnsafeError>(keras3_dir("mlp") / "model.h5", options);
  BOOST_CHECK_MESSAGE(test::contains(message, "max_attribute_bytes"), message);
}

BOOST_AUTO_TEST_CASE(layer_names_naming_a_missing_group) {
  Scratch scratch;
  EditedCopy copy(scratch);
  copy.set_strings("model_weights", "layer_names", {"dense", "dropout", "no_such_layer"});
  copy.close();
  const std::string message = load_error<h5::H5NotFoundError>(copy.path());
  BOOST_CHECK_MESSAGE(test::contains(message, "model_weights/no_such_layer"), message);
}

BOOST_AUTO_TEST_CASE(weight_names_naming_a_missing_dataset) {
  Scratch scratch;
  EditedCopy copy(scratch);
  copy.set_strings("model_weights/dense", "weight_names", {"mlp/dense/kernel", "mlp/dense/gone"});
  copy.close();
  const std::string message = load_error<h5::H5NotFoundError>(copy.path());
  BOOST_CHECK_MESSAGE(test::contains(message, "model_weights/dense/mlp/dense/gone"), message);
}

BOOST_AUTO_TEST_CASE(weight_of_the_wrong_shape_is_keras_message) {
  Scratch scratch;
  EditedCopy copy(scratch);
  H5Ldelete(copy.file(), "model_weights/dense/mlp/dense/kernel", H5P_DEFAULT);
  const hsize_t dims[2] = {3, 3};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t dataset = H5Dcreate2(copy.file(), "model_weights/dense/mlp/dense/kernel", H5T_IEEE_F32LE, space,
                                   H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const std::vector<float> values(9, 0.5f);
  H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(dataset);
  H5Sclose(space);
  copy.close();
  const std::string message = load_error<ValueError>(copy.path());
  BOOST_CHECK_MESSAGE(
      test::contains(message, "Shape mismatch in layer #0 (named dense)for weight ") &&
          test::contains(message, "Weight expects shape (8, 16). Received saved weight with shape (3, 3)"),
      message);
}

BOOST_AUTO_TEST_CASE(external_link_as_a_weight_is_refused) {
  Scratch scratch;
  EditedCopy copy(scratch);
  H5Ldelete(copy.file(), "model_weights/dense/mlp/dense/kernel", H5P_DEFAULT);
  H5Lcreate_external("/etc/passwd", "/x", copy.file(), "model_weights/dense/mlp/dense/kernel", H5P_DEFAULT,
                     H5P_DEFAULT);
  copy.close();
  const std::string message = load_error<h5::H5UnsafeError>(copy.path());
  BOOST_CHECK_MESSAGE(test::contains(message, "ExternalLink"), message);
}

BOOST_AUTO_TEST_CASE(missing_model_weights_group) {
  Scratch scratch;
  EditedCopy copy(scratch);
  H5Ldelete(copy.file(), "model_weights", H5P_DEFAULT);
  copy.close();
  const std::string message = load_error<h5::H5NotFoundError>(copy.path());
  BOOST_CHECK_MESSAGE(test::contains(message, "model_weights"), message);
}

BOOST_AUTO_TEST_CASE(chunked_layer_names_are_joined) {
  Scratch scratch;
  EditedCopy copy(scratch);
  H5Adelete_by_name(copy.file(), "model_weights", "layer_names", H5P_DEFAULT);
  copy.set_strings("model_weights", "layer_names0", {"dense", "dropout"});
  copy.set_strings("model_weights", "layer_names1", {"dense_1"});
  copy.close();
  saving::LoadModelOptions options;
  const ModelPtr model = saving::load_model(copy.path(), options);
  check_predicts_io(*model, keras3_dir("mlp") / "io.json");
}

BOOST_AUTO_TEST_SUITE_END()

// Keras 1/2-style files (tests/data/legacy_h5/keras2, tools/legacy_h5_corpus.py): each dialect
// point loads and predicts what the corpus's independent numpy reference computed.
namespace {

fs::path keras2_dir(const std::string& name) { return test::data_dir() / "legacy_h5" / "keras2" / name; }

std::vector<std::string> keras2_cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(test::data_dir() / "legacy_h5" / "keras2")) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras2_corpus)

BOOST_AUTO_TEST_CASE(every_case_predicts_its_reference) {
  const std::vector<std::string> cases = keras2_cases();
  BOOST_REQUIRE_GE(cases.size(), 28u);
  for (const std::string& name : cases) {
    if (name == "keras1_conv_dense") continue;  // its own test below
    BOOST_TEST_CONTEXT(name) {
      const fs::path dir = keras2_dir(name);
      std::vector<std::string> warnings;
      ModelPtr model;
      if (fs::exists(dir / "model.h5")) {
        saving::LoadModelOptions options;
        options.on_warning = [&](const std::string& m) { warnings.push_back(m); };
        model = saving::load_model(dir / "model.h5", options);
      } else {
        // A Keras 2 to_json() text with its weights-only file beside it.
        model = model_from_json(test::read_text(dir / "model.json"));
        saving::load_legacy_weights(*model, dir / "weights.h5");
      }
      check_predicts_io(*model, dir / "io.json");
    }
  }
}

BOOST_AUTO_TEST_CASE(tf_keras_optimizer_weights_are_placed_by_name) {
  std::vector<std::string> warnings;
  saving::LoadModelOptions options;
  options.on_warning = [&](const std::string& m) { warnings.push_back(m); };
  const fs::path file = keras2_dir("compiled_adam_tf24") / "model.h5";
  const ModelPtr model = saving::load_model(file, options);
  BOOST_REQUIRE(model->compiled());
  for (const auto& w : warnings) BOOST_CHECK_MESSAGE(!test::contains(w, "optimizer_weights"), w);
  // Adam/iter:0 and Adam/dense_1/kernel/m:0 as stored (read back with the legacy reader itself).
  const h5::WeightsReader reader = h5::WeightsReader::open(file);
  BOOST_CHECK_EQUAL(model->optimizer()->iterations(), reader.read("optimizer_weights/Adam/iter:0").to_int64().at(0));
  const std::vector<float> stored = reader.read("optimizer_weights/Adam/dense_1/kernel/m:0").to_float32();
  bool found = false;
  for (const OptimizerVariable& v : model->optimizer()->variables()) {
    if (!v.name.ends_with("dense_1_kernel_momentum")) continue;
    found = true;
    BOOST_REQUIRE_EQUAL(static_cast<std::size_t>(v.value.size()), stored.size());
    for (std::size_t k = 0; k < stored.size(); ++k) BOOST_CHECK_EQUAL(v.value[static_cast<std::int64_t>(k)], stored[k]);
  }
  BOOST_CHECK(found);
}

BOOST_AUTO_TEST_CASE(keras2_positional_optimizer_weights_are_named_and_dropped) {
  std::vector<std::string> warnings;
  saving::LoadModelOptions options;
  options.on_warning = [&](const std::string& m) { warnings.push_back(m); };
  const ModelPtr model = saving::load_model(keras2_dir("compiled_adam_keras224") / "model.h5", options);
  BOOST_REQUIRE(model->compiled());
  bool named = false;
  for (const auto& w : warnings)
    named |= test::contains(w, "training/Adam/Variable:0") && test::contains(w, "not loaded");
  BOOST_CHECK_MESSAGE(named, "no warning names the dropped optimizer weights");
  BOOST_CHECK_EQUAL(model->optimizer()->iterations(), 0);
}

BOOST_AUTO_TEST_CASE(a_weights_only_file_alone_is_refused) {
  try {
    saving::load_model(keras2_dir("weights_only_with_model_json") / "weights.h5");
    BOOST_FAIL("loaded a weights-only file as a model");
  } catch (const ValueError& e) {
    BOOST_CHECK_MESSAGE(test::contains(e.what(), "weights-only"), e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

// The corpus's hostile files: refused, each naming where the problem is.
BOOST_AUTO_TEST_SUITE(keras2_hostile)

BOOST_AUTO_TEST_CASE(each_is_refused_naming_the_place) {
  const fs::path dir = test::data_dir() / "legacy_h5" / "hostile";
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected{
      {"model_config_not_json.h5", {"model_config"}},
      {"missing_model_config.h5", {"No model config found", "weights-only"}},
      {"layer_names_missing_group.h5", {"model_weights/dense_9"}},
      {"weight_names_missing_dataset.h5", {"model_weights/dense/dense/bias:0"}},
      {"weight_wrong_shape.h5", {"Shape mismatch", "(2, 2)", "(3, 2)"}},
      {"external_link_weight.h5", {"ExternalLink"}},
  };
  for (const auto& [file, parts] : expected) {
    BOOST_TEST_CONTEXT(file) {
      const std::string message = load_error<Error>(dir / file);
      for (const std::string& part : parts) BOOST_CHECK_MESSAGE(test::contains(message, part), message);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(keras215_archives)

BOOST_AUTO_TEST_CASE(tf_keras_archives_load_and_predict) {
  for (const char* name : {"zip_mlp", "zip_embedding_lstm"}) {
    BOOST_TEST_CONTEXT(name) {
      const fs::path dir = test::data_dir() / "legacy_h5" / "keras215_zip" / name;
      const ModelPtr model = saving::load_model(dir / "model.keras");
      check_predicts_io(*model, dir / "io.json");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
