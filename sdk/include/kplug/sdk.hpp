// The one header for kplug plugin authors.
//
//   #include <kplug/sdk.hpp>
//
//   KPLUG_PLUGIN_REGISTER(registrar) {
//     registrar.add_class<MyRegularizer>({.package = "my_package"});              // "my_package>MyRegularizer"
//     registrar.add_activation("my_package", "square", [](const kplug::Tensor& x) { return x * x; });
//     registrar.add_class<MyLayer>({.package = "my_package"});                    // a kplug::Layer subclass
//   }
//
// and in CMake: kplug_add_plugin(my_plugin NAME my_plugin VERSION 1.0.0
//                                PACKAGES my_package SOURCES my_plugin.cpp)
// which builds the .so with hidden visibility, links kplug::core dynamically, stamps
// the build id into the plugin's entry and writes the listing `kplug plugins` reads.
//
// Rules that keep plugins safe: register from KPLUG_PLUGIN_REGISTER only (no static
// registrars: the host calls you after its checks); put your classes in your own
// namespace; let no exception escape (the macro turns them into error text).
#pragma once

#include "kplug/activations.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/config_reader.hpp"
#include "kplug/constraints.hpp"
#include "kplug/errors.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/lambda_function.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/losses.hpp"
#include "kplug/losses/crossentropy.hpp"
#include "kplug/losses/regression.hpp"
#include "kplug/models/model.hpp"
#include "kplug/number.hpp"
#include "kplug/ops.hpp"
#include "kplug/plugin_abi.hpp"
#include "kplug/registrar.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/seed.hpp"
#include "kplug/serialization.hpp"
#include "kplug/tensor.hpp"

#include <cstddef>
#include <cstring>
#include <exception>

namespace kplug::plugin::detail {

// Runs a plugin's registration body; reports any exception as text (never rethrows).
inline int run_registration(Registrar* registrar, char* error, std::size_t error_size,
                            void (*body)(Registrar&)) noexcept {
  auto report = [&](const char* message) {
    if (error && error_size > 0) {
      std::strncpy(error, message, error_size - 1);
      error[error_size - 1] = '\0';
    }
    return 1;
  };
  if (!registrar) return report("no registrar given");
  try {
    body(*registrar);
    return 0;
  } catch (const std::exception& e) {
    return report(e.what());
  } catch (...) {
    return report("unknown exception during registration");
  }
}

}  // namespace kplug::plugin::detail

// Defines the plugin's registration function; the body receives `registrar_name`.
#define KPLUG_PLUGIN_REGISTER(registrar_name)                                                                 \
  static void kplug_register_objects_(::kplug::plugin::Registrar& registrar_name);                            \
  extern "C" int KPLUG_PLUGIN_REGISTER_SYMBOL(::kplug::plugin::Registrar* registrar, char* error,             \
                                              std::size_t error_size) noexcept {                              \
    return ::kplug::plugin::detail::run_registration(registrar, error, error_size, &kplug_register_objects_); \
  }                                                                                                           \
  static void kplug_register_objects_(::kplug::plugin::Registrar& registrar_name)

// Optional: runs once, just before the plugin's library is unmapped.
#define KPLUG_PLUGIN_SHUTDOWN() extern "C" void kplug_plugin_shutdown() noexcept
