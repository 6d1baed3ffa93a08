#include "losses/crossentropy_options.hpp"

#include "losses/crossentropy_ops.hpp"

namespace kplug::losses::detail {

const config::Fields<CrossentropyOptions>& crossentropy_fields() {
  static const config::Fields<CrossentropyOptions> fields{
      config::field("from_logits", &CrossentropyOptions::from_logits, false),
      config::field("label_smoothing", &CrossentropyOptions::label_smoothing, Number::real(0.0)),
      config::field("axis", &CrossentropyOptions::axis, std::int64_t{-1})};
  return fields;
}

CrossentropyOptions validated(CrossentropyOptions options) {
  validate_label_smoothing(options.label_smoothing.value);
  return options;
}

}  // namespace kplug::losses::detail
