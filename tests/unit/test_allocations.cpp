// Steady-state predict allocates nothing it does not hand back (issue 21): after two warm-up
// predicts of a fixed input, the next predicts of fixture models are counted at the heap.
//
// This executable interposes glibc's malloc family (forwarding to __libc_malloc & co.) and
// replaces operator new/delete, so every heap allocation of the process is counted: kplug's,
// the standard library's, oneDNN's and OpenMP's. KPLUG_ALLOC_TRACE=<model> prints a stack for each
// allocation counted in that model's first counted predict (to find where one comes from). Sanitizers interpose malloc
// themselves: their builds skip the counts.
#define BOOST_TEST_MODULE allocations
#include <boost/test/unit_test.hpp>

#include "kplug/models/model.hpp"
#include "model_support.hpp"
#include "test_support.hpp"

#include <execinfo.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

// Process-wide by nature: the allocator is.
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_mallocs{0};        // every heap allocation (malloc family)
std::atomic<std::size_t> g_cxx_news{0};       // of which through operator new
std::atomic<std::size_t> g_large_mallocs{0};  // of which >= 4 KiB (tensor-buffer sized)
bool g_trace = false;

// [[maybe_unused]]: sanitizer builds count nothing (their own interceptors own malloc).
[[maybe_unused]] void count(std::size_t bytes) {
  if (!g_counting.load(std::memory_order_relaxed)) return;
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
  if (bytes >= 4096) g_large_mallocs.fetch_add(1, std::memory_order_relaxed);
  thread_local bool tracing = false;  // backtrace may allocate itself
  if (g_trace && !tracing) {
    tracing = true;
    void* frames[24];
    const int n = backtrace(frames, 24);
    const std::string head = "-- allocation of " + std::to_string(bytes) + " bytes\n";
    (void)!write(2, head.data(), head.size());  // NOLINT: a string this short stays inline (SSO)
    backtrace_symbols_fd(frames, n, 2);
    tracing = false;
  }
}

}  // namespace

#ifndef KPLUG_TEST_SANITIZED
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
  count(n);
  return __libc_malloc(n);
}
void* calloc(std::size_t k, std::size_t n) {
  count(k * n);
  return __libc_calloc(k, n);
}
void* realloc(void* p, std::size_t n) {
  count(n);
  return __libc_realloc(p, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
  count(n);
  return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  count(n);
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  count(n);
  void* p = __libc_memalign(alignment, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}

// operator new on top of the counted malloc, counted once more as a C++ allocation.
namespace {
void* counted_new(std::size_t n, std::size_t alignment) {
  if (g_counting.load(std::memory_order_relaxed)) g_cxx_news.fetch_add(1, std::memory_order_relaxed);
  void* p = alignment <= alignof(std::max_align_t)
                ? std::malloc(n ? n : 1)
                : std::aligned_alloc(alignment, (n + alignment - 1) / alignment * alignment);
  if (!p) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_new(n, 0); }
void* operator new[](std::size_t n) { return counted_new(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_new(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_new(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_new(n, 0);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return operator new(n, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#endif  // KPLUG_TEST_SANITIZED

using namespace kplug;

namespace {

struct Counts {
  std::size_t mallocs = 0, cxx_news = 0, large = 0;
};

// Allocations per predict, averaged over `rounds` predicts after two warm-up ones.
struct Fixture {
  ModelPtr model;
  std::vector<Tensor> inputs;
};

[[maybe_unused]] Fixture load_fixture(const std::string& name) {
  const auto dir = test::model_dir(name);
  Fixture f{model_from_json(test::read_text(dir / "model.json")), {}};
  test::load_fixture_weights(*f.model, dir);
  for (auto& input : test::read_io(test::read_json(dir / "io.json"), "inputs")) f.inputs.push_back(input.value);
  return f;
}

[[maybe_unused]] Counts steady_state(const std::string& name, const Fixture& fixture, int rounds = 5) {
  const ModelPtr& model = fixture.model;
  const std::vector<Tensor>& inputs = fixture.inputs;
  std::vector<Tensor> outputs = model->predict(inputs);
  outputs = model->predict(inputs);
  const auto expected = outputs.front().clone();
  g_mallocs = 0;
  g_cxx_news = 0;
  g_large_mallocs = 0;
  const char* trace = std::getenv("KPLUG_ALLOC_TRACE");
  g_counting = true;
  for (int i = 0; i < rounds; ++i) {
    g_trace = i == 0 && trace && name == trace;
    outputs = model->predict(inputs);
    g_trace = false;
  }
  g_counting = false;
  BOOST_CHECK_MESSAGE(outputs.front() == expected, name << ": a steady-state predict changed its result");
  const auto per = [&](std::size_t total) { return (total + rounds - 1) / rounds; };
  const Counts c{per(g_mallocs), per(g_cxx_news), per(g_large_mallocs)};
  BOOST_TEST_MESSAGE(name << ": per predict " << c.mallocs << " heap allocations (" << c.cxx_news
                          << " through operator new), " << c.large << " of 4 KiB or more");
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(counting_sees_allocations) {
#ifdef KPLUG_TEST_SANITIZED
  BOOST_TEST_MESSAGE("skipped: the sanitizer's own malloc interceptors");
#else
  // The counters themselves work: a vector and a Tensor outside predict are two or more.
  g_mallocs = 0;
  g_counting = true;
  {
    std::vector<float> v(1000);
    Tensor t(Shape{256});
    BOOST_TEST(v.size() + static_cast<std::size_t>(t.size()) == 1256u);
  }
  g_counting = false;
  BOOST_TEST(g_mallocs.load() >= 2u);
#endif
}

// Outputs come from the model's buffer pool: they stay valid after the model is gone, and
// dropping them on another thread (the pool's lock-free return path) is safe.
BOOST_AUTO_TEST_CASE(outputs_outlive_their_model) {
  const auto dir = test::model_dir("mlp_seq");
  std::vector<Tensor> inputs;
  for (auto& input : test::read_io(test::read_json(dir / "io.json"), "inputs")) inputs.push_back(input.value);
  std::vector<Tensor> kept, expected;
  {
    ModelPtr model = model_from_json(test::read_text(dir / "model.json"));
    test::load_fixture_weights(*model, dir);
    expected = model->predict(inputs);
    for (auto& t : expected) t = t.clone();
    kept = model->predict(inputs);
    std::thread([outputs = model->predict(inputs)]() mutable { outputs.clear(); }).join();
  }
  BOOST_REQUIRE_EQUAL(kept.size(), expected.size());
  for (std::size_t i = 0; i < kept.size(); ++i) BOOST_TEST((kept[i] == expected[i]));
}

// What holds today, per model: no tensor-sized allocation (the buffer pool recycles every
// tensor buffer; small products run without oneDNN's packing buffer). A model whose layers all
// offer an inference step runs an execution plan: one allocation, the std::vector predict
// returns (its output tensors come from the pool), plus, per convolution, what oneDNN's execute
// allocates inside: the argument map and execution context it builds from the argument array
// (7 or 8 small blocks at SSE4.1, AVX2 and AVX-512; its API has no execute without them). The
// stream and memory objects a convolution needs are kept by kplug and reused.
// The bounds are today's counts: lower them as these go.
struct Expected {
  const char* model;
  std::size_t max_allocations;  // per predict
  std::size_t max_large;        // of them >= 4 KiB
};

BOOST_AUTO_TEST_CASE(steady_state_predict) {
#ifdef KPLUG_TEST_SANITIZED
  BOOST_TEST_MESSAGE("skipped: the sanitizer's own malloc interceptors");
#else
  const Expected cases[] = {
      {"mlp_seq", 1, 0},                                    // planned: the returned vector
      {"big_mlp_1000", 1, 0},                               // planned
      {"big_functional_300", 1, 0},                         // planned
      {"rnn", 1, 0},                                        // planned: Embedding, LSTM and GRU loops, Dense
      {"layers/SimpleRNN_return_sequences_relu", 1, 0},     // planned: the SimpleRNN loop
      {"layers/GRU_reset_after_false", 1, 0},               // planned: the GRU loop
      {"layers/Bidirectional_LSTM_sum_sequences", 1, 0},    // planned: both loops, merged
      {"layers/Bidirectional_GRU_concat_sequences", 1, 0},  // planned: each loop into its half
      {"cnn", 16, 0},  // planned; inside each of its 2 convolutions' oneDNN execute: 7 or 8
  };
  for (const Expected& e : cases) {
    const Counts c = steady_state(e.model, load_fixture(e.model));
    BOOST_TEST_CONTEXT(e.model) {
      BOOST_TEST(c.large <= e.max_large);
      BOOST_TEST(c.mallocs <= e.max_allocations);
    }
  }
#endif
}

// What oneDNN's execute allocates inside per call of a layer of this class: 8 small blocks at
// most per convolution, 11 for a transposed one (oneDNN 2.6 runs a deconvolution as a
// backward-data convolution nested in it: two execution contexts), two convolutions for a
// separable one.
namespace {
[[maybe_unused]] std::size_t onednn_allocations(const std::string& type) {
  if (type.find("LSTM") != std::string::npos || type.find("Conv") == std::string::npos) return 0;
  if (type.find("Transpose") != std::string::npos) return 11;
  if (type.rfind("SeparableConv", 0) == 0) return 16;
  return 8;
}
}  // namespace

// Every fixture model that plans (tests/data/models, its one-layer models included) allocates no
// more than the cases above: the vector predict returns, and what oneDNN allocates inside.
BOOST_AUTO_TEST_CASE(every_planned_fixture_model) {
#ifdef KPLUG_TEST_SANITIZED
  BOOST_TEST_MESSAGE("skipped: the sanitizer's own malloc interceptors");
#else
  std::vector<std::string> names;
  const std::filesystem::path root = test::model_dir("");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().filename() == "io.json")
      names.push_back(entry.path().parent_path().lexically_relative(root).string());
  }
  std::sort(names.begin(), names.end());
  std::size_t planned = 0;
  for (const std::string& name : names) {
    if (name == "lambda_layer") continue;  // a Python lambda: refused in safe mode
    const Fixture fixture = load_fixture(name);
    if (!fixture.model->has_execution_plan(fixture.inputs)) continue;
    ++planned;
    std::size_t inside_onednn = 0;
    for (const LayerPtr& layer : fixture.model->layers()) inside_onednn += onednn_allocations(layer->class_name());
    const Counts c = steady_state(name, fixture, 2);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(c.large == 0u);
      BOOST_TEST(c.mallocs <= 1 + inside_onednn);
    }
  }
  BOOST_TEST_MESSAGE(planned << " of " << names.size() << " fixture models run an execution plan");
  BOOST_TEST(planned >= 139u);  // today's count: raise it as layers gain steps
#endif
}
