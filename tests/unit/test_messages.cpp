// The words of kplug's messages (issue 7, points 8-10): kind names spelled and
// pluralised right, long messages with a short first line, no advice a caller cannot follow.
#define BOOST_TEST_MODULE messages
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/losses.hpp"
#include "kplug/registry.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <string>
#include <string_view>

using namespace kplug;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

BOOST_AUTO_TEST_CASE(kind_names_are_pluralised_right) {
  const std::string loss = error_of<UnknownObjectError>([] { deserialize_as<Loss>(json::parse(R"("msee")")); });
  BOOST_TEST(contains(loss, "the built-in losses"), loss);
  BOOST_TEST(!contains(loss, "losss"), loss);
  const std::string activation =
      error_of<UnknownObjectError>([] { deserialize_as<Activation>(json::parse(R"("rleu")")); });
  BOOST_TEST(contains(activation, "the built-in activations"), activation);
  const std::string regularizer =
      error_of<UnknownObjectError>([] { deserialize_as<Regularizer>(json::parse(R"("l3")")); });
  BOOST_TEST(contains(regularizer, "the built-in regularizers"), regularizer);
}

BOOST_AUTO_TEST_CASE(articles_follow_the_kind) {
  const std::string what = error_of<KindMismatchError>([] {
    deserialize_as<Activation>(json::parse(
        R"({"module": "keras.losses", "class_name": "MeanSquaredError", "config": {}, "registered_name": null})"));
  });
  BOOST_TEST(contains(what, "is a loss, but an activation was expected here"), what);
  BOOST_TEST(!contains(what, "a activation"), what);
}

BOOST_AUTO_TEST_CASE(missing_key_message_keeps_a_short_first_line) {
  const std::string what = error_of<UnknownObjectError>([] {
    deserialize(json::parse(R"({"module": "my_module", "class_name": "Missing", "config": {"a": 1, "b": [1, 2, 3]},
                                "registered_name": "pkg>Missing"})"));
  });
  const std::string first = first_line(what);
  BOOST_TEST(contains(first, "Could not locate class 'Missing' (registered_name 'pkg>Missing')."), what);
  BOOST_TEST(!contains(first, "Full object config"), what);
  BOOST_TEST(!contains(first, "Looked in"), what);
  BOOST_TEST(first.size() < 120u, what);
  BOOST_TEST(contains(what, "\n  Looked in: "), what);
  BOOST_TEST(contains(what, "\n  Full object config: "), what);
}

namespace {
class Twice : public Regularizer {
 public:
  float operator()(const Tensor&) const override { return 0.0f; }
  boost::json::object get_config() const override { return {}; }
  static std::shared_ptr<Twice> from_config(const boost::json::object&, DeserializationContext&) {
    return std::make_shared<Twice>();
  }
};
}  // namespace

// The host can replace (RegisterOptions::replace), so its duplicate message offers it;
// a plugin cannot, and its message does not (tests/unit/test_plugins.cpp).
BOOST_AUTO_TEST_CASE(duplicate_message_offers_only_what_the_caller_can_do) {
  register_serializable<Twice>({.package = "messages"});
  const std::string what = error_of<RegistrationError>([] { register_serializable<Twice>({.package = "messages"}); });
  BOOST_TEST(contains(what, "key 'messages>Twice' is registered twice"), what);
  BOOST_TEST(contains(what, "or register with replace = true."), what);
  BOOST_TEST(!contains(what, "replace it explicitly"), what);
  register_serializable<Twice>({.package = "messages", .replace = true});  // and it works
}
