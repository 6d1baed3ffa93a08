// Declarative config fields: one list of (key, member, default, check) per class gives
// both its from_config and its get_config, with the keys in Keras's order.
//
//   struct Options { Number delta = Number::real(1.0); std::int64_t axis = -1; };
//   static const config::Fields<Options>& fields() {
//     static const config::Fields<Options> f{
//         config::field("delta", &Options::delta).check(config::finite_non_negative()),
//         config::field("axis", &Options::axis)};
//     return f;
//   }
//   from_config: std::make_shared<T>(fields().read(config, context, "T"))
//   get_config:  fields().write(options_)
//
// A field reads its key when present (null only where the type admits it, or with
// `null_is_default()`), keeps the default otherwise, runs its checks, and names the key's
// JSON path in every error; `read` then rejects keys no field takes. `write` writes every
// field in list order (unless `write_if` says otherwise; `read_only()` fields are never
// written). Types are read and written by `Codec<T>`; specialise it for a new type.
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/partial_shape.hpp"
#include "kplug/number.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::config {

// ---- value types with their own config forms ----

// An int-or-tuple argument of fixed length (kernel_size, strides, pool_size): `3` reads as
// {3, 3} for N = 2; written back as a list, as Keras stores tuples.
template <std::size_t N>
struct IntTuple {
  std::array<std::int64_t, N> values{};
  IntTuple() = default;
  IntTuple(std::int64_t v) { values.fill(v); }  // NOLINT: `kernel_size = 3` reads naturally
  IntTuple(std::array<std::int64_t, N> v) : values(v) {}
  std::int64_t operator[](std::size_t i) const { return values[i]; }
  friend bool operator==(const IntTuple&, const IntTuple&) = default;
};

// Keras's DTypePolicy. kplug computes in float32 only: any other compute dtype is refused
// with a NotSupportedError naming the key. Read from a DTypePolicy dict, a policy name
// ("float32") or null; written as the dict Keras writes.
struct DTypePolicy {
  std::string name = "float32";
  friend bool operator==(const DTypePolicy&, const DTypePolicy&) = default;
};

// ---- codecs ----

// `read(reader, key, v)` converts a present value (errors through reader.fail(key, ...));
// `write(x)` gives its JSON. `accepts_null` says whether null is a value of the type.
template <class T, class Enable = void>
struct Codec;

template <>
struct Codec<bool> {
  static constexpr bool accepts_null = false;
  static bool read(ConfigReader& r, std::string_view key, const boost::json::value& v) { return r.as_boolean(key, v); }
  static boost::json::value write(bool v) { return v; }
};

template <>
struct Codec<std::int64_t> {
  static constexpr bool accepts_null = false;
  static std::int64_t read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
    return r.as_integer(key, v);
  }
  static boost::json::value write(std::int64_t v) { return v; }
};

// Keeps `2` and `2.0` apart, as Python writes them.
template <>
struct Codec<Number> {
  static constexpr bool accepts_null = false;
  static Number read(ConfigReader& r, std::string_view key, const boost::json::value& v) { return r.as_number(key, v); }
  static boost::json::value write(const Number& v) { return v.to_json(); }
};

// A real hyper-parameter a layer computes with (epsilon, momentum, rate); written as a
// float, as Python's float() arguments are.
template <>
struct Codec<double> {
  static constexpr bool accepts_null = false;
  static double read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
    return r.as_number(key, v).value;
  }
  static boost::json::value write(double v) { return v; }
};

template <>
struct Codec<std::string> {
  static constexpr bool accepts_null = false;
  static std::string read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
    return r.as_string(key, v);
  }
  static boost::json::value write(const std::string& v) { return boost::json::string(v); }
};

// null <-> nullopt.
template <class T>
struct Codec<std::optional<T>> {
  static constexpr bool accepts_null = true;
  static std::optional<T> read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
    if (v.is_null()) return std::nullopt;
    return Codec<T>::read(r, key, v);
  }
  static boost::json::value write(const std::optional<T>& v) {
    return v ? Codec<T>::write(*v) : boost::json::value(nullptr);
  }
};

// A list; errors name the element ("axes[2]").
template <class T>
struct Codec<std::vector<T>> {
  static constexpr bool accepts_null = false;
  static std::vector<T> read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
    const auto* list = v.if_array();
    if (!list) r.fail(key, "expected a list, got " + std::string(json::type_name(v)));
    std::vector<T> out;
    out.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& item = (*list)[i];
      const std::string item_key = std::string(key) + "[" + std::to_string(i) + "]";
      out.push_back(Codec<T>::read(r, item_key, item));
    }
    return out;
  }
  static boost::json::value write(const std::vector<T>& v) {
    boost::json::array out;
    out.reserve(v.size());
    for (const T& item : v) out.push_back(Codec<T>::write(item));
    return out;
  }
};

// kplug::PartialShape (layers/partial_shape.hpp) as Keras writes shapes: `[null, 8]`; errors
// name the element ("batch_shape[1]").
template <>
struct Codec<PartialShape> {
  static constexpr bool accepts_null = false;
  static PartialShape read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
    return PartialShape(Codec<std::vector<Dim>>::read(r, key, v));
  }
  static boost::json::value write(const PartialShape& v) { return Codec<std::vector<Dim>>::write(v.dims()); }
};

template <std::size_t N>
struct Codec<IntTuple<N>> {
  static constexpr bool accepts_null = false;
  static IntTuple<N> read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
    if (!v.is_array()) return IntTuple<N>(r.as_integer(key, v));
    const auto& list = v.get_array();
    if (list.size() != N) {
      r.fail(key, "expected an integer or a list of " + std::to_string(N) + " integers, got a list of " +
                      std::to_string(list.size()));
    }
    IntTuple<N> out;
    for (std::size_t i = 0; i < N; ++i) {
      out.values[i] = r.as_integer(std::string(key) + "[" + std::to_string(i) + "]", list[i]);
    }
    return out;
  }
  static boost::json::value write(const IntTuple<N>& v) {
    boost::json::array out;
    for (std::int64_t x : v.values) out.emplace_back(x);
    return out;
  }
};

template <>
struct Codec<DTypePolicy> {
  static constexpr bool accepts_null = true;  // null: the default policy (float32)
  static DTypePolicy read(ConfigReader& r, std::string_view key, const boost::json::value& v);
  static boost::json::value write(const DTypePolicy& v);
};

// A nested object of a kind (initializer, regularizer, ...): a config dict or a name;
// null <-> nullptr. Written as the dict serialize() gives.
template <class T>
requires std::derived_from<T, Serializable>
struct Codec<std::shared_ptr<T>> {
  static constexpr bool accepts_null = true;
  static std::shared_ptr<T> read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
    return r.context().template object<T>(v, key);
  }
  static boost::json::value write(const std::shared_ptr<T>& v) { return serialize(v); }
};

// ---- checks: a message when the value is wrong, empty when it is fine ----

template <class T>
using Check = std::function<std::string(const T&)>;

Check<Number> finite();
Check<Number> positive();      // > 0 and finite
Check<Number> non_negative();  // >= 0 and finite
Check<Number> finite_non_negative();
Check<Number> in_range(double lo, double hi);  // [lo, hi]
Check<std::int64_t> at_least(std::int64_t lo);
Check<std::string> one_of(std::initializer_list<std::string_view> choices);

// ---- fields ----

template <class Options>
class Field {
 public:
  using Reader = std::function<void(ConfigReader&, std::string_view, const boost::json::value&, Options&)>;
  using Writer = std::function<boost::json::value(const Options&)>;
  using Defaulter = std::function<void(Options&)>;
  using Predicate = std::function<bool(const Options&)>;

  Field(std::string key, Reader reader, Writer writer, Defaulter defaulter, bool accepts_null)
      : key_(std::move(key)),
        reader_(std::move(reader)),
        writer_(std::move(writer)),
        defaulter_(std::move(defaulter)),
        accepts_null_(accepts_null) {}

  // A field of a base class's arguments, for a derived Options.
  template <class Base>
  requires(std::derived_from<Options, Base> && !std::same_as<Options, Base>)
      Field(const Field<Base>& base)  // NOLINT: lists of a base's fields convert implicitly
      : key_(base.key()),
        accepts_null_(base.accepts_null()),
        null_is_default_(base.null_is_default()),
        read_only_(base.read_only()),
        required_(base.is_required()) {
    if (base.reader()) {
      reader_ = [f = base.reader()](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& a) {
        f(r, k, v, static_cast<Base&>(a));
      };
    }
    if (base.writer()) writer_ = [f = base.writer()](const Options& a) { return f(static_cast<const Base&>(a)); };
    if (base.defaulter()) defaulter_ = [f = base.defaulter()](Options& a) { f(static_cast<Base&>(a)); };
    if (base.write_if()) write_if_ = [f = base.write_if()](const Options& a) { return f(static_cast<const Base&>(a)); };
  }

  // Null reads as "absent" (the default): Keras's `name=None`.
  Field& null_is_default() {
    null_is_default_ = true;
    return *this;
  }
  // Absent is an error ("missing required argument 'units'"), as a Python argument
  // without a default.
  Field& required() {
    required_ = true;
    return *this;
  }
  // Accepted from configs, never written (a loss's `dtype`).
  Field& read_only() {
    read_only_ = true;
    return *this;
  }
  // Written only when `predicate(args)` holds.
  Field& write_if(Predicate predicate) {
    write_if_ = std::move(predicate);
    return *this;
  }

  const std::string& key() const noexcept { return key_; }
  bool accepts_null() const noexcept { return accepts_null_; }
  bool null_is_default() const noexcept { return null_is_default_; }
  bool read_only() const noexcept { return read_only_; }
  bool is_required() const noexcept { return required_; }
  const Reader& reader() const noexcept { return reader_; }
  const Writer& writer() const noexcept { return writer_; }
  const Defaulter& defaulter() const noexcept { return defaulter_; }
  const Predicate& write_if() const noexcept { return write_if_; }

  void read(ConfigReader& reader, Options& args) const {
    const boost::json::value* v = reader.raw(key_);
    if (!v || (v->is_null() && null_is_default_)) {
      if (!v && required_) reader.fail(key_, "missing required argument '" + key_ + "'");
      if (defaulter_) defaulter_(args);
      return;
    }
    reader_(reader, key_, *v, args);
  }

  void write(const Options& args, boost::json::object& config) const {
    if (read_only_ || (write_if_ && !write_if_(args))) return;
    config.insert_or_assign(key_, writer_(args));  // no null inserted first, then swapped
  }

 protected:
  void set_reader(Reader reader) { reader_ = std::move(reader); }

 private:
  std::string key_;
  Reader reader_;
  Writer writer_;
  Defaulter defaulter_;
  Predicate write_if_;
  bool accepts_null_ = false;
  bool null_is_default_ = false;
  bool read_only_ = false;
  bool required_ = false;
};

// A typed field: `field("units", &Options::units)`, optionally with a default (else the
// member's own initial value) and checks.
template <class Options, class M>
class TypedField : public Field<Options> {
 public:
  TypedField(std::string key, M Options::*member, std::optional<M> default_value)
      : Field<Options>(
            std::move(key),
            [member](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& a) {
              a.*member = Codec<M>::read(r, k, v);
            },
            [member](const Options& a) { return Codec<M>::write(a.*member); },
            default_value
                ? typename Field<Options>::Defaulter([member, d = *default_value](Options& a) { a.*member = d; })
                : typename Field<Options>::Defaulter(),
            Codec<M>::accepts_null),
        member_(member) {}

  // Runs on a value read from the config (defaults are trusted): a non-empty message
  // fails, naming the key.
  TypedField& check(Check<M> check) {
    checks_.push_back(std::move(check));
    rebuild_reader();
    return *this;
  }
  TypedField& null_is_default() {
    Field<Options>::null_is_default();
    return *this;
  }
  TypedField& read_only() {
    Field<Options>::read_only();
    return *this;
  }
  TypedField& required() {
    Field<Options>::required();
    return *this;
  }
  TypedField& write_if(typename Field<Options>::Predicate predicate) {
    Field<Options>::write_if(std::move(predicate));
    return *this;
  }

 private:
  void rebuild_reader() {
    M Options::*member = member_;
    auto checks = checks_;
    this->set_reader([member, checks](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& a) {
      a.*member = Codec<M>::read(r, k, v);
      for (const auto& c : checks) {
        if (std::string message = c(a.*member); !message.empty()) r.fail(k, message);
      }
    });
  }

  M Options::*member_;
  std::vector<Check<M>> checks_;
};

template <class Options, class M>
TypedField<Options, M> field(std::string key, M Options::*member) {
  return TypedField<Options, M>(std::move(key), member, std::nullopt);
}
template <class Options, class M, class D>
requires std::convertible_to<D, M> TypedField<Options, M> field(std::string key, M Options::*member, D default_value) {
  return TypedField<Options, M>(std::move(key), member, M(std::move(default_value)));
}

// A field with hand-written reading and writing, for forms no codec covers.
template <class Options>
Field<Options> custom_field(
    std::string key, std::function<void(ConfigReader&, std::string_view, const boost::json::value&, Options&)> read,
    std::function<boost::json::value(const Options&)> write, bool accepts_null = true) {
  return Field<Options>(std::move(key), std::move(read), std::move(write), {}, accepts_null);
}

// The field list of one class. Lists concatenate (`base_fields + Fields<Options>{...}`).
template <class Options>
class Fields {
 public:
  Fields() = default;
  Fields(std::initializer_list<Field<Options>> fields) : fields_(fields) {}
  template <class Base>
  requires std::derived_from<Options, Base> Fields(
      const Fields<Base>& base) {  // NOLINT: a base class's list, for a derived Options
    for (const auto& f : base.list()) fields_.emplace_back(f);
  }

  Fields& operator+=(const Fields& more) {
    fields_.insert(fields_.end(), more.fields_.begin(), more.fields_.end());
    return *this;
  }
  friend Fields operator+(Fields a, const Fields& b) { return a += b; }

  const std::vector<Field<Options>>& list() const noexcept { return fields_; }

  // from_config's half: the arguments, defaults for absent keys; unknown keys are errors.
  Options read(const boost::json::object& config, DeserializationContext& context, std::string class_name) const {
    ConfigReader reader(config, context, std::move(class_name));
    Options args{};
    read_into(reader, args);
    reader.finish();
    return args;
  }
  // Reads the fields only, leaving finish() to the caller (classes with extra keys).
  void read_into(ConfigReader& reader, Options& args) const {
    for (const auto& f : fields_) f.read(reader, args);
  }

  // get_config's half: every field, in list order.
  boost::json::object write(const Options& args) const {
    boost::json::object config;
    config.reserve(fields_.size());
    write_into(args, config);
    return config;
  }
  void write_into(const Options& args, boost::json::object& config) const {
    for (const auto& f : fields_) f.write(args, config);
  }

 private:
  std::vector<Field<Options>> fields_;
};

// ---- Keras's base layer arguments ----

struct LayerBaseOptions {
  std::string name;  // empty: the layer makes a unique one (dense, dense_1, ...)
  bool trainable = true;
  DTypePolicy dtype;
};

// name, trainable, dtype, in Keras's Layer.get_config order.
template <class Options>
requires std::derived_from<Options, LayerBaseOptions> Fields<Options> layer_base_fields() {
  return Fields<LayerBaseOptions>{field("name", &LayerBaseOptions::name).null_is_default(),
                                  field("trainable", &LayerBaseOptions::trainable),
                                  field("dtype", &LayerBaseOptions::dtype)};
}

}  // namespace kplug::config
#pragma GCC visibility pop
