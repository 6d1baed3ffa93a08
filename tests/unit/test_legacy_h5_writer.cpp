// Issue 18 point 6 (first half): `save_model(model, "x.h5")` writes Keras 3.16's legacy HDF5
// layout. Each fixture in tests/data/legacy_h5/writer holds Keras's own model.h5 and the same
// model as a `.keras` archive (tools/legacy_h5/make_writer_fixtures.py); kplug loads the
// archive, saves `.h5`, and the two files are walked with the HDF5 C API: the same objects,
// every attribute with the same name, HDF5 type (class, size, charset, padding), shape and
// value, every dataset with the same type, shape and bytes, the JSON attributes as the same
// text. That Keras loads kplug's files and predicts io.json: tools/legacy_h5/verify_with_keras.py.
#define BOOST_TEST_MODULE legacy_h5_writer
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/models/sequential.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/saving/legacy_h5_writer.hpp"
#include "test_support.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace kplug;
using namespace kplug::saving;
namespace fs = std::filesystem;
using test::contains;
using test::error_of;

namespace {

fs::path fixture(const std::string& name) { return test::data_dir() / "legacy_h5" / "writer" / name; }

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  BOOST_REQUIRE(file.good());
}

std::size_t files_in(const fs::path& folder) {
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder)) ++files;
  return files;
}

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("kplug-legacy-h5-test") {}
};

// ---- an HDF5 file as plain values, read with the C API (not with kplug's reader) ----

struct Id {
  explicit Id(hid_t value) : id(value) { BOOST_REQUIRE(id >= 0); }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() { H5Idec_ref(id); }
  hid_t id;
};

// Everything that tells two HDF5 types apart for h5py: class, size, string charset and
// padding, byte order and sign.
std::string describe_type(hid_t type) {
  std::ostringstream out;
  const H5T_class_t type_class = H5Tget_class(type);
  out << "class " << type_class;
  if (type_class == H5T_STRING) {
    out << (H5Tis_variable_str(type) > 0 ? " variable" : " fixed " + std::to_string(H5Tget_size(type))) << " charset "
        << H5Tget_cset(type) << " pad " << H5Tget_strpad(type);
  } else {
    out << " size " << H5Tget_size(type) << " order " << H5Tget_order(type);
    if (type_class == H5T_INTEGER) out << " sign " << H5Tget_sign(type);
  }
  return out.str();
}

std::vector<hsize_t> dims_of(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  BOOST_REQUIRE(rank >= 0);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

std::size_t count_of(const std::vector<hsize_t>& dims) {
  std::size_t n = 1;
  for (hsize_t d : dims) n *= d;
  return n;
}

struct Stored {
  std::string type;
  std::vector<hsize_t> dims;
  std::vector<std::string> strings;  // string values (fixed-length ones without their padding)
  std::vector<unsigned char> bytes;  // other values, native layout
  bool operator==(const Stored&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Stored& s) {
  out << s.type << " dims [";
  for (hsize_t d : s.dims) out << d << " ";
  out << "] " << s.strings.size() << " strings, " << s.bytes.size() << " bytes";
  if (!s.strings.empty()) out << ", first '" << s.strings.front().substr(0, 120) << "'";
  return out;
}

Stored read_attribute(hid_t attribute) {
  const Id type(H5Aget_type(attribute));
  const Id space(H5Aget_space(attribute));
  Stored out{describe_type(type.id), dims_of(space.id), {}, {}};
  const std::size_t n = count_of(out.dims);
  if (H5Tget_class(type.id) == H5T_STRING && H5Tis_variable_str(type.id) > 0) {
    std::vector<char*> values(n);
    BOOST_REQUIRE(H5Aread(attribute, type.id, values.data()) >= 0);
    for (char* v : values) out.strings.emplace_back(v ? v : "");
    H5Dvlen_reclaim(type.id, space.id, H5P_DEFAULT, values.data());
  } else if (H5Tget_class(type.id) == H5T_STRING) {
    const std::size_t width = H5Tget_size(type.id);
    std::vector<char> packed(width * n);
    BOOST_REQUIRE(H5Aread(attribute, type.id, packed.data()) >= 0);
    for (std::size_t i = 0; i < n; ++i) out.strings.emplace_back(std::string(&packed[i * width], width).c_str());
  } else {
    const Id native(H5Tget_native_type(type.id, H5T_DIR_ASCEND));
    out.bytes.resize(n * H5Tget_size(native.id));
    if (n > 0) BOOST_REQUIRE(H5Aread(attribute, native.id, out.bytes.data()) >= 0);
  }
  return out;
}

Stored read_dataset(hid_t dataset) {
  const Id type(H5Dget_type(dataset));
  const Id space(H5Dget_space(dataset));
  Stored out{describe_type(type.id), dims_of(space.id), {}, {}};
  const Id native(H5Tget_native_type(type.id, H5T_DIR_ASCEND));
  out.bytes.resize(count_of(out.dims) * H5Tget_size(native.id));
  if (!out.bytes.empty())
    BOOST_REQUIRE(H5Dread(dataset, native.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.bytes.data()) >= 0);
  return out;
}

struct H5Contents {
  std::map<std::string, std::map<std::string, Stored>> attributes;  // object path -> name -> value
  std::map<std::string, Stored> datasets;
  std::set<std::string> groups;
};

herr_t collect_attribute(hid_t object, const char* name, const H5A_info_t*, void* data) {
  const Id attribute(H5Aopen(object, name, H5P_DEFAULT));
  static_cast<std::map<std::string, Stored>*>(data)->emplace(name, read_attribute(attribute.id));
  return 0;
}

void collect_attributes(hid_t object, const std::string& path, H5Contents& contents) {
  auto& attributes = contents.attributes[path];
  hsize_t index = 0;
  BOOST_REQUIRE(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &attributes) >= 0);
}

herr_t collect_object(hid_t file, const char* name, const H5O_info_t* info, void* data) {
  auto& contents = *static_cast<H5Contents*>(data);
  const std::string path = std::string(name) == "." ? "/" : name;
  const Id object(H5Oopen(file, name, H5P_DEFAULT));
  collect_attributes(object.id, path, contents);
  if (info->type == H5O_TYPE_DATASET) contents.datasets.emplace(path, read_dataset(object.id));
  if (info->type == H5O_TYPE_GROUP) contents.groups.insert(path);
  return 0;
}

H5Contents read_h5(const fs::path& path) {
  BOOST_REQUIRE_MESSAGE(fs::exists(path), path);
  const Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  H5Contents contents;
  BOOST_REQUIRE(H5Ovisit(file.id, H5_INDEX_NAME, H5_ITER_INC, collect_object, &contents) >= 0);
  return contents;
}

// ---- the comparison ----

// Keras's file against kplug's: the same groups, datasets and attributes, with equal types,
// shapes and values. `skip` leaves out root attributes and groups (include_optimizer=false).
void check_same_file(const H5Contents& keras, const H5Contents& kplug, const std::set<std::string>& skip = {}) {
  std::set<std::string> groups;
  for (const std::string& g : keras.groups) {
    if (!skip.contains(g.substr(0, g.find('/')))) groups.insert(g);
  }
  BOOST_CHECK_MESSAGE(kplug.groups == groups, "the groups differ");
  for (const auto& [path, stored] : keras.datasets) {
    if (skip.contains(path.substr(0, path.find('/')))) continue;
    const auto found = kplug.datasets.find(path);
    BOOST_REQUIRE_MESSAGE(found != kplug.datasets.end(), "missing dataset " << path);
    BOOST_CHECK_MESSAGE(found->second == stored, path << ": kplug " << found->second << ", Keras " << stored);
  }
  for (const auto& [path, stored] : kplug.datasets) {
    BOOST_CHECK_MESSAGE(keras.datasets.contains(path), "extra dataset " << path);
  }
  for (const auto& [object, attributes] : keras.attributes) {
    if (skip.contains(object.substr(0, object.find('/')))) continue;
    const auto found = kplug.attributes.find(object);
    BOOST_REQUIRE_MESSAGE(found != kplug.attributes.end(), "no attributes read for " << object);
    std::set<std::string> names;
    for (const auto& [name, value] : attributes) {
      if (object == "/" && skip.contains(name)) continue;
      names.insert(name);
      const auto mine = found->second.find(name);
      BOOST_REQUIRE_MESSAGE(mine != found->second.end(), object << "@" << name << " missing");
      BOOST_CHECK_MESSAGE(mine->second == value,
                          object << "@" << name << ": kplug " << mine->second << ", Keras " << value);
      if (name == "model_config" || name == "training_config") {
        // Also as JSON: a difference in the text is easier to read here.
        BOOST_TEST(json::parse(mine->second.strings.at(0)) == json::parse(value.strings.at(0)));
      }
    }
    std::set<std::string> mine_names;
    for (const auto& [name, value] : found->second) mine_names.insert(name);
    BOOST_CHECK_MESSAGE(mine_names == names, object << ": the attribute names differ");
  }
}

H5Contents save_and_read(const Model& model, const fs::path& file) {
  save_model(model, file);
  return read_h5(file);
}

void check_fixture(const std::string& name) {
  BOOST_TEST_CONTEXT(name) {
    TempDir dir;
    const ModelPtr model = load_model(fixture(name) / "model.keras");
    const H5Contents keras = read_h5(fixture(name) / "model.h5");
    check_same_file(keras, save_and_read(*model, dir.path / "model.h5"));
  }
}

// A model class without a legacy config (Keras's subclassed models).
class Subclassed : public Model {
 public:
  Subclassed() : Model(LayerArgs{"subclassed"}) {}
  std::string class_name() const override { return "MySubclassedModel"; }
  boost::json::object get_config() const override { return {{"name", name()}}; }
  std::vector<LayerPtr> layers() const override { return {}; }
  std::vector<std::shared_ptr<layers::InputLayer>> input_layers() const override { return {}; }
  std::vector<std::string> output_names() const override { return {}; }
  std::vector<PartialShape> output_shapes() const override { return {}; }
  std::vector<Tensor> call(CallArgs& args) override { return args.inputs; }
};

}  // namespace

// The reader above sees what checks.json (written from h5py) lists: the walk is complete.
BOOST_AUTO_TEST_CASE(the_walk_sees_every_attribute_and_dataset_h5py_saw) {
  for (const std::string name : {"mlp", "rnn", "nested_sequential", "compiled_adam_mse_mae"}) {
    BOOST_TEST_CONTEXT(name) {
      const H5Contents keras = read_h5(fixture(name) / "model.h5");
      const boost::json::value checks = test::read_json(fixture(name) / "checks.json");
      std::set<std::string> datasets;
      for (const auto& item : checks.at("h5_datasets").as_object()) datasets.insert(item.key());
      std::set<std::string> seen;
      for (const auto& [path, stored] : keras.datasets) seen.insert(path);
      BOOST_CHECK_MESSAGE(seen == datasets, "the datasets differ from checks.json's");
      for (const auto& item : checks.at("h5_attributes").as_object()) {
        const auto& attributes = keras.attributes.at(std::string(item.key()));
        BOOST_CHECK_MESSAGE(attributes.size() == item.value().as_object().size(), item.key());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(sequential_mlp_as_keras_writes_it) { check_fixture("mlp"); }

BOOST_AUTO_TEST_CASE(embedding_lstm_cell_variables_carry_the_lstm_scope) { check_fixture("rnn"); }

BOOST_AUTO_TEST_CASE(nested_sequential_is_one_layer_group_in_legacy_config) { check_fixture("nested_sequential"); }

BOOST_AUTO_TEST_CASE(compiled_with_names_training_config_and_adam_state) { check_fixture("compiled_adam_mse_mae"); }

BOOST_AUTO_TEST_CASE(compiled_with_loss_and_metric_objects) { check_fixture("compiled_loss_objects"); }

// Masking's not_equal and any are graph operations: in model_config, not in model.layers.
BOOST_AUTO_TEST_CASE(functional_graph_operations_have_no_layer_group) {
  check_fixture("masking_lstm");
  const H5Contents keras = read_h5(fixture("masking_lstm") / "model.h5");
  BOOST_TEST(contains(keras.attributes.at("/").at("model_config").strings.at(0), "\"not_equal\""));
  BOOST_TEST(!keras.groups.contains("model_weights/not_equal"));
}

BOOST_AUTO_TEST_CASE(long_layer_names_are_split_as_keras_splits_them) {
  check_fixture("long_names");
  const H5Contents keras = read_h5(fixture("long_names") / "model.h5");
  // The fixture exercises the split: two fixed-length chunks, no plain layer_names.
  BOOST_TEST(keras.attributes.at("model_weights").contains("layer_names0"));
  BOOST_TEST(keras.attributes.at("model_weights").contains("layer_names1"));
  BOOST_TEST(!keras.attributes.at("model_weights").contains("layer_names"));
}

BOOST_AUTO_TEST_CASE(include_optimizer_false_leaves_out_the_training_state) {
  TempDir dir;
  const ModelPtr model = load_model(fixture("compiled_adam_mse_mae") / "model.keras");
  save_legacy_h5(*model, dir.path / "model.h5", /*include_optimizer=*/false);
  const H5Contents kplug = read_h5(dir.path / "model.h5");
  BOOST_TEST(!kplug.attributes.at("/").contains("training_config"));
  check_same_file(read_h5(fixture("compiled_adam_mse_mae") / "model.h5"), kplug,
                  {"training_config", "optimizer_weights"});
  SaveModelOptions options;
  options.include_optimizer = false;
  save_model(*model, dir.path / "model.hdf5", options);
  BOOST_TEST(!read_h5(dir.path / "model.hdf5").groups.contains("optimizer_weights"));
}

BOOST_AUTO_TEST_CASE(legacy_model_config_is_the_fixtures_model_config) {
  for (const std::string name : {"mlp", "rnn", "nested_sequential", "compiled_loss_objects"}) {
    BOOST_TEST_CONTEXT(name) {
      const ModelPtr model = load_model(fixture(name) / "model.keras");
      const boost::json::value checks = test::read_json(fixture(name) / "checks.json");
      const std::string keras =
          std::string(checks.at("h5_attributes").at("/").at("model_config").at("value").as_string());
      BOOST_TEST(json::write(legacy_model_config(*model)) == keras);
    }
  }
  const ModelPtr compiled = load_model(fixture("compiled_loss_objects") / "model.keras");
  const boost::json::value checks = test::read_json(fixture("compiled_loss_objects") / "checks.json");
  BOOST_TEST(legacy_training_config(*compiled) == checks.at("training_config"));
  BOOST_TEST(legacy_training_config(*load_model(fixture("mlp") / "model.keras")).is_null());
}

BOOST_AUTO_TEST_CASE(a_model_without_legacy_config_is_not_supported_and_writes_nothing) {
  TempDir dir;
  const fs::path target = dir.path / "model.h5";
  write_text(target, "previous");
  const Subclassed model;
  const std::string message = error_of<NotSupportedError>([&] { save_model(model, target); });
  BOOST_TEST(contains(message, "'subclassed'"));
  BOOST_TEST(contains(message, "MySubclassedModel"));
  BOOST_TEST(contains(message, target.string()));
  BOOST_TEST(test::read_text(target) == "previous");
  // Nested: the outer Sequential is fine, the inner model is named.
  auto outer = std::make_shared<Sequential>(LayerArgs{"outer"});
  outer->add(std::make_shared<Subclassed>());
  const std::string nested = error_of<NotSupportedError>([&] { legacy_model_config(*outer); });
  BOOST_TEST(contains(nested, "MySubclassedModel"));
  BOOST_TEST(files_in(dir.path) == 1u);  // no temporary left behind
}

BOOST_AUTO_TEST_CASE(saving_replaces_an_existing_file_atomically) {
  TempDir dir;
  const fs::path target = dir.path / "model.h5";
  write_text(target, "previous");
  const ModelPtr model = load_model(fixture("mlp") / "model.keras");
  save_model(*model, target);
  check_same_file(read_h5(fixture("mlp") / "model.h5"), read_h5(target));
  BOOST_TEST(files_in(dir.path) == 1u);
}

// The fixtures were written by h5py on libhdf5 1.10.8: with that library kplug's files are
// Keras's byte for byte (h5py's dataset properties included: no object times).
BOOST_AUTO_TEST_CASE(byte_identical_to_keras_with_the_same_libhdf5) {
  unsigned major = 0, minor = 0, release = 0;
  BOOST_REQUIRE(H5get_libversion(&major, &minor, &release) >= 0);
  if (major != 1 || minor != 10 || release != 8) {
    BOOST_TEST_MESSAGE("libhdf5 " << major << "." << minor << "." << release << ", not 1.10.8: bytes not compared");
    return;
  }
  for (const std::string name : {"mlp", "rnn", "nested_sequential", "compiled_adam_mse_mae", "compiled_loss_objects",
                                 "long_names", "masking_lstm"}) {
    TempDir dir;
    save_model(*load_model(fixture(name) / "model.keras"), dir.path / "model.h5");
    BOOST_TEST((test::read_text(dir.path / "model.h5") == test::read_text(fixture(name) / "model.h5")), name);
  }
}
