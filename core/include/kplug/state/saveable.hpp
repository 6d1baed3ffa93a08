// Objects that own state, as Keras's saving_lib walks them (KerasSaveable).
//
// save_state(root, store) visits `root` at path "" and every child at
// "<parent path>/<attribute>": each object's own variables go to "<path>/vars" (datasets
// "0", "1", ... by position). A list-valued attribute (Sequential's `layers`) names its
// elements by snake_case class name, uniquified in order: "layers/dense",
// "layers/dense_1", "layers/my_dense". An object reached twice is saved once, at the first
// path. load_state walks the same way, collects every object's failure and reports them
// together ("A total of N objects could not be loaded").
#pragma once

#include "kplug/errors.hpp"
#include "kplug/state/weights_store.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::saving {

class Saveable;

// One attribute of a saveable object that holds saveable objects: a single object
// (`cell`, `forward_layer`, `query_dense`) or a list (`layers`). Pointers are not owned;
// they stay valid during the walk. Null elements are skipped, as Keras skips
// non-saveable values.
struct SaveableChild {
  std::string attribute;
  std::vector<Saveable*> objects;
  bool is_list = false;
  // Walked before the sorted attributes (Sequential's and Functional's `layers`).
  bool walk_first = false;

  static SaveableChild single(std::string attribute, Saveable* object) {
    return {std::move(attribute), {object}, false, false};
  }
  static SaveableChild list(std::string attribute, std::vector<Saveable*> objects, bool walk_first = false) {
    return {std::move(attribute), std::move(objects), true, walk_first};
  }
};

class Saveable {
 public:
  virtual ~Saveable();

  // Keras's build_from_config, called by the deserializer with a non-empty build_config
  // (`{"input_shape": [...]}`). The default refuses: the object cannot be built.
  virtual void build_from_config(const boost::json::object& build_config);
  // Keras's compile_from_config (models), called with a non-empty compile_config.
  virtual void compile_from_config(const boost::json::object& compile_config);

  // Writes the object's own variables (trainable, then non-trainable) as "0", "1", ...
  virtual void save_own_variables(WeightsStore::Entry& store) const;
  // Reads them back; throws on a count or shape mismatch (collected by load_state).
  virtual void load_own_variables(const WeightsStore::Entry& store);

  // The attributes holding saveable objects, under the names Keras's h5 paths use.
  // Order does not matter: the walk sorts them as Keras does.
  virtual std::vector<SaveableChild> children() const;

  // Written as the vars group's `name` attribute (a layer's name); none by default.
  virtual std::optional<std::string> saveable_name() const;
  // The class name list elements are named after (snake_cased). Default: the
  // Serializable class_name() if the object is one, else the C++ type's plain name.
  virtual std::string saveable_class_name() const;

 protected:
  Saveable() = default;
  Saveable(const Saveable&) = default;
  Saveable& operator=(const Saveable&) = default;
};

// Keras's naming.to_snake_case: "MyDense" -> "my_dense", "LSTM" -> "lstm",
// "Conv2DTranspose" -> "conv2d_transpose"; non-word characters are dropped.
std::string to_snake_case(std::string_view name);

// The children of `object` in Keras's walk order: walk_first ones, then the rest sorted by
// attribute name with names starting '_' last.
std::vector<SaveableChild> walk_order(const Saveable& object);

// Keras's _save_state from the root (path "").
void save_state(const Saveable& root, WeightsStore& store);

// One object that could not be loaded.
struct LoadFailure {
  std::string path;     // where it was looked for ("layers/dense")
  std::string object;   // "Dense 'dense_3'", for messages
  std::string message;  // the error's what()
};

// The collected load failures: "A total of N objects could not be loaded." and every
// object's message.
class LoadingError : public ValueError {
 public:
  explicit LoadingError(std::vector<LoadFailure> failures);
  ~LoadingError() override;
  const std::vector<LoadFailure>& failures() const noexcept { return failures_; }

 private:
  std::vector<LoadFailure> failures_;
};

// Keras's _load_state from the root: every object's load_own_variables runs; failures are
// collected and thrown as one LoadingError at the end. A shared object that failed at one
// path is tried again at the next path reaching it (as Keras).
void load_state(Saveable& root, const WeightsStore& store);

}  // namespace kplug::saving
#pragma GCC visibility pop
