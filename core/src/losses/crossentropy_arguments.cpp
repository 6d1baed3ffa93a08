#include "losses/crossentropy_arguments.hpp"

#include "losses/crossentropy_ops.hpp"

namespace kplug::losses::detail {

CrossentropyArguments read_crossentropy_arguments(ConfigReader& reader) {
  CrossentropyArguments arguments;
  arguments.from_logits = reader.boolean("from_logits", false);
  arguments.label_smoothing = reader.number("label_smoothing", Number::real(0.0));
  arguments.axis = reader.integer("axis", -1);
  return arguments;
}

void write_crossentropy_arguments(const CrossentropyArguments& arguments, boost::json::object& config) {
  config["from_logits"] = arguments.from_logits;
  config["label_smoothing"] = arguments.label_smoothing.to_json();
  config["axis"] = arguments.axis;
}

CrossentropyArguments validated(CrossentropyArguments arguments) {
  validate_label_smoothing(arguments.label_smoothing.value);
  return arguments;
}

}  // namespace kplug::losses::detail
