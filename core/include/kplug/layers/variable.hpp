// Keras's Variable: a named, shaped weight of a layer with its initializer,
// regularizer and constraint.
#pragma once

#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/tensor.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

struct VariableSpec {
  std::string name;
  Shape shape;
  std::shared_ptr<Initializer> initializer;  // null: zeros
  std::shared_ptr<Regularizer> regularizer;  // may be null
  std::shared_ptr<Constraint> constraint;    // may be null
  bool trainable = true;
};

class Variable {
 public:
  // `path` is Keras's variable path, "<layer name>/<variable name>".
  Variable(VariableSpec spec, std::string path);
  Variable(const Variable&) = delete;
  Variable& operator=(const Variable&) = delete;

  const std::string& name() const noexcept { return spec_.name; }
  const std::string& path() const noexcept { return path_; }
  const Shape& shape() const noexcept { return spec_.shape; }
  bool trainable() const noexcept { return spec_.trainable; }
  void set_trainable(bool trainable) noexcept { spec_.trainable = trainable; }
  const std::shared_ptr<Initializer>& initializer() const noexcept { return spec_.initializer; }
  const std::shared_ptr<Regularizer>& regularizer() const noexcept { return spec_.regularizer; }
  const std::shared_ptr<Constraint>& constraint() const noexcept { return spec_.constraint; }

  // The current value. Drawn from the initializer on first read: weights that are
  // loaded right after building never pay for initialization.
  const Tensor& value() const;
  // Replaces the value; a different shape -> ValueError.
  void assign(Tensor value);
  // Forgets the value: the next read draws fresh values from the initializer.
  void reinitialize();
  // The regularizer's penalty of the value (0 without a regularizer).
  float regularization_loss() const;
  // Counts assign() and reinitialize() calls: what an execution plan holding the value
  // checks before each run.
  std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }

 private:
  VariableSpec spec_;
  std::string path_;
  mutable std::mutex mutex_;
  mutable std::optional<Tensor> value_;
  std::atomic<std::uint64_t> version_{0};
};

using VariablePtr = std::shared_ptr<Variable>;

// Keras's StatelessScope(state_mapping): while it lives, reading a mapped variable on this
// thread gives the mapped value instead of its own. A wrapper calls its sublayer with a
// recomputed weight this way (WeightNormalization's g * v / ||v||) without touching the
// variable, so other threads and later calls still see the stored value. Scopes nest, the
// innermost mapping of a variable winning.
class StatelessScope {
 public:
  explicit StatelessScope(std::vector<std::pair<VariablePtr, Tensor>> mapping);
  ~StatelessScope();
  StatelessScope(const StatelessScope&) = delete;
  StatelessScope& operator=(const StatelessScope&) = delete;

  // The value this thread's scopes map `variable` to, or null.
  static const Tensor* value_of(const Variable& variable) noexcept;
  // True while a scope lives on this thread.
  static bool active() noexcept;

 private:
  std::vector<std::pair<VariablePtr, Tensor>> mapping_;
  StatelessScope* outer_;
};

}  // namespace kplug

#pragma GCC visibility pop
