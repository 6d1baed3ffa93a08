#define BOOST_TEST_MODULE test_serve_load
#include <boost/test/unit_test.hpp>
BOOST_AUTO_TEST_CASE(placeholder) {}
