// kplug inspect MODEL.keras [--json]: what a `.keras` archive (or its folder) holds, its
// compile information and the packages it needs, with the plugin providing each. The model
// is built (compile off) for its summary only; no weight is read.
#include "commands.hpp"
#include "model_loading.hpp"
#include "plugin_setup.hpp"

#include "kplug/json.hpp"
#include "kplug/registry.hpp"
#include "kplug/saving/keras_file.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value_from.hpp>

#include <map>
#include <ostream>
#include <set>

namespace kplug::cli {
namespace {

// "package>name" keys the config names: registered names, function names, compile strings.
void collect_keys(const boost::json::value& v, std::set<std::string>& keys) {
  auto add = [&](const boost::json::value& s) {
    if (s.is_string() && s.get_string().find('>') != boost::json::string::npos)
      keys.insert(std::string(s.get_string()));
  };
  if (const auto* o = v.if_object()) {
    if (const auto* registered = o->if_contains("registered_name")) add(*registered);
    const auto* class_name = o->if_contains("class_name");
    if (class_name && class_name->is_string() && class_name->get_string() == "function") {
      if (const auto* config = o->if_contains("config")) add(*config);
    }
    for (const auto& item : *o) {
      if (item.key() == "loss" || item.key() == "metrics" || item.key() == "weighted_metrics") {
        add(item.value());
        if (const auto* a = item.value().if_array()) {
          for (const auto& e : *a) add(e);
        }
        if (const auto* d = item.value().if_object()) {
          for (const auto& e : *d) add(e.value());
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
  std::string provided_by;           // the loaded plugin ("" = none)
  bool registered = true;            // every key resolves
  std::vector<std::string> indexed;  // indexed plugin files declaring the package
};

std::vector<PackageReport> package_reports(const std::set<std::string>& keys, const PluginHost& host) {
  std::map<std::string, PackageReport> by_package;
  const std::vector<PluginListing> loaded = host.loaded();
  const auto index = host.indexed_packages();
  for (const std::string& key : keys) {
    PackageReport& report = by_package[package_of(key)];
    report.package = package_of(key);
    report.keys.push_back(key);
    if (!get_registered_object(key)) report.registered = false;
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

}  // namespace

int run_inspect(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.size() != 1) throw UsageError{"inspect takes one MODEL.keras"};
  const std::string& path = options.positional[0];
  PluginHost host;
  setup_plugins(host, options, err);
  const saving::KerasFileContents contents = in_file(path, [&] { return saving::read_keras_file(path); });
  const boost::json::value config = in_file(path + "/config.json", [&] { return json::parse(contents.config); });
  boost::json::value metadata;
  if (contents.metadata) metadata = in_file(path + "/metadata.json", [&] { return json::parse(*contents.metadata); });
  const auto* config_object = config.if_object();
  const boost::json::value* found = config_object ? config_object->if_contains("compile_config") : nullptr;
  const boost::json::value compile_config = found ? *found : boost::json::value();

  std::set<std::string> keys;
  collect_keys(config, keys);
  const std::vector<PackageReport> packages = package_reports(keys, host);
  bool missing = false;
  for (const auto& p : packages) missing |= !p.registered;

  // The model, without weights and without compiling, for its summary.
  ModelPtr model;
  std::string build_error;
  try {
    DeserializeOptions deserialize;
    deserialize.safe_mode = !options.unsafe;
    deserialize.key_provider = &host;
    boost::json::value uncompiled = config;
    if (auto* o = uncompiled.if_object()) o->erase("compile_config");
    SharedObjectLoadingScope sharing;
    model = model_from_config(uncompiled, deserialize);
  } catch (const Error& e) {
    build_error = e.what();
  }

  if (options.json) {
    boost::json::object report;
    report["file"] = path;
    report["members"] = boost::json::value_from(contents.members);
    report["weights_bytes"] = contents.weights_bytes;
    report["metadata"] = metadata;
    report["compile_config"] = compile_config;
    boost::json::array package_list;
    for (const auto& p : packages) {
      package_list.push_back(boost::json::object{
          {"package", p.package},
          {"keys", boost::json::value_from(p.keys)},
          {"provided_by", p.provided_by.empty() ? boost::json::value(nullptr) : boost::json::value(p.provided_by)},
          {"missing", !p.registered},
          {"indexed_plugins", boost::json::value_from(p.indexed)}});
    }
    report["packages"] = std::move(package_list);
    if (model) {
      report["summary"] = summary_json(*model);
    } else {
      report["error"] = build_error;
    }
    out << json::write(report) << "\n";
  } else {
    out << "File: " << path << "\n";
    out << "Members: ";
    for (std::size_t i = 0; i < contents.members.size(); ++i) out << (i ? ", " : "") << contents.members[i];
    out << "\nWeights: " << contents.weights_bytes << " bytes\n";
    if (const auto* m = metadata.if_object()) {
      for (const auto& item : *m) out << "Metadata " << item.key() << ": " << json::write(item.value()) << "\n";
    } else {
      out << "Metadata: none\n";
    }
    if (compile_config.is_object() && !compile_config.get_object().empty()) {
      out << "Compiled:\n";
      for (const char* key : {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"}) {
        const std::string line = compile_line(compile_config, key);
        if (!line.empty()) out << "  " << key << ": " << line << "\n";
      }
    } else {
      out << "Compiled: no\n";
    }
    out << "Packages:" << (packages.empty() ? " none (built-in objects only)" : "") << "\n";
    for (const auto& p : packages) {
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
    if (model) {
      out << model->summary();
    } else {
      out << "Summary unavailable: " << build_error << "\n";
    }
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
