// kplug inspect MODEL.keras|MODEL.h5 [--json]: what a `.keras` archive (or its folder) or a
// legacy `.h5` holds (version, backend, training config), its compile information and the
// packages it needs, with the plugin providing each. The model is built (compile off) for its
// summary only; no weight is assigned.
#include "commands.hpp"
#include "model_loading.hpp"
#include "plugin_setup.hpp"

#include "kplug/json.hpp"
#include "kplug/models/legacy_config.hpp"
#include "kplug/registry.hpp"
#include "kplug/saving/keras_file.hpp"
#include "kplug/saving/legacy_h5.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value_from.hpp>

#include <cctype>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>

namespace kplug::cli {
namespace {

// "package>name" keys the config names: registered names, function names, compile strings.
struct ConfigKeys {
  std::set<std::string> all;
  std::set<std::string> functions;  // of these, the functions (the rest are classes)
};

bool is_key(const boost::json::value& s) {
  return s.is_string() && s.get_string().find('>') != boost::json::string::npos;
}

void collect_keys(const boost::json::value& v, ConfigKeys& keys) {
  auto add = [&](const boost::json::value& s) {
    if (is_key(s)) keys.all.insert(std::string(s.get_string()));
  };
  if (const auto* o = v.if_object()) {
    if (const auto* registered = o->if_contains("registered_name")) add(*registered);
    const auto* class_name = o->if_contains("class_name");
    if (class_name && class_name->is_string() && class_name->get_string() == "function") {
      if (const auto* config = o->if_contains("config"); config && is_key(*config)) {
        add(*config);
        keys.functions.insert(std::string(config->get_string()));
      }
    }
    for (const auto& item : *o) {
      if (item.key() == "loss" || item.key() == "metrics" || item.key() == "weighted_metrics") {
        // Compile strings name functions (losses, metrics).
        auto add_function = [&](const boost::json::value& s) {
          add(s);
          if (is_key(s)) keys.functions.insert(std::string(s.get_string()));
        };
        add_function(item.value());
        if (const auto* a = item.value().if_array()) {
          for (const auto& e : *a) add_function(e);
        }
        if (const auto* d = item.value().if_object()) {
          for (const auto& e : *d) add_function(e.value());
        }
      }
      collect_keys(item.value(), keys);
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& item : *a) collect_keys(item, keys);
  }
}

std::string package_of(const std::string& key) { return key.substr(0, key.find('>')); }

struct PackageReport {
  std::string package;
  std::vector<std::string> keys;
  std::vector<std::string> missing_keys;  // of `keys`, those nothing resolves
  std::string provided_by;                // the loaded plugin ("" = none)
  bool registered = true;                 // every key resolves
  std::vector<std::string> indexed;       // indexed plugin files declaring the package
};

std::vector<PackageReport> package_reports(const ConfigKeys& config_keys, const PluginHost& host) {
  const std::set<std::string>& keys = config_keys.all;
  std::map<std::string, PackageReport> by_package;
  const std::vector<PluginListing> loaded = host.loaded();
  const auto index = host.indexed_packages();
  for (const std::string& key : keys) {
    PackageReport& report = by_package[package_of(key)];
    report.package = package_of(key);
    report.keys.push_back(key);
    if (!get_registered_object(key)) {
      report.registered = false;
      report.missing_keys.push_back(key);
    }
    for (const PluginListing& plugin : loaded) {
      for (const std::string& k : plugin.keys) {
        if (k == key) report.provided_by = plugin.name;
      }
    }
  }
  for (auto& [package, report] : by_package) {
    for (const auto& [path, packages] : index) {
      for (const std::string& p : packages) {
        if (p == package) report.indexed.push_back(path.string());
      }
    }
  }
  std::vector<PackageReport> out;
  for (auto& [package, report] : by_package) out.push_back(std::move(report));
  return out;
}

std::string compile_line(const boost::json::value& compile_config, const char* key) {
  const auto* o = compile_config.if_object();
  const auto* v = o ? o->if_contains(key) : nullptr;
  if (!v) return "";
  if (const auto* dict = v->if_object(); dict && dict->contains("class_name")) {
    return std::string(dict->at("class_name").as_string()) + " " +
           json::write(dict->contains("config") ? dict->at("config") : boost::json::value());
  }
  return json::write(*v);
}

// What inspect reports of a file, whatever its format.
struct Inspected {
  boost::json::value config;  // the model dict (a legacy file's model_config, upgraded)
  boost::json::value metadata;
  boost::json::value compile_config;
  boost::json::value training_config;  // a legacy file's, as stored
  std::vector<std::string> members;
  std::uint64_t weights_bytes = 0;
};

Inspected read_archive(const std::string& path) {
  const saving::KerasFileContents contents = in_file(path, [&] { return saving::read_keras_file(path); });
  Inspected inspected;
  inspected.config = in_file(path + "/config.json", [&] { return json::parse(contents.config); });
  if (contents.metadata) {
    inspected.metadata = in_file(path + "/metadata.json", [&] { return json::parse(*contents.metadata); });
  }
  const auto* config_object = inspected.config.if_object();
  const boost::json::value* found = config_object ? config_object->if_contains("compile_config") : nullptr;
  if (found) inspected.compile_config = *found;
  inspected.members = contents.members;
  inspected.weights_bytes = contents.weights_bytes;
  return inspected;
}

// A legacy `.h5`: its root attributes as metadata, its training_config as Keras 3 would compile it.
Inspected read_legacy(const std::string& path) {
  const saving::LegacyH5Info info = in_file(path, [&] { return saving::read_legacy_h5_info(path); });
  Inspected inspected;
  boost::json::object metadata{{"format", "legacy HDF5"}};
  if (info.keras_version) metadata["keras_version"] = *info.keras_version;
  if (info.backend) metadata["backend"] = *info.backend;
  inspected.metadata = std::move(metadata);
  inspected.members = {"model_config"};
  if (info.training_config) inspected.members.push_back("training_config");
  inspected.members.push_back(info.weights_only ? "layer weights (weights-only file)" : "model_weights");
  if (!info.optimizer_weight_names.empty()) inspected.members.push_back("optimizer_weights");
  // The file is the weights container, as model.weights.h5 is an archive's.
  std::error_code ec;
  inspected.weights_bytes = std::filesystem::file_size(path, ec);
  if (!info.model_config) throw FileFailure{path, "a legacy weights-only file: it holds no model to inspect"};
  legacy::UpgradeReport report;
  inspected.config = in_file(path + "@model_config", [&] {
    return legacy::upgrade_model_config(json::parse(*info.model_config), report, info.keras_version.value_or(""));
  });
  if (info.training_config) {
    inspected.training_config = in_file(path + "@training_config", [&] { return json::parse(*info.training_config); });
    inspected.compile_config = in_file(path + "@training_config", [&] {
      return legacy::compile_config_from_training_config(inspected.training_config, report);
    });
  }
  return inspected;
}

// The model, without weights and without compiling, for its summary; null with `error` set
// when it cannot be built.
ModelPtr build_uncompiled(const boost::json::value& config, PluginHost& host, const CommonOptions& options,
                          std::string& error) {
  try {
    DeserializeOptions deserialize;
    deserialize.safe_mode = !options.unsafe;
    deserialize.key_provider = &host;
    boost::json::value uncompiled = config;
    if (auto* o = uncompiled.if_object()) o->erase("compile_config");
    SharedObjectLoadingScope sharing;
    return model_from_config(uncompiled, deserialize);
  } catch (const Error& e) {
    error = e.what();
    return nullptr;
  }
}

// The SDK's steps (docs/sdk.md, "From an empty folder to a loaded plugin") filled in for the
// missing objects of one package: a plugin skeleton to complete with the classes' code.
std::string plugin_skeleton(const PackageReport& p, const ConfigKeys& keys, const std::string& model_path) {
  std::string target;
  for (char c : p.package) target += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  target += "_plugin";
  std::string key_list, registrations;
  for (const std::string& key : p.missing_keys) {
    const std::string name = key.substr(key.find('>') + 1);
    key_list += " " + key;
    registrations += keys.functions.contains(key)
                         ? "    registrar.add_activation(\"" + p.package + "\", \"" + name +
                               "\", ...);  // a function: add_activation or add_loss_function\n"
                         : "    registrar.add_class<" + name + ">({.package = \"" + p.package + "\"});\n";
  }
  return "  cp -r KPLUG_SOURCE/sdk/template " + target + " && cd " + target +
         "   # KPLUG_SOURCE: your kplug checkout\n"
         "  # CMakeLists.txt:\n"
         "  kplug_add_plugin(" +
         target + " NAME " + target + " VERSION 0.1.0 PACKAGES " + p.package + " KEYS" + key_list +
         " SOURCES my_plugin.cpp)\n"
         "  # my_plugin.cpp: one class per key (a layer derives from kplug::FieldsLayer), registered with\n"
         "  KPLUG_PLUGIN_REGISTER(registrar) {\n" +
         registrations +
         "  }\n"
         "  cmake -S . -B build -DCMAKE_PREFIX_PATH=KPLUG_PREFIX && cmake --build build   # KPLUG_PREFIX: where kplug "
         "is installed\n"
         "  kplug inspect --plugins build " +
         model_path + "\n";
}

void write_json_report(std::ostream& out, const std::string& path, const Inspected& inspected,
                       const std::vector<PackageReport>& packages, const ConfigKeys& keys, const Model* model,
                       const std::string& build_error) {
  boost::json::object report;
  report["file"] = path;
  report["members"] = boost::json::value_from(inspected.members);
  report["weights_bytes"] = inspected.weights_bytes;
  report["kernels"] = kernels_text();
  report["metadata"] = inspected.metadata;
  report["compile_config"] = inspected.compile_config;
  if (!inspected.training_config.is_null()) report["training_config"] = inspected.training_config;
  boost::json::array package_list;
  for (const auto& p : packages) {
    package_list.push_back(boost::json::object{
        {"package", p.package},
        {"keys", boost::json::value_from(p.keys)},
        {"provided_by", p.provided_by.empty() ? boost::json::value(nullptr) : boost::json::value(p.provided_by)},
        {"missing", !p.registered},
        {"indexed_plugins", boost::json::value_from(p.indexed)},
        {"plugin_skeleton",
         p.registered ? boost::json::value(nullptr) : boost::json::value(plugin_skeleton(p, keys, path))}});
  }
  report["packages"] = std::move(package_list);
  if (model) {
    report["summary"] = summary_json(*model);
  } else {
    report["error"] = build_error;
  }
  out << json::write(report) << "\n";
}

void write_package_line(std::ostream& out, const PackageReport& p) {
  out << "  " << p.package << " (";
  for (std::size_t i = 0; i < p.keys.size(); ++i) out << (i ? ", " : "") << p.keys[i];
  out << "): ";
  if (p.registered) {
    out << (p.provided_by.empty() ? "registered" : "plugin " + p.provided_by);
  } else {
    out << "MISSING";
    if (p.indexed.empty()) {
      out << ", no indexed plugin declares it (load one with --plugins DIR or index KPLUG_PLUGIN_PATH)";
    } else {
      out << ", declared by indexed plugin";
      for (const auto& file : p.indexed) out << " " << file;
      out << " (load it with --plugins)";
    }
  }
  out << "\n";
}

void write_text_report(std::ostream& out, const std::string& path, const Inspected& inspected,
                       const std::vector<PackageReport>& packages, const ConfigKeys& keys, const Model* model,
                       const std::string& build_error) {
  out << "File: " << path << "\n";
  out << "Members: ";
  for (std::size_t i = 0; i < inspected.members.size(); ++i) out << (i ? ", " : "") << inspected.members[i];
  out << "\nWeights: " << inspected.weights_bytes << " bytes\n";
  out << "Kernels: " << kernels_text() << "\n";
  if (const auto* m = inspected.metadata.if_object()) {
    for (const auto& item : *m) out << "Metadata " << item.key() << ": " << json::write(item.value()) << "\n";
  } else {
    out << "Metadata: none\n";
  }
  if (!inspected.training_config.is_null())
    out << "Training config: " << json::write(inspected.training_config) << "\n";
  if (inspected.compile_config.is_object() && !inspected.compile_config.get_object().empty()) {
    out << "Compiled:\n";
    for (const char* key : {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"}) {
      const std::string line = compile_line(inspected.compile_config, key);
      if (!line.empty()) out << "  " << key << ": " << line << "\n";
    }
  } else {
    out << "Compiled: no\n";
  }
  out << "Packages:" << (packages.empty() ? " none (built-in objects only)" : "") << "\n";
  for (const auto& p : packages) write_package_line(out, p);
  for (const auto& p : packages) {
    if (p.registered) continue;
    out << "Plugin skeleton for the missing objects of " << p.package << " (docs/sdk.md):\n"
        << plugin_skeleton(p, keys, path);
  }
  if (model) {
    out << model->summary();
  } else {
    out << "Summary unavailable: " << build_error << "\n";
  }
}

}  // namespace

int run_inspect(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.size() != 1) throw UsageError{"inspect takes one MODEL.keras or MODEL.h5"};
  const std::string& path = options.positional[0];
  PluginHost host;
  setup_plugins(host, options, err);
  const Inspected inspected = saving::detect_model_file_format(path) == saving::ModelFileFormat::legacy_h5
                                  ? read_legacy(path)
                                  : read_archive(path);
  ConfigKeys keys;
  collect_keys(inspected.config, keys);
  collect_keys(inspected.compile_config, keys);
  const std::vector<PackageReport> packages = package_reports(keys, host);
  bool missing = false;
  for (const auto& p : packages) missing |= !p.registered;
  std::string build_error;
  const ModelPtr model = build_uncompiled(inspected.config, host, options, build_error);
  if (options.json) {
    write_json_report(out, path, inspected, packages, keys, model.get(), build_error);
  } else {
    write_text_report(out, path, inspected, packages, keys, model.get(), build_error);
  }
  if (!model) {
    err << path << ": error: the model cannot be built: " << build_error << "\n";
    return kExitFailure;
  }
  if (missing) {
    err << path << ": error: packages the model needs are missing\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace kplug::cli
