// Config fields of the loss classes: the base arguments every LossFunctionWrapper takes
// (name, reduction, dtype) and, per class, its own fields after them.
#pragma once

#include "kplug/config_fields.hpp"

#include <optional>
#include <string>

namespace kplug::losses::loss_config {

struct LossArgs {
  std::optional<std::string> name;  // absent or null: the class's default name
  // Absent: "sum_over_batch_size"; null: Keras's None (no reduction), written back as null.
  std::optional<std::string> reduction = "sum_over_batch_size";
  // Keras 3.x may write the computation dtype; kplug computes in float32 only. Never written.
  std::optional<std::string> dtype;
};

// name, reduction (written), dtype (read only).
const config::Fields<LossArgs>& loss_base_fields();

// One loss class's config: its own fields (written after name and reduction by
// add_arguments) and the full list from_config reads.
template <class Args>
requires std::derived_from<Args, LossArgs>
class LossConfig {
 public:
  LossConfig(std::string class_name, std::string default_name, config::Fields<Args> own)
      : class_name_(std::move(class_name)),
        default_name_(std::move(default_name)),
        own_(std::move(own)),
        all_(config::Fields<Args>(loss_base_fields()) + own_) {}

  // The arguments, the name defaulted.
  Args read(const boost::json::object& config, DeserializationContext& context) const {
    Args args = all_.read(config, context, class_name_);
    if (!args.name) args.name = default_name_;
    return args;
  }
  void write(const Args& args, boost::json::object& config) const { own_.write_into(args, config); }

 private:
  std::string class_name_;
  std::string default_name_;
  config::Fields<Args> own_;
  config::Fields<Args> all_;
};

}  // namespace kplug::losses::loss_config
