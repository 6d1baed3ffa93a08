// The binary contract between the kplug host and a plugin (.so). A plugin exports one
// constant-initialized `PluginEntry` under `kEntrySymbol`; the host reads it only after
// checking the ABI version and struct size, then checks the build id field by field.
// Only C types cross here; exceptions never do (register_objects reports failure as text).
// The ABI version and the build id also travel as symbol names in the listing section,
// so the host refuses a mismatched plugin before loading it (KPLUG_LISTING_BUILD_TAG).
#pragma once

#include "kplug/version.hpp"

#include <boost/version.hpp>

#include <cstddef>
#include <cstdint>

#define KPLUG_ABI_STRINGIFY_(x) #x
#define KPLUG_ABI_STRINGIFY(x) KPLUG_ABI_STRINGIFY_(x)
#define KPLUG_ABI_CAT_(a, b) a##b
#define KPLUG_ABI_CAT(a, b) KPLUG_ABI_CAT_(a, b)

#if defined(__clang__)
#define KPLUG_COMPILER_ID clang
#define KPLUG_COMPILER_MAJOR __clang_major__
#define KPLUG_COMPILER_MINOR __clang_minor__
#elif defined(__GNUC__)
#define KPLUG_COMPILER_ID gcc
#define KPLUG_COMPILER_MAJOR __GNUC__
#define KPLUG_COMPILER_MINOR __GNUC_MINOR__
#else
#define KPLUG_COMPILER_ID unknown
#define KPLUG_COMPILER_MAJOR 0
#define KPLUG_COMPILER_MINOR 0
#endif
#define KPLUG_COMPILER_NAME KPLUG_ABI_STRINGIFY(KPLUG_COMPILER_ID)
#define KPLUG_COMPILER_VERSION KPLUG_ABI_STRINGIFY(KPLUG_COMPILER_MAJOR) "." KPLUG_ABI_STRINGIFY(KPLUG_COMPILER_MINOR)

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define KPLUG_CXX11_ABI _GLIBCXX_USE_CXX11_ABI
#define KPLUG_CXX11_ABI_TAG _GLIBCXX_USE_CXX11_ABI
#else
#define KPLUG_CXX11_ABI -1
#define KPLUG_CXX11_ABI_TAG none
#endif

// The build id as one C identifier, the listing symbol's name (every part is a token):
// kplug_b_<major>_<minor>_<patch>__<compiler>__<compiler major>_<minor>__<cxx11 abi>__<boost>.
#define KPLUG_BUILD_TAG_(ma, mi, pa, cc, cma, cmi, abi, boost) \
  kplug_b_##ma##_##mi##_##pa##__##cc##__##cma##_##cmi##__##abi##__##boost
#define KPLUG_BUILD_TAG_EXPAND_(...) KPLUG_BUILD_TAG_(__VA_ARGS__)
#define KPLUG_LISTING_BUILD_TAG                                                                             \
  KPLUG_BUILD_TAG_EXPAND_(KPLUG_VERSION_MAJOR, KPLUG_VERSION_MINOR, KPLUG_VERSION_PATCH, KPLUG_COMPILER_ID, \
                          KPLUG_COMPILER_MAJOR, KPLUG_COMPILER_MINOR, KPLUG_CXX11_ABI_TAG, BOOST_VERSION)
// The ABI version as a listing symbol: kplug_a_<abi>.
#define KPLUG_LISTING_ABI_TAG KPLUG_ABI_CAT(kplug_a_, KPLUG_ABI_VERSION)

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::plugin {

// KPLUG_ABI_VERSION (cmake: KPLUG_ABI_VERSION). 2: the function and loss-mask virtuals,
// ConfigReader's inline storage; 3: opaque registry entries, exported API only, portable
// source sites, the build id in the listing; 4: the Layer and Model layouts (plugin layers
// and models), Variable's StatelessScope; 5: Model holds its compile state (optimizer,
// losses, metrics) instead of a JSON value, Layer::children is overridable (Model adds its
// optimizer), the recurrent layers share a RecurrentCell base; 6: one way to write a layer
// (FieldsLayer<Derived, Options>: layers' Options structs, per-rank family templates, the rnn
// folder), one name per concept, kplug::Seed for seeds beyond int64; 7: the layers of
// issue 20: Layer::compute_output_shape_for_call and track_variable, CallArgs::constants as
// tensors, quantized KernelBiasLayer (policy holder, Keras's save order), Lambda
// implementations (Registrar::add_lambda), stateful RNN state in BaseRNN; 8: issue 21 and
// the end of 20: Model::predict and predict_named are const (thread-safe), Dense's derived
// kernel cache and TernaryDense's unpacked trits are members, the GetItem op node; 9: issue
// 21's plan: ConvLayer's prepared convolution (a virtual prepared_spec, a PreparedConvCache
// member), Sequential's fusion plan, Model's per-call buffer pools; 10: execution plans:
// Layer::plan_inference (InferenceStep, TensorSpec), Variable's version counter, Model's plans
// and inference_graph; 11: steps for convolutions and pooling: InferenceStep's workspace (a
// field and run's third argument), PreparedConvSpec's activation function,
// PreparedConvOptions's input_padding, steps declared by ConvLayer, the pooling, zero padding,
// BatchNormalization, Concatenate, ReLU and Activation layers.
inline constexpr std::uint32_t kAbiVersion = KPLUG_ABI_VERSION;
inline constexpr const char* kEntrySymbol = "kplug_plugin_v1";
// ELF section holding the listing symbols (at most 8 characters, Boost.DLL's limit).
inline constexpr const char* kListingSection = "kplugls";

class Registrar;

extern "C" {

struct BuildId {
  const char* core_version;      // kplug version the plugin was built against
  const char* compiler;          // "gcc", "clang"
  const char* compiler_version;  // "12.2"
  int cxx11_abi;                 // _GLIBCXX_USE_CXX11_ABI
  int boost_version;             // BOOST_VERSION
};

struct PluginEntry {
  std::uint32_t abi_version;  // kAbiVersion
  std::uint32_t struct_size;  // sizeof(PluginEntry)
  const char* name;
  const char* version;
  BuildId build;
  const char* const* packages;  // null-terminated list of the packages it registers keys in
  // Registers the plugin's objects through `registrar`. Returns 0, or non-zero with a
  // NUL-terminated message in `error` (at most error_size bytes). Never throws.
  int (*register_objects)(Registrar* registrar, char* error, std::size_t error_size) noexcept;
  // Called once, just before the library is unmapped. May be null.
  void (*shutdown)() noexcept;
};

}  // extern "C"

// The registration function KPLUG_PLUGIN_REGISTER defines; a plugin without it fails to
// link with this name in the linker's message.
#define KPLUG_PLUGIN_REGISTER_SYMBOL kplug_plugin_register_is_missing_use_KPLUG_PLUGIN_REGISTER

// The build id of the translation unit that includes this header.
#define KPLUG_CURRENT_BUILD_ID                                                                        \
  ::kplug::plugin::BuildId {                                                                          \
    KPLUG_VERSION_STRING, KPLUG_COMPILER_NAME, KPLUG_COMPILER_VERSION, KPLUG_CXX11_ABI, BOOST_VERSION \
  }

}  // namespace kplug::plugin
#pragma GCC visibility pop
