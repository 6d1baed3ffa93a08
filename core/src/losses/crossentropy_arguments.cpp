#include "losses/crossentropy_arguments.hpp"

#include "losses/crossentropy_ops.hpp"

namespace kplug::losses::detail {

const config::Fields<CrossentropyArguments>& crossentropy_fields() {
  static const config::Fields<CrossentropyArguments> fields{
      config::field("from_logits", &CrossentropyArguments::from_logits, false),
      config::field("label_smoothing", &CrossentropyArguments::label_smoothing, Number::real(0.0)),
      config::field("axis", &CrossentropyArguments::axis, std::int64_t{-1})};
  return fields;
}

CrossentropyArguments validated(CrossentropyArguments arguments) {
  validate_label_smoothing(arguments.label_smoothing.value);
  return arguments;
}

}  // namespace kplug::losses::detail
