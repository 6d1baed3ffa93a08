// H5WeightsStore, save_weights / load_weights, and the isolated (forked) read of hostile files.
#define BOOST_TEST_MODULE h5_weights_store
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/saving/h5_writer.hpp"

#include <boost/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace kplug;
using namespace kplug::saving;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(KPLUG_TEST_DATA) / "weights_h5";

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("kplug_h5store_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

class ToyLayer : public Saveable {
 public:
  ToyLayer(std::string name, std::vector<Tensor> variables)
      : variables_(std::move(variables)), name_(std::move(name)) {}
  void save_own_variables(WeightsStore::Entry& store) const override {
    for (std::size_t i = 0; i < variables_.size(); ++i) store.set(i, variables_[i]);
  }
  void load_own_variables(const WeightsStore::Entry& store) override {
    if (store.size() != variables_.size()) {
      throw ValueError("Layer '" + name_ + "' expected " + std::to_string(variables_.size()) +
                       " variables, but received " + std::to_string(store.size()));
    }
    for (std::size_t i = 0; i < variables_.size(); ++i) variables_[i] = store.get(i);
  }
  std::optional<std::string> saveable_name() const override { return name_; }
  std::string saveable_class_name() const override { return "Dense"; }
  std::vector<Tensor> variables_;

 private:
  std::string name_;
};

class ToyModel : public Saveable {
 public:
  std::vector<std::shared_ptr<ToyLayer>> layers;
  std::shared_ptr<ToyLayer> optimizer;
  std::vector<SaveableChild> children() const override {
    std::vector<Saveable*> list;
    for (const auto& l : layers) list.push_back(l.get());
    std::vector<SaveableChild> out{SaveableChild::list("layers", std::move(list), true)};
    if (optimizer) out.push_back(SaveableChild::single("optimizer", optimizer.get()));
    return out;
  }
  std::string saveable_class_name() const override { return "Sequential"; }
};

ToyModel make_model(float base) {
  ToyModel m;
  m.layers.push_back(std::make_shared<ToyLayer>(
      "dense",
      std::vector<Tensor>{Tensor::matrix({{base, base + 1}, {base + 2, base + 3}}), Tensor::vector({base, -base})}));
  m.layers.push_back(std::make_shared<ToyLayer>("dense_1", std::vector<Tensor>{Tensor::vector({base * 2})}));
  const std::int64_t iterations[] = {static_cast<std::int64_t>(base) + 7};
  m.optimizer = std::make_shared<ToyLayer>("adam", std::vector<Tensor>{Tensor::from_values<std::int64_t>(
                                                       Shape{}, std::span<const std::int64_t>(iterations))});
  return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_through_a_weights_file) {
  TempDir dir;
  const fs::path file = dir.path / "model.weights.h5";
  ToyModel saved = make_model(3);
  save_weights(saved, file);
  for (bool isolate : {true, false}) {
    ToyModel loaded = make_model(0);
    H5ReadOptions options;
    options.isolate = isolate;
    load_weights(loaded, file, options);
    BOOST_TEST((loaded.layers[0]->variables_ == saved.layers[0]->variables_));
    BOOST_TEST((loaded.layers[1]->variables_ == saved.layers[1]->variables_));
    BOOST_TEST((loaded.optimizer->variables_[0].dtype() == DType::int64));
    BOOST_TEST((loaded.optimizer->variables_ == saved.optimizer->variables_));
    const auto store = H5WeightsStore::open_read(file, options);
    BOOST_TEST(store->get("layers/dense")->attribute("name").value_or("") == "dense");
    BOOST_TEST(store->has_dataset("layers/dense_1/vars/0"));
  }
  // A count mismatch is reported by load_state.
  ToyModel wrong = make_model(0);
  wrong.layers[1]->variables_.push_back(Tensor::vector({1}));
  BOOST_CHECK_THROW(load_weights(wrong, file), LoadingError);
}

// Every dtype and layout through both reads: plain datasets (read from the file by the parent),
// converted and compressed ones (through the child's shared buffer), scalars and empty ones.
BOOST_AUTO_TEST_CASE(isolated_and_in_process_reads_agree_on_every_kind_of_dataset) {
  TempDir dir;
  const fs::path file = dir.path / "kinds.weights.h5";
  const std::vector<float> values = {1.5f, -2.0f, 0.25f, 3.0f, -0.0f, 6.0f};
  const std::vector<std::int64_t> longs = {-5, 1LL << 40};
  const std::vector<std::int32_t> one = {3};
  std::vector<float> big(70000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i) * 0.5f;
  {
    h5::WeightsWriter writer(file);
    writer.make_vars("", std::string("root"));
    writer.write("a/f32", h5::Array::from_float32({2, 3}, values));
    writer.write("a/big", h5::Array::from_float32({350, 200}, big));
    writer.write("a/f16", h5::Array::from_float32_as(DType::float16, {6}, values));
    writer.write("a/bf16", h5::Array::from_float32_as(DType::bfloat16, {3, 2}, values));
    writer.write("a/i64", h5::Array::from_int64({2}, longs));
    writer.write("a/scalar", h5::Array::from_int32({}, one));
    writer.write("a/empty", h5::Array::from_float32({0, 4}, {}));
    writer.commit();
  }
  std::map<std::string, Tensor> expected;
  expected["a/f32"] = Tensor(Shape{2, 3}, values);
  expected["a/big"] = Tensor(Shape{350, 200}, big);
  expected["a/f16"] = Tensor(Shape{6}, values);
  expected["a/bf16"] = Tensor(Shape{3, 2}, values);
  expected["a/i64"] = Tensor::from_values<std::int64_t>(Shape{2}, std::span<const std::int64_t>(longs));
  expected["a/scalar"] = Tensor::from_values<std::int32_t>(Shape{}, std::span<const std::int32_t>(one));
  expected["a/empty"] = Tensor(Shape{0, 4});
  for (bool isolate : {true, false}) {
    BOOST_TEST_CONTEXT("isolate " << isolate) {
      H5ReadOptions options;
      options.isolate = isolate;
      const auto store = H5WeightsStore::open_read(file, options);
      for (const auto& [path, want] : expected) {
        BOOST_TEST_CONTEXT(path) {
          BOOST_REQUIRE(store->has_dataset(path));
          const Tensor& got = store->contents().dataset(path);
          BOOST_TEST((got == want));
          BOOST_TEST(reinterpret_cast<std::uintptr_t>(got.bytes()) % Tensor::kAlignment == 0);
        }
      }
      // Tensors sharing the read's memory are values: a write to one copies, the others keep theirs.
      Tensor a = store->contents().dataset("a/f32");
      a.data()[0] = 42.0f;
      BOOST_TEST(store->contents().dataset("a/f32").data()[0] == 1.5f);
      BOOST_TEST((store->contents().dataset("a/big") == expected["a/big"]));
    }
  }
  // Over the total byte budget: refused before anything is allocated, in both modes.
  for (bool isolate : {true, false}) {
    H5ReadOptions options;
    options.isolate = isolate;
    options.max_total_bytes = 1000;
    BOOST_CHECK_THROW(H5WeightsStore::open_read(file, options), h5::H5UnsafeError);
  }
}

BOOST_AUTO_TEST_CASE(keras_filename_and_missing_file_checks) {
  TempDir dir;
  ToyModel m = make_model(1);
  try {
    save_weights(m, dir.path / "model.h5");
    BOOST_FAIL("no error");
  } catch (const ValueError& e) {
    BOOST_TEST(std::string(e.what()).find("The filename must end in `.weights.h5`") != std::string::npos);
  }
  BOOST_CHECK_THROW(load_weights(m, dir.path / "model.keras"), ValueError);
  try {
    load_weights(m, dir.path / "absent.weights.h5");
    BOOST_FAIL("no error");
  } catch (const FileError& e) {
    BOOST_TEST(e.file().find("absent.weights.h5") != std::string::npos);
  }
  BOOST_TEST(!fs::exists(dir.path / "model.h5"));
}

BOOST_AUTO_TEST_CASE(fixtures_read_through_the_store) {
  for (const auto& fixture : fs::directory_iterator(kData)) {
    std::ifstream in(fixture.path() / "checks.json");
    std::stringstream text;
    text << in.rdbuf();
    const boost::json::value doc = boost::json::parse(text.str());
    const auto& expected = doc.at("model_weights_h5_datasets").as_object();
    for (bool isolate : {true, false}) {
      H5ReadOptions options;
      options.isolate = isolate;
      const auto store = H5WeightsStore::open_read(fixture.path() / "model.weights.h5", options);
      BOOST_TEST(store->contents().dataset_paths().size() == expected.size());
      for (const auto& [path, entry] : expected) {
        BOOST_TEST_CONTEXT(fixture.path().filename() << " " << path) {
          BOOST_REQUIRE(store->has_dataset(path));
          const Tensor& t = store->contents().dataset(path);
          std::vector<std::int64_t> shape;
          for (const auto& d : entry.as_array().at(0).as_array()) shape.push_back(d.as_int64());
          BOOST_TEST(std::vector<std::int64_t>(t.shape().begin(), t.shape().end()) == shape);
          const std::string dtype(entry.as_array().at(1).as_string());
          // Floats load as float32 (Keras's float32 variables); integers keep their dtype.
          const std::string want = dtype.starts_with("float") || dtype == "bfloat16" ? "float32" : dtype;
          BOOST_TEST(std::string(dtype_name(t.dtype())) == want);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(not_hdf5_is_a_clear_error) {
  TempDir dir;
  const fs::path file = dir.path / "junk.weights.h5";
  std::ofstream(file) << "this is not an HDF5 file at all";
  for (bool isolate : {true, false}) {
    H5ReadOptions options;
    options.isolate = isolate;
    try {
      H5WeightsStore::open_read(file, options);
      BOOST_FAIL("no error");
    } catch (const h5::H5Error& e) {
      BOOST_TEST(std::string(e.what()).find("junk.weights.h5") != std::string::npos);
    }
  }
}

// libhdf5 1.10.8 crashes, hangs or over-allocates on these; the forked reader turns each into
// an H5Error and this process goes on.
BOOST_AUTO_TEST_CASE(known_library_crashers_are_contained) {
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(KPLUG_FUZZ_KNOWN)) {
    ++seen;
    BOOST_TEST_CONTEXT(entry.path().filename()) {
      H5ReadOptions options;
      options.child_timeout = std::chrono::seconds(20);
      options.child_memory_bytes = std::uint64_t{1} << 30;
      try {
        H5WeightsStore::open_read(entry.path(), options);
        BOOST_ERROR("no error");
      } catch (const h5::H5Error& e) {
        const std::string what = e.what();
        BOOST_TEST_MESSAGE(what);
        BOOST_TEST(what.find(entry.path().filename().string()) != std::string::npos);
      }
    }
  }
  BOOST_TEST(seen >= 5u);
}

namespace {

// This process's children, by /proc (pid, state letter).
std::map<int, char> children() {
  std::map<int, char> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const std::size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = '?';
    int parent = 0;
    rest >> state >> parent;
    if (parent == ::getpid()) found[std::stoi(name)] = state;
  }
  return found;
}

}  // namespace

// Issue 21: the reader process serves one read after the other (no fork per file); one that
// crashed on a file, or was killed while idle, is replaced and the next read works.
BOOST_AUTO_TEST_CASE(the_reader_is_reused_and_replaced_when_it_ends) {
  const fs::path good = kData / "mlp_seq" / "model.weights.h5";
  // Every dataset of a read, counted through the groups.
  const auto total = [](const InMemoryWeightsStore& store) {
    std::size_t n = 0;
    std::vector<const InMemoryWeightsStore::Group*> open{&store.root()};
    while (!open.empty()) {
      const InMemoryWeightsStore::Group* group = open.back();
      open.pop_back();
      n += group->datasets.size();
      for (const auto& [name, child] : group->groups) open.push_back(&child);
    }
    return n;
  };
  const auto count = [&] { return total(H5WeightsStore::open_read(good)->contents()); };
  const std::size_t datasets = count();
  BOOST_TEST(datasets > 0u);
  const std::map<int, char> readers = children();
  BOOST_REQUIRE(!readers.empty());
  BOOST_TEST(count() == datasets);
  // The same process served it (its state may be R or S: it may not be back in its read yet).
  const auto pids = [](const std::map<int, char>& found) {
    std::vector<int> out;
    for (const auto& [pid, state] : found) out.push_back(pid);
    return out;
  };
  BOOST_TEST(pids(children()) == pids(readers));

  const fs::path crasher = fs::path(KPLUG_FUZZ_KNOWN) / "hdf5-1.10.8-local-heap-malloc-null-segv.h5";
  BOOST_CHECK_THROW(H5WeightsStore::open_read(crasher), h5::H5Error);
  BOOST_TEST(count() == datasets);

  for (const auto& [pid, state] : children()) ::kill(pid, SIGKILL);
  for (int i = 0; i < 1000; ++i) {  // until the killed ones are zombies (reaped when next asked for)
    bool running = false;
    for (const auto& [pid, state] : children()) running = running || state != 'Z';
    if (!running) break;
    ::usleep(1000);
  }
  BOOST_TEST(count() == datasets);
  H5ReadOptions fresh;
  fresh.reuse_reader = false;
  BOOST_TEST(total(H5WeightsStore::open_read(good, fresh)->contents()) == datasets);
}

// The reader is the kplug-h5-reader executable (started with posix_spawn, not a fork of this
// multi-threaded process); a missing one is an error naming its path and what to do.
BOOST_AUTO_TEST_CASE(the_reader_is_its_own_executable_and_a_missing_one_is_named) {
  const fs::path good = kData / "mlp_seq" / "model.weights.h5";
  BOOST_TEST(!H5WeightsStore::open_read(good)->contents().root().groups.empty());
  bool spawned = false;
  for (const auto& [pid, state] : children()) {
    std::error_code error;
    const fs::path executable = fs::read_symlink(fs::path("/proc") / std::to_string(pid) / "exe", error);
    spawned = spawned || executable.filename() == "kplug-h5-reader";
  }
  BOOST_TEST(spawned);

  for (const bool reuse : {true, false}) {
    H5ReadOptions missing;
    missing.reuse_reader = reuse;
    missing.reader_executable = fs::temp_directory_path() / "no-such-dir" / "kplug-h5-reader";
    try {
      H5WeightsStore::open_read(good, missing);
      BOOST_FAIL("read without a reader executable");
    } catch (const h5::H5Error& e) {
      const std::string message = e.what();
      BOOST_TEST(message.find(missing.reader_executable.string()) != std::string::npos, message);
      BOOST_TEST(message.find("No such file or directory") != std::string::npos, message);
      BOOST_TEST(message.find("H5ReadOptions::isolate = false") != std::string::npos, message);
    }
  }
  // Something that is not the reader: its end is an error naming the file, not a hang.
  H5ReadOptions wrong;
  wrong.reader_executable = "/bin/true";
  wrong.child_timeout = std::chrono::seconds(20);
  BOOST_CHECK_THROW(H5WeightsStore::open_read(good, wrong), h5::H5Error);
}
