#include "kplug/serve/model_config.hpp"

#include "kplug/errors.hpp"
#include "serve/text_proto.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace kplug::serve {
namespace {

using detail::TextProtoField;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path.string(), "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

[[noreturn]] void fail(std::string_view file, const TextProtoField& field, const std::string& message) {
  throw ValueError(std::string(file) + ":" + std::to_string(field.line) + ": " + message);
}

const TextProtoField& only_message(const std::vector<TextProtoField>& fields, std::string_view name,
                                   std::string_view file) {
  if (fields.size() != 1 || fields[0].name != name || !fields[0].message) {
    if (fields.empty()) throw ValueError(std::string(file) + ": empty; expected '" + std::string(name) + " { ... }'");
    detail::unknown_field(fields[0], "the file", file, {std::string(name)});
  }
  return fields[0];
}

ModelConfig model_entry(const TextProtoField& config, std::string_view file) {
  ModelConfig model;
  for (const TextProtoField& f : config.fields) {
    if (f.name == "name") {
      model.name = f.scalar;
    } else if (f.name == "base_path") {
      model.base_path = f.scalar;
    } else if (f.name == "model_platform") {
      if (f.scalar != "tensorflow" && f.scalar != "keras") {
        throw NotSupportedError(std::string(file) + ":" + std::to_string(f.line) + ": model_platform '" + f.scalar +
                                "' (kplug serves Keras models: 'tensorflow' or 'keras')");
      }
    } else if (f.name == "model_version_policy") {
      throw NotSupportedError(std::string(file) + ":" + std::to_string(f.line) +
                              ": model_version_policy (kplug serves the latest version of each model)");
    } else {
      detail::unknown_field(f, "config", file, {"name", "base_path", "model_platform", "model_version_policy"});
    }
  }
  if (model.name.empty()) fail(file, config, "a config without a name");
  if (model.base_path.empty()) fail(file, config, "config '" + model.name + "' has no base_path");
  return model;
}

std::int64_t wrapped_integer(const TextProtoField& field, std::string_view file) {
  if (!field.message || field.fields.size() != 1 || field.fields[0].name != "value") {
    fail(file, field, field.name + ": expected '" + field.name + " { value: N }'");
  }
  const std::string& text = field.fields[0].scalar;
  try {
    std::size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used == text.size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  fail(file, field, field.name + ": expected a non-negative integer, got '" + text + "'");
}

}  // namespace

std::vector<ModelConfig> parse_model_config(std::string_view text, std::string_view file) {
  const auto fields = detail::parse_text_proto(text, file);
  const TextProtoField& list = only_message(fields, "model_config_list", file);
  std::vector<ModelConfig> models;
  for (const TextProtoField& f : list.fields) {
    if (f.name != "config" || !f.message) detail::unknown_field(f, "model_config_list", file, {"config"});
    models.push_back(model_entry(f, file));
    for (std::size_t i = 0; i + 1 < models.size(); ++i) {
      if (models[i].name == models.back().name) fail(file, f, "model '" + models.back().name + "' is listed twice");
    }
  }
  if (models.empty()) throw ValueError(std::string(file) + ": model_config_list lists no model");
  return models;
}

std::vector<ModelConfig> read_model_config_file(const std::filesystem::path& path) {
  return parse_model_config(read_text(path), path.string());
}

void parse_batching_parameters(std::string_view text, BatchingOptions& options, std::string_view file) {
  options.enabled = true;
  for (const TextProtoField& f : detail::parse_text_proto(text, file)) {
    if (f.name == "pad_variable_length_inputs" || f.name == "allowed_batch_sizes") {
      throw NotSupportedError(std::string(file) + ":" + std::to_string(f.line) + ": batching parameter " + f.name);
    }
    const std::int64_t value = wrapped_integer(f, file);
    if (f.name == "max_batch_size") {
      options.max_batch_size = std::max<std::int64_t>(value, 1);
    } else if (f.name == "batch_timeout_micros") {
      options.batch_timeout = std::chrono::microseconds(value);
    } else if (f.name == "num_batch_threads") {
      options.num_batch_threads = static_cast<int>(std::clamp<std::int64_t>(value, 1, 256));
    } else if (f.name == "max_enqueued_batches") {
      options.max_enqueued_batches = std::max<std::int64_t>(value, 1);
    } else {
      detail::unknown_field(f, "the batching parameters", file,
                            {"max_batch_size", "batch_timeout_micros", "num_batch_threads", "max_enqueued_batches"});
    }
  }
}

void read_batching_parameters_file(const std::filesystem::path& path, BatchingOptions& options) {
  parse_batching_parameters(read_text(path), options, path.string());
}

}  // namespace kplug::serve
