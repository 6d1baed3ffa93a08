// Config fields of the loss classes: the base arguments every LossFunctionWrapper takes
// (name, reduction, dtype) and, per class, its own fields after them.
#pragma once

#include "kplug/config_fields.hpp"

#include <optional>
#include <string>

namespace kplug::losses::loss_config {

struct LossOptions {
  std::optional<std::string> name;  // absent or null: the class's default name
  // Absent: "sum_over_batch_size"; null: Keras's None (no reduction), written back as null.
  std::optional<std::string> reduction = "sum_over_batch_size";
  // Keras 3.x may write the computation dtype; kplug computes in float32 only. Never written.
  std::optional<std::string> dtype;
};

// name, reduction (written), dtype (read only).
const config::Fields<LossOptions>& loss_base_fields();

// One loss class's config: its own fields (written after name and reduction by
// add_arguments) and the full list from_config reads.
template <class Options>
requires std::derived_from<Options, LossOptions>
class LossConfig {
 public:
  LossConfig(std::string class_name, std::string default_name, config::Fields<Options> own)
      : class_name_(std::move(class_name)),
        default_name_(std::move(default_name)),
        own_(std::move(own)),
        all_(config::Fields<Options>(loss_base_fields()) + own_) {}

  // The arguments, the name defaulted.
  Options read(const boost::json::object& config, DeserializationContext& context) const {
    Options args = all_.read(config, context, class_name_);
    if (!args.name) args.name = default_name_;
    return args;
  }
  void write(const Options& args, boost::json::object& config) const { own_.write_into(args, config); }

 private:
  std::string class_name_;
  std::string default_name_;
  config::Fields<Options> own_;
  config::Fields<Options> all_;
};

}  // namespace kplug::losses::loss_config
