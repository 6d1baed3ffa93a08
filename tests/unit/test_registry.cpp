#define BOOST_TEST_MODULE registry
#include <boost/test/unit_test.hpp>

#include "kplug/registrar.hpp"
#include "kplug/registry.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/scope.hpp"
#include "kplug/serialization.hpp"

#include <stdexcept>
#include <thread>

using namespace kplug;

namespace {

class Foo : public Regularizer {
 public:
  float operator()(const Tensor&) const override { return 0.0f; }
  boost::json::object get_config() const override { return {}; }
  static std::shared_ptr<Foo> from_config(const boost::json::object&, DeserializationContext&) {
    return std::make_shared<Foo>();
  }
};

class Bar : public Foo {
 public:
  static std::shared_ptr<Bar> from_config(const boost::json::object&, DeserializationContext&) {
    return std::make_shared<Bar>();
  }
};

// Inherits Foo::from_config, which would build a Foo: registering it is a compile error.
class InheritsFromConfig : public Foo {};

// Registry state is process-wide: every test starts and ends empty.
struct CleanRegistry {
  CleanRegistry() { Registry::global().clear(); }
  ~CleanRegistry() { Registry::global().clear(); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(registration, CleanRegistry)

BOOST_AUTO_TEST_CASE(default_package_is_custom) {
  BOOST_TEST(register_serializable<Foo>() == "Custom>Foo");
  BOOST_TEST(get_registered_name<Foo>() == "Custom>Foo");
  BOOST_TEST(get_registered_name(Foo{}) == "Custom>Foo");
}

BOOST_AUTO_TEST_CASE(package_and_name) {
  BOOST_TEST(register_serializable<Foo>({.package = "pkg"}) == "pkg>Foo");
  BOOST_TEST(register_serializable<Bar>({.package = "TestPackage", .name = "CustomName"}) == "TestPackage>CustomName");
  BOOST_TEST(registered_class_name(*get_registered_object("TestPackage>CustomName")) == "Bar");
}

BOOST_AUTO_TEST_CASE(unregistered_name_is_plain_class_name) {
  BOOST_TEST(get_registered_name<Foo>() == "Foo");
  BOOST_TEST(get_registered_name(Bar{}) == "Bar");
  BOOST_TEST(get_registered_object("Custom>Nope") == nullptr);
  BOOST_TEST(get_registered_object(std::string_view{}) == nullptr);  // an empty view, no data pointer
}

BOOST_AUTO_TEST_CASE(duplicate_key_names_both_sites) {
  register_serializable<Foo>({.package = "pkg", .name = "X"});
  try {
    register_serializable<Bar>({.package = "pkg", .name = "X"});
    BOOST_FAIL("no error");
  } catch (const RegistrationError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("pkg>X") != std::string::npos, what);
    BOOST_TEST(what.find("test_registry.cpp") != std::string::npos, what);
    BOOST_TEST(what.find("first at") != std::string::npos, what);
  }
  BOOST_TEST(registered_class_name(*get_registered_object("pkg>X")) == "Foo");  // unchanged
  register_serializable<Bar>({.package = "pkg", .name = "X", .replace = true});
  BOOST_TEST(registered_class_name(*get_registered_object("pkg>X")) == "Bar");
  BOOST_TEST(get_registered_name<Foo>() == "Foo");  // the replaced class lost its key
}

BOOST_AUTO_TEST_CASE(invalid_keys_refused) {
  BOOST_CHECK_THROW(register_serializable<Foo>({.package = "a>b"}), RegistrationError);
  BOOST_CHECK_THROW(register_serializable<Foo>({.package = ""}), RegistrationError);
}

BOOST_AUTO_TEST_CASE(same_name_in_two_packages_stays_distinct) {
  register_serializable<Foo>({.package = "a"});
  register_serializable<Bar>({.package = "b", .name = "Foo"});
  BOOST_TEST(registered_class_name(*get_registered_object("a>Foo")) == "Foo");
  BOOST_TEST(registered_class_name(*get_registered_object("b>Foo")) == "Bar");
  // Both serialize with their own class name and key.
  BOOST_TEST(serialize(Bar{}).at("registered_name").as_string() == "b>Foo");
  BOOST_TEST(serialize(Bar{}).at("class_name").as_string() == "Bar");
}

BOOST_AUTO_TEST_CASE(live_global_dict) {
  Registry& objects = get_custom_objects();
  BOOST_TEST(objects.size() == 0u);
  objects.add("pkg>Foo", class_entry<Foo>());
  BOOST_TEST(get_registered_object("pkg>Foo") != nullptr);
  BOOST_TEST(objects.keys() == std::vector<std::string>{"pkg>Foo"});
  BOOST_TEST(objects.erase("pkg>Foo"));
  BOOST_TEST(get_registered_object("pkg>Foo") == nullptr);
  objects.add("pkg>Foo", class_entry<Foo>());
  objects.clear();
  BOOST_TEST(objects.size() == 0u);
}

BOOST_AUTO_TEST_CASE(classes_without_get_config_cannot_register) {
  // Keras refuses at run time ("Cannot register a class that does not have a
  // get_config() method"); in C++ the SerializableClass concept refuses at compile time.
  BOOST_TEST(SerializableClass<Foo>);
  BOOST_TEST(!SerializableClass<Regularizer>);  // abstract: no get_config/penalty
  BOOST_TEST(!SerializableClass<std::string>);
  // A subclass that inherits its base's from_config would deserialize as the base.
  BOOST_TEST(FromConfigBuildsItself<Bar>);
  BOOST_TEST(!FromConfigBuildsItself<InheritsFromConfig>);
}

BOOST_AUTO_TEST_CASE(lookup_order_and_arguments) {
  CustomObjectMap argument{{"k", class_entry<Bar>()}};
  CustomObjectMap module_objects{{"m", class_entry<Foo>()}};
  BOOST_TEST(registered_class_name(*get_registered_object("k", argument)) == "Bar");
  BOOST_TEST(registered_class_name(*get_registered_object("m", {}, module_objects)) == "Foo");
  get_custom_objects().add("k", class_entry<Foo>());
  BOOST_TEST(registered_class_name(*get_registered_object("k", argument)) == "Foo");  // global before argument
  CustomObjectScope scope({{"k", class_entry<Bar>()}});
  BOOST_TEST(registered_class_name(*get_registered_object("k", argument)) == "Bar");  // scope first
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(scopes, CleanRegistry)

BOOST_AUTO_TEST_CASE(scope_entries_are_not_in_the_global_dict) {
  CustomObjectScope scope({{"Foo", class_entry<Foo>()}});
  BOOST_TEST(find_in_scopes("Foo") != nullptr);
  BOOST_TEST(!get_custom_objects().contains("Foo"));
}

BOOST_AUTO_TEST_CASE(scopes_are_thread_local) {
  CustomObjectScope scope({{"Foo", class_entry<Foo>()}});
  bool seen_in_thread = true;
  std::thread([&] { seen_in_thread = find_in_scopes("Foo") != nullptr; }).join();
  BOOST_TEST(!seen_in_thread);
  BOOST_TEST(find_in_scopes("Foo") != nullptr);
}

BOOST_AUTO_TEST_CASE(scopes_restore_after_exceptions) {
  try {
    CustomObjectScope scope({{"Foo", class_entry<Foo>()}});
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  BOOST_TEST(find_in_scopes("Foo") == nullptr);
  BOOST_TEST(!has_custom_object_scope());
}

BOOST_AUTO_TEST_CASE(nested_scopes_merge_inner_wins) {
  CustomObjectScope outer({{"A", class_entry<Foo>()}, {"B", class_entry<Foo>()}});
  {
    CustomObjectScope inner({{"B", class_entry<Bar>()}});
    BOOST_TEST(registered_class_name(*find_in_scopes("A")) == "Foo");  // outer still visible (Keras would hide it)
    BOOST_TEST(registered_class_name(*find_in_scopes("B")) == "Bar");
  }
  BOOST_TEST(registered_class_name(*find_in_scopes("B")) == "Foo");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_class_registered_twice_keeps_a_name_when_one_key_goes) {
  Registry& objects = get_custom_objects();
  objects.clear();
  objects.add("b>Foo", class_entry<Foo>());
  objects.add("a>Foo", class_entry<Foo>());
  objects.add("c>Bar", class_entry<Bar>());
  BOOST_TEST(get_registered_name(Foo{}) == "b>Foo");  // the first key registered
  BOOST_TEST(objects.erase("b>Foo"));
  BOOST_TEST(get_registered_name(Foo{}) == "a>Foo");  // the other key takes over
  BOOST_TEST(objects.erase("a>Foo"));
  BOOST_TEST(get_registered_name(Foo{}) == "Foo");  // none left: the class name
  BOOST_TEST(get_registered_name(Bar{}) == "c>Bar");
  objects.clear();
}

BOOST_AUTO_TEST_CASE(erase_owned_by_several_owners_in_one_pass) {
  Registry& objects = get_custom_objects();
  objects.clear();
  // What a plugin host does: each plugin's registrar marks its entries with the plugin's path.
  const std::pair<const char*, const char*> plugins[] = {
      {"/plugins/one.so", "p1"}, {"/plugins/two.so", "p2"}, {"/plugins/three.so", "p3"}};
  for (const auto& [owner, package] : plugins) {
    plugin::Registrar registrar(owner, {package}, nullptr);
    registrar.add_class<Foo>({.package = std::string(package)});
    objects.add_all(registrar.take());
  }
  objects.add("host>Foo", class_entry<Foo>());
  BOOST_TEST(objects.erase_owned_by(std::vector<std::string>{"/plugins/one.so", "/plugins/three.so"}) == 2u);
  BOOST_TEST(objects.keys() == (std::vector<std::string>{"host>Foo", "p2>Foo"}));
  BOOST_TEST(objects.erase_owned_by("/plugins/two.so") == 1u);
  BOOST_TEST(get_registered_name(Foo{}) == "host>Foo");
  objects.clear();
}
