// The HDF5 weights layer (kplug_saving): Keras fixture files read as checks.json lists
// them, written files read back equal and in Keras's layout, atomic saves, dtype
// conversions, and hostile files (links, external storage, virtual datasets, shape
// bombs, wrong dtypes, big-endian data, truncated and non-HDF5 files), each refused with
// a clear error before any large allocation.
#define BOOST_TEST_MODULE h5_file
#include <boost/test/unit_test.hpp>

#include <hdf5.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/h5_reader.hpp"
#include "kplug/saving/h5_writer.hpp"

using namespace kplug::h5;
using kplug::DType;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(KPLUG_TEST_DATA) / "weights_h5";

// A fresh folder per test, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("kplug_h5_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  fs::path operator/(const std::string& name) const { return path / name; }
};

struct Expected {
  std::vector<std::int64_t> shape;
  std::string dtype;
};

std::map<std::string, Expected> expected_datasets(const fs::path& checks) {
  std::ifstream in(checks);
  std::stringstream text;
  text << in.rdbuf();
  const boost::json::value doc = boost::json::parse(text.str());
  std::map<std::string, Expected> out;
  for (const auto& [path, entry] : doc.at("model_weights_h5_datasets").as_object()) {
    Expected e;
    for (const auto& d : entry.as_array().at(0).as_array()) e.shape.push_back(d.as_int64());
    e.dtype = std::string(entry.as_array().at(1).as_string());
    out.emplace(std::string(path), std::move(e));
  }
  return out;
}

std::map<std::string, Expected> walked(const WeightsReader& reader) {
  std::map<std::string, Expected> out;
  for (const DatasetInfo& info : reader.walk()) {
    out.emplace(info.path, Expected{info.shape, std::string(dtype_name(info.dtype))});
  }
  return out;
}

void check_same(const std::map<std::string, Expected>& actual, const std::map<std::string, Expected>& expected) {
  BOOST_CHECK_EQUAL(actual.size(), expected.size());
  for (const auto& [path, e] : expected) {
    auto it = actual.find(path);
    BOOST_REQUIRE_MESSAGE(it != actual.end(), "missing dataset " << path);
    BOOST_CHECK_MESSAGE(it->second.shape == e.shape, "shape of " << path);
    BOOST_CHECK_MESSAGE(it->second.dtype == e.dtype, "dtype of " << path << ": " << it->second.dtype);
  }
}

std::vector<std::string> fixtures() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(kData)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Every `.../vars` group of a file, from its datasets' parents (empty vars groups
// such as dropout's are found by walking the groups, see vars_groups below).
void vars_groups(const WeightsReader& reader, const std::string& path, std::vector<std::string>& out) {
  for (const std::string& member : reader.members(path)) {
    const std::string child = path.empty() ? member : path + "/" + member;
    try {
      if (!reader.has_group(child)) continue;
    } catch (const H5Error&) {  // a dataset: has_group refuses it (Keras: "expected Group")
      continue;
    }
    if (member == "vars") out.push_back(path);
    vars_groups(reader, child, out);
  }
}

// Expects `f` to throw E whose message has every one of `needles`.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> needles) {
  try {
    f();
    BOOST_ERROR("no exception; expected one mentioning " << *needles.begin());
  } catch (const E& e) {
    const std::string what = e.what();
    for (const std::string& n : needles)
      BOOST_CHECK_MESSAGE(what.find(n) != std::string::npos, what << "\n  lacks: " << n);
  }
}

// Minimal RAII for the test's own HDF5 calls (building hostile files).
struct Id {
  hid_t id;
  explicit Id(hid_t i) : id(i) { BOOST_REQUIRE(i >= 0); }
  ~Id() { H5Idec_ref(id); }
  operator hid_t() const { return id; }
};

// A file whose `layers/dense/vars` group the callback fills; returns its path.
template <class F>
fs::path make_file(const TempDir& dir, const std::string& name, F&& fill) {
  const fs::path path = dir / name;
  Id file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  Id layers(H5Gcreate2(file, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  fill(file, layers);
  return path;
}

Id scalar_space() { return Id(H5Screate(H5S_SCALAR)); }
Id simple_space(std::vector<hsize_t> dims) {
  return Id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
}

}  // namespace

BOOST_AUTO_TEST_CASE(fixtures_read_as_checks_json_lists) {
  for (const std::string& name : fixtures()) {
    BOOST_TEST_CONTEXT(name) {
      const WeightsReader reader = WeightsReader::open(kData / name / "model.weights.h5");
      const auto expected = expected_datasets(kData / name / "checks.json");
      check_same(walked(reader), expected);
      for (const auto& [path, e] : expected) {
        const Array a = reader.read(path);
        BOOST_CHECK(a.shape == e.shape);
        BOOST_CHECK_EQUAL(a.data.size(), a.element_count() * dtype_size(a.dtype));
        if (is_floating(a.dtype)) {
          for (float v : a.to_float32()) BOOST_REQUIRE(std::isfinite(v));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(mlp_seq_values_and_attributes) {
  const WeightsReader reader = WeightsReader::open(kData / "mlp_seq" / "model.weights.h5");
  BOOST_CHECK_EQUAL(reader.string_attribute("vars", "name").value(), "mlp_seq");
  BOOST_CHECK_EQUAL(reader.string_attribute("layers/dense/vars", "name").value(), "dense");
  BOOST_CHECK_EQUAL(reader.string_attribute("optimizer/vars", "name").value(), "adam");
  BOOST_CHECK(!reader.string_attribute("layers/dense/vars", "missing"));
  BOOST_CHECK(reader.has_vars(""));
  BOOST_CHECK(reader.has_vars("layers/dropout"));
  BOOST_CHECK_EQUAL(reader.vars_count("layers/dropout"), 0u);
  BOOST_CHECK_EQUAL(reader.vars_count("layers/dense"), 2u);
  BOOST_CHECK_EQUAL(reader.vars_count("optimizer"), 10u);
  BOOST_CHECK(!reader.has_vars("layers/nothing"));
  BOOST_CHECK_EQUAL(reader.vars_count("layers/nothing"), 0u);
  // Keras saved after 3 optimizer steps: iterations is an int32 scalar 3.
  const Array iterations = reader.read_var("optimizer", 0);
  BOOST_CHECK(iterations.dtype == DType::int32);
  BOOST_CHECK(iterations.shape.empty());
  BOOST_CHECK_EQUAL(iterations.to_int64().at(0), 3);
  BOOST_CHECK_CLOSE(reader.read_var("optimizer", 1).to_float32().at(0), 1e-3f, 1e-4);
  const Array kernel = reader.read_var("layers/dense", 0);
  BOOST_CHECK((kernel.shape == std::vector<std::int64_t>{32, 64}));
  BOOST_CHECK_EQUAL(kernel.to_float32().size(), 32u * 64u);
  std::vector<std::byte> storage(64 * sizeof(float));
  const DatasetInfo bias = reader.read_into("layers/dense/vars/1", storage);
  BOOST_CHECK((bias.shape == std::vector<std::int64_t>{64}));
  BOOST_CHECK(std::equal(storage.begin(), storage.end(), reader.read_var("layers/dense", 1).data.begin()));
  storage.resize(63 * sizeof(float));
  expect_error<H5Error>([&] { reader.read_into("layers/dense/vars/1", storage); },
                        {"layers/dense/vars/1", "destination holds 252 bytes", "(64,) needs 256"});
  expect_error<H5NotFoundError>([&] { reader.read_var("layers/dense", 2); },
                                {"model.weights.h5", "layers/dense/vars/2"});
  expect_error<kplug::ValueError>([&] { iterations.to_float32(); }, {"int32"});
  expect_error<kplug::ValueError>([&] { kernel.to_int64(); }, {"float32"});
}

BOOST_AUTO_TEST_CASE(read_from_memory_equals_read_from_file) {
  const fs::path file = kData / "rnn" / "model.weights.h5";
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const WeightsReader from_file = WeightsReader::open(file);
  const WeightsReader from_memory =
      WeightsReader::open_image(std::as_bytes(std::span<const char>(bytes)), "rnn.weights.h5");
  BOOST_CHECK_EQUAL(from_memory.file_name(), "rnn.weights.h5");
  for (const DatasetInfo& info : from_file.walk())
    BOOST_CHECK(from_file.read(info.path) == from_memory.read(info.path));
}

BOOST_AUTO_TEST_CASE(write_then_read_back_in_keras_layout) {
  TempDir dir;
  for (const std::string& name : fixtures()) {
    BOOST_TEST_CONTEXT(name) {
      const WeightsReader original = WeightsReader::open(kData / name / "model.weights.h5");
      const fs::path copy = dir / (name + ".weights.h5");
      {
        WeightsWriter writer(copy);
        std::vector<std::string> objects;
        vars_groups(original, "", objects);
        BOOST_REQUIRE(!objects.empty());
        for (const std::string& object : objects) {
          writer.make_vars(object, original.string_attribute(vars_path(object), "name"));
          for (std::size_t i = 0; i < original.vars_count(object); ++i) {
            writer.write_var(object, i, original.read_var(object, i));
          }
        }
        BOOST_CHECK(!fs::exists(copy));  // nothing at the target before commit
        writer.commit();
      }
      const WeightsReader written = WeightsReader::open(copy);
      check_same(walked(written), expected_datasets(kData / name / "checks.json"));
      for (const DatasetInfo& info : original.walk()) BOOST_CHECK(written.read(info.path) == original.read(info.path));
      std::vector<std::string> a;
      std::vector<std::string> b;
      vars_groups(original, "", a);
      vars_groups(written, "", b);
      BOOST_CHECK(a == b);
      for (const std::string& object : a) {
        BOOST_CHECK(written.string_attribute(vars_path(object), "name") ==
                    original.string_attribute(vars_path(object), "name"));
      }
    }
  }
  // Only the committed files remain: no temporaries left behind.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    BOOST_CHECK_MESSAGE(entry.path().filename().string().front() != '.', entry.path());
    ++files;
  }
  BOOST_CHECK_EQUAL(files, fixtures().size());
}

BOOST_AUTO_TEST_CASE(every_dtype_round_trips) {
  TempDir dir;
  const fs::path path = dir / "dtypes.weights.h5";
  const std::vector<float> halves = {1.5f, -2.0f, 65504.0f, 0.0f, -0.0f, 5.9604645e-08f, 0.33325195f};
  std::map<std::string, Array> arrays;
  arrays["f16"] = Array::from_float32_as(DType::float16, {7}, halves);
  arrays["bf16"] = Array::from_float32_as(DType::bfloat16, {1, 7}, halves);
  const std::vector<double> doubles = {0.1, -1e300, 3.0};
  arrays["f64"] = Array::from_float64({3}, doubles);
  const std::vector<std::int64_t> longs = {-5, 1LL << 40};
  arrays["i64"] = Array::from_int64({2}, longs);
  const std::vector<std::int32_t> ints = {3};
  arrays["scalar_i32"] = Array::from_int32({}, ints);
  arrays["empty"] = Array::from_float32({0, 4}, {});
  for (DType t : {DType::int8, DType::int16, DType::uint8, DType::uint16, DType::uint32, DType::uint64, DType::bool_}) {
    Array a;
    a.dtype = t;
    a.shape = {2, 2};
    a.data.resize(4 * dtype_size(t));
    for (std::size_t i = 0; i < a.data.size(); ++i) a.data[i] = std::byte{static_cast<unsigned char>(i % 2)};
    arrays[std::string(dtype_name(t))] = a;
  }
  {
    WeightsWriter writer(path);
    writer.make_vars("", std::string("root"));
    for (const auto& [name, a] : arrays) writer.write("arrays/" + name, a);
    writer.commit();
  }
  const WeightsReader reader = WeightsReader::open(path);
  for (const auto& [name, a] : arrays) {
    BOOST_TEST_CONTEXT(name) {
      const Array back = reader.read("arrays/" + name);
      BOOST_CHECK(back == a);
      BOOST_CHECK_EQUAL(dtype_name(reader.dataset_info("arrays/" + name).dtype), dtype_name(a.dtype));
    }
  }
  BOOST_CHECK(reader.read("arrays/f16").to_float32() == halves);  // all exactly representable
  const std::vector<float> bf = reader.read("arrays/bf16").to_float32();
  BOOST_CHECK_EQUAL(bf[0], 1.5f);
  BOOST_CHECK_EQUAL(bf[2], 65536.0f);  // bfloat16 keeps 8 mantissa bits
  BOOST_CHECK_EQUAL(reader.read("arrays/f64").to_float32()[0], 0.1f);
  BOOST_CHECK(std::isinf(reader.read("arrays/f64").to_float32()[1]));
  BOOST_CHECK(reader.read("arrays/bool").to_int64() == (std::vector<std::int64_t>{0, 1, 0, 1}));
  BOOST_CHECK_EQUAL(reader.read("arrays/i64").to_int64()[1], 1LL << 40);
  BOOST_CHECK_EQUAL(reader.read("arrays/empty").data.size(), 0u);
}

BOOST_AUTO_TEST_CASE(half_conversions_are_exact_and_round_to_even) {
  BOOST_CHECK_EQUAL(half_to_float(0x3c00), 1.0f);
  BOOST_CHECK_EQUAL(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  BOOST_CHECK_EQUAL(half_to_float(0x03ff), std::ldexp(1023.0f, -24));
  BOOST_CHECK(std::isinf(half_to_float(0x7c00)));
  BOOST_CHECK(std::isnan(half_to_float(0x7e00)));
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto h = static_cast<std::uint16_t>(bits);
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0) continue;  // nan payloads
    BOOST_REQUIRE_EQUAL(float_to_half(half_to_float(h)), h);
  }
  BOOST_CHECK_EQUAL(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie to even (down)
  BOOST_CHECK_EQUAL(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie to even (up)
  BOOST_CHECK_EQUAL(float_to_half(70000.0f), 0x7c00);
  BOOST_CHECK_EQUAL(float_to_bfloat16(1.0f), 0x3f80);
  BOOST_CHECK_EQUAL(bfloat16_to_float(0x3f80), 1.0f);
}

BOOST_AUTO_TEST_CASE(saves_are_atomic) {
  TempDir dir;
  const fs::path target = dir / "model.weights.h5";
  { std::ofstream(target) << "previous contents"; }
  {
    WeightsWriter writer(target);
    BOOST_CHECK_EQUAL(writer.temporary().parent_path(), target.parent_path());
    BOOST_CHECK(fs::exists(writer.temporary()));
    writer.write("a/vars/0", Array::from_float32({1}, std::vector<float>{1.0f}));
    // Destroyed without commit: as if saving failed half-way.
  }
  std::ifstream in(target);
  std::string text;
  std::getline(in, text);
  BOOST_CHECK_EQUAL(text, "previous contents");
  BOOST_CHECK_EQUAL(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);

  WeightsWriter writer(target);
  expect_error<H5Error>([&] { writer.write("a//b", Array::from_float32({}, std::vector<float>{1.0f})); },
                        {"model.weights.h5", "a//b", "Invalid path"});
  expect_error<H5Error>([&] { writer.write("x", Array{DType::float32, {2}, {}}); }, {"x", "bytes"});
  writer.write("x", Array::from_float32({}, std::vector<float>{1.0f}));
  expect_error<H5Error>([&] { writer.write("x", Array::from_float32({}, std::vector<float>{1.0f})); },
                        {"already exists"});
  writer.commit();
  BOOST_CHECK_EQUAL(WeightsReader::open(target).read("x").to_float32().at(0), 1.0f);
  expect_error<H5Error>([&] { writer.commit(); }, {"already committed"});
  expect_error<H5Error>([&] { WeightsWriter w(dir / "no" / "such" / "dir.weights.h5"); }, {"does not exist"});
}

// ---- hostile files --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(links_are_refused_on_every_component) {
  TempDir dir;
  const fs::path external = make_file(dir, "external.h5", [](hid_t, hid_t layers) {
    BOOST_REQUIRE(H5Lcreate_external("other.h5", "/layers/dense", layers, "dense", H5P_DEFAULT, H5P_DEFAULT) >= 0);
  });
  const fs::path soft = make_file(dir, "soft.h5", [](hid_t file, hid_t layers) {
    Id real(H5Gcreate2(file, "real", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    Id vars(H5Gcreate2(real, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    BOOST_REQUIRE(H5Lcreate_soft("/real", layers, "dense", H5P_DEFAULT, H5P_DEFAULT) >= 0);
  });
  const fs::path soft_dataset = make_file(dir, "soft_dataset.h5", [](hid_t file, hid_t layers) {
    Id dense(H5Gcreate2(layers, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    Id vars(H5Gcreate2(dense, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    Id data(H5Dcreate2(file, "secret", H5T_IEEE_F32LE, scalar_space(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    BOOST_REQUIRE(H5Lcreate_soft("/secret", vars, "0", H5P_DEFAULT, H5P_DEFAULT) >= 0);
  });
  {
    const WeightsReader r = WeightsReader::open(external);
    expect_error<H5UnsafeError>([&] { r.has_vars("layers/dense"); },
                                {"external.h5", "layers/dense", "Not allowed: H5 file with ExternalLink"});
    expect_error<H5UnsafeError>([&] { r.read("layers/dense/vars/0"); }, {"ExternalLink"});
    expect_error<H5UnsafeError>([&] { r.walk(); }, {"external.h5", "layers/dense", "ExternalLink"});
  }
  {
    const WeightsReader r = WeightsReader::open(soft);
    expect_error<H5UnsafeError>([&] { r.vars_count("layers/dense"); },
                                {"soft.h5", "layers/dense", "Not allowed: H5 file with SoftLink"});
    expect_error<H5UnsafeError>([&] { r.walk(); }, {"SoftLink"});
    BOOST_CHECK(r.has_vars("real"));  // the hard path to the same group is fine
  }
  {
    const WeightsReader r = WeightsReader::open(soft_dataset);
    expect_error<H5UnsafeError>([&] { r.read_var("layers/dense", 0); }, {"layers/dense/vars/0", "SoftLink"});
  }
}

BOOST_AUTO_TEST_CASE(external_storage_and_virtual_datasets_are_refused) {
  TempDir dir;
  const fs::path external = make_file(dir, "external_storage.h5", [](hid_t, hid_t layers) {
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    BOOST_REQUIRE(H5Pset_external(dcpl, "/etc/passwd", 0, 64) >= 0);
    Id d(H5Dcreate2(layers, "x", H5T_IEEE_F32LE, simple_space({16}), H5P_DEFAULT, dcpl, H5P_DEFAULT));
  });
  const fs::path virt = make_file(dir, "virtual.h5", [&](hid_t, hid_t layers) {
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    Id space = simple_space({16});
    BOOST_REQUIRE(H5Pset_virtual(dcpl, space, (dir / "source.h5").c_str(), "/data", space) >= 0);
    Id d(H5Dcreate2(layers, "x", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  });
  expect_error<H5UnsafeError>([&] { WeightsReader::open(external).read("layers/x"); },
                              {"external_storage.h5", "layers/x", "external Dataset", "/etc/passwd"});
  expect_error<H5UnsafeError>([&] { WeightsReader::open(external).walk(); }, {"external Dataset"});
  expect_error<H5UnsafeError>([&] { WeightsReader::open(virt).dataset_info("layers/x"); },
                              {"virtual.h5", "layers/x", "virtual Dataset"});
}

BOOST_AUTO_TEST_CASE(shape_bombs_are_refused_before_allocating) {
  TempDir dir;
  // No large allocation: had one been tried, 4 PiB would throw std::bad_alloc (not the
  // H5UnsafeError expected) and abort the ASan build ("allocation size too big").
  // 2^50 float32 elements declared in a few KB: chunked, no chunk ever written.
  const fs::path chunked = make_file(dir, "bomb.h5", [](hid_t, hid_t layers) {
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    const hsize_t chunk[2] = {1024, 1024};
    BOOST_REQUIRE(H5Pset_chunk(dcpl, 2, chunk) >= 0);
    BOOST_REQUIRE(H5Pset_deflate(dcpl, 9) >= 0);
    Id d(H5Dcreate2(layers, "x", H5T_IEEE_F32LE, simple_space({1ULL << 25, 1ULL << 25}), H5P_DEFAULT, dcpl,
                    H5P_DEFAULT));
  });
  // The same with contiguous storage that is never allocated.
  const fs::path contiguous = make_file(dir, "bomb_contiguous.h5", [](hid_t, hid_t layers) {
    Id d(H5Dcreate2(layers, "x", H5T_IEEE_F32LE, simple_space({1ULL << 25, 1ULL << 25}), H5P_DEFAULT, H5P_DEFAULT,
                    H5P_DEFAULT));
  });
  BOOST_CHECK_LT(fs::file_size(chunked), 16384u);
  expect_error<H5UnsafeError>([&] { WeightsReader::open(chunked).read("layers/x"); },
                              {"bomb.h5", "layers/x", "1125899906842624 elements", "above the limit"});
  ReadLimits unlimited;
  unlimited.max_elements = ~std::uint64_t{0};
  expect_error<H5UnsafeError>([&] { WeightsReader::open(chunked, unlimited).read("layers/x"); },
                              {"bomb.h5", "layers/x", "declares 4.0 PiB but only 0 B are stored", "shape bomb"});
  expect_error<H5UnsafeError>([&] { WeightsReader::open(contiguous, unlimited).read("layers/x"); },
                              {"bomb_contiguous.h5", "shape bomb"});
  expect_error<H5UnsafeError>([&] { WeightsReader::open(contiguous, unlimited).walk(); }, {"shape bomb"});

  // Small unwritten datasets are below the floor: they read as fill values.
  const fs::path small = make_file(dir, "small.h5", [](hid_t, hid_t layers) {
    Id d(H5Dcreate2(layers, "x", H5T_IEEE_F32LE, simple_space({4}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  });
  BOOST_CHECK(WeightsReader::open(small).read("layers/x").to_float32() == std::vector<float>(4, 0.0f));
  // A caller may lower the element cap.
  ReadLimits tight;
  tight.max_elements = 3;
  expect_error<H5UnsafeError>([&] { WeightsReader::open(small, tight).read("layers/x"); }, {"above the limit of 3"});
}

BOOST_AUTO_TEST_CASE(filters_that_need_a_plugin_are_refused) {
  TempDir dir;
  const fs::path path = make_file(dir, "filter.h5", [](hid_t, hid_t layers) {
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    const hsize_t chunk[1] = {4};
    BOOST_REQUIRE(H5Pset_chunk(dcpl, 1, chunk) >= 0);
    BOOST_REQUIRE(H5Pset_filter(dcpl, 32000, H5Z_FLAG_OPTIONAL, 0, nullptr) >= 0);  // LZF: an h5py plugin
    Id d(H5Dcreate2(layers, "x", H5T_IEEE_F32LE, simple_space({8}), H5P_DEFAULT, dcpl, H5P_DEFAULT));
    const float values[8] = {};
    BOOST_REQUIRE(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
  });
  expect_error<H5UnsafeError>([&] { WeightsReader::open(path).read("layers/x"); },
                              {"filter.h5", "layers/x", "filter 32000", "never loaded"});
}

BOOST_AUTO_TEST_CASE(wrong_dtypes_are_refused_and_big_endian_is_converted) {
  TempDir dir;
  const float floats[3] = {1.5f, -2.25f, 1e30f};
  const double doubles[3] = {0.5, -1e-300, 7.0};
  const std::int32_t ints[3] = {1, -2, 1 << 30};
  const fs::path path = make_file(dir, "types.h5", [&](hid_t, hid_t layers) {
    Id str(H5Tcopy(H5T_C_S1));
    H5Tset_size(str, 8);
    Id s(H5Dcreate2(layers, "string", str, simple_space({2}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    Id compound(H5Tcreate(H5T_COMPOUND, 8));
    H5Tinsert(compound, "a", 0, H5T_NATIVE_FLOAT);
    H5Tinsert(compound, "b", 4, H5T_NATIVE_FLOAT);
    Id c(H5Dcreate2(layers, "compound", compound, simple_space({2}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    Id odd(H5Tcopy(H5T_IEEE_F32LE));  // 32-bit float with a 7-bit exponent: not IEEE
    H5Tset_fields(odd, 31, 24, 7, 0, 24);
    Id o(H5Dcreate2(layers, "odd_float", odd, simple_space({2}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    Id f(H5Dcreate2(layers, "f32be", H5T_IEEE_F32BE, simple_space({3}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    BOOST_REQUIRE(H5Dwrite(f, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, floats) >= 0);
    Id d(H5Dcreate2(layers, "f64be", H5T_IEEE_F64BE, simple_space({3}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    BOOST_REQUIRE(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, doubles) >= 0);
    Id i(H5Dcreate2(layers, "i32be", H5T_STD_I32BE, simple_space({3}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    BOOST_REQUIRE(H5Dwrite(i, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, ints) >= 0);
    // float16, big-endian, written through HDF5's own float conversion.
    Id half(H5Tcopy(H5T_IEEE_F32BE));
    H5Tset_fields(half, 15, 10, 5, 0, 10);
    H5Tset_size(half, 2);
    H5Tset_ebias(half, 15);
    Id h(H5Dcreate2(layers, "f16be", half, simple_space({3}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const float half_values[3] = {1.5f, -2.25f, 0.0009765625f};
    BOOST_REQUIRE(H5Dwrite(h, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, half_values) >= 0);
    Id n(H5Dcreate2(layers, "null", H5T_IEEE_F32LE, Id(H5Screate(H5S_NULL)), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  });
  const WeightsReader r = WeightsReader::open(path);
  expect_error<H5Error>([&] { r.read("layers/string"); }, {"types.h5", "layers/string", "HDF5 class string"});
  expect_error<H5Error>([&] { r.read("layers/compound"); }, {"layers/compound", "HDF5 class compound"});
  expect_error<H5Error>([&] { r.read("layers/odd_float"); }, {"layers/odd_float", "non-IEEE"});
  expect_error<H5Error>([&] { r.read("layers/null"); }, {"layers/null", "no data"});
  const Array f = r.read("layers/f32be");
  BOOST_CHECK(f.dtype == DType::float32);
  BOOST_CHECK(f.to_float32() == std::vector<float>(floats, floats + 3));
  const Array d = r.read("layers/f64be");
  BOOST_CHECK(d.dtype == DType::float64);
  BOOST_CHECK_EQUAL(std::memcmp(d.data.data(), doubles, sizeof doubles), 0);
  BOOST_CHECK(r.read("layers/i32be").to_int64() == (std::vector<std::int64_t>{1, -2, 1 << 30}));
  const Array h = r.read("layers/f16be");
  BOOST_CHECK(h.dtype == DType::float16);
  BOOST_CHECK(h.to_float32() == (std::vector<float>{1.5f, -2.25f, 0.0009765625f}));
}

BOOST_AUTO_TEST_CASE(structure_errors) {
  TempDir dir;
  const fs::path path = make_file(dir, "structure.h5", [](hid_t file, hid_t layers) {
    Id dense(H5Gcreate2(layers, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    Id vars(H5Dcreate2(dense, "vars", H5T_IEEE_F32LE, scalar_space(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    Id loop(H5Gcreate2(file, "loop", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    BOOST_REQUIRE(H5Lcreate_hard(file, "/loop", loop, "again", H5P_DEFAULT, H5P_DEFAULT) >= 0);
  });
  const WeightsReader r = WeightsReader::open(path);
  expect_error<H5Error>([&] { r.has_vars("layers/dense"); },
                        {"structure.h5", "layers/dense/vars", "expected a group but found a dataset"});
  expect_error<H5Error>([&] { r.read("layers/dense"); }, {"layers/dense", "expected a dataset but found a group"});
  expect_error<H5Error>([&] { r.has_group("layers//dense"); }, {"layers//dense", "Invalid path"});
  expect_error<H5Error>([&] { r.has_group("/layers"); }, {"Invalid path"});
  expect_error<H5Error>([&] { r.has_group("layers/../layers"); }, {"Invalid path"});
  expect_error<H5NotFoundError>([&] { r.members("nothing/here"); }, {"structure.h5", "no 'nothing'"});
  expect_error<H5UnsafeError>([&] { r.walk(); }, {"loop/again", "two paths"});
}

BOOST_AUTO_TEST_CASE(truncated_and_non_hdf5_files) {
  TempDir dir;
  const fs::path source = kData / "mlp_seq" / "model.weights.h5";
  std::ifstream in(source, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t keep : {bytes.size() / 2, bytes.size() - 1, std::size_t{600}, std::size_t{9}}) {
    BOOST_TEST_CONTEXT("kept " << keep << " bytes") {
      const fs::path cut = dir / ("cut_" + std::to_string(keep) + ".weights.h5");
      std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
      expect_error<H5Error>([&] { WeightsReader::open(cut).walk(); }, {cut.filename().string()});
      // The same bytes from memory.
      expect_error<H5Error>(
          [&] {
            WeightsReader::open_image(std::as_bytes(std::span<const char>(bytes.data(), keep)), "cut-image").walk();
          },
          {"cut-image"});
    }
  }
  const fs::path text = dir / "text.weights.h5";
  std::ofstream(text) << "{\"not\": \"hdf5\"}";
  expect_error<H5Error>([&] { WeightsReader::open(text); }, {"text.weights.h5", "not an HDF5 file"});
  expect_error<H5Error>([&] { WeightsReader::open(dir / "missing.weights.h5"); },
                        {"missing.weights.h5", "cannot open"});
  expect_error<H5Error>([&] { WeightsReader::open(dir.path); }, {"not a regular file"});
  const std::string garbage(4096, 'x');
  expect_error<H5Error>([&] { WeightsReader::open_image(std::as_bytes(std::span<const char>(garbage)), "garbage"); },
                        {"garbage"});
}

// The fast path of the isolated read: a dataset whose bytes are a plain range of the file.
BOOST_AUTO_TEST_CASE(contiguous_offset_only_for_plain_native_datasets) {
  TempDir dir;
  const float floats[4] = {1.5f, -2.25f, 1e30f, 7.0f};
  const fs::path path = make_file(dir, "layout.h5", [&](hid_t, hid_t layers) {
    Id f(H5Dcreate2(layers, "f32", H5T_IEEE_F32LE, simple_space({2, 2}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    BOOST_REQUIRE(H5Dwrite(f, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, floats) >= 0);
    Id be(H5Dcreate2(layers, "f32be", H5T_IEEE_F32BE, simple_space({4}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    BOOST_REQUIRE(H5Dwrite(be, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, floats) >= 0);
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    const hsize_t chunk[1] = {2};
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_deflate(dcpl, 4);
    Id z(H5Dcreate2(layers, "deflated", H5T_IEEE_F32LE, simple_space({4}), H5P_DEFAULT, dcpl, H5P_DEFAULT));
    BOOST_REQUIRE(H5Dwrite(z, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, floats) >= 0);
    Id never(H5Dcreate2(layers, "unwritten", H5T_IEEE_F32LE, simple_space({4}), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  });
  const WeightsReader r = WeightsReader::open(path);
  const std::optional<std::uint64_t> offset = r.contiguous_offset("layers/f32");
  BOOST_REQUIRE(offset.has_value());
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(*offset));
  float back[4] = {};
  in.read(reinterpret_cast<char*>(back), sizeof back);
  BOOST_CHECK_EQUAL(std::memcmp(back, floats, sizeof floats), 0);
  BOOST_CHECK(!r.contiguous_offset("layers/f32be").has_value());      // needs a conversion
  BOOST_CHECK(!r.contiguous_offset("layers/deflated").has_value());   // chunked, filtered
  BOOST_CHECK(!r.contiguous_offset("layers/unwritten").has_value());  // no storage: fill values
  BOOST_CHECK_THROW(r.contiguous_offset("layers/absent"), H5NotFoundError);
}
