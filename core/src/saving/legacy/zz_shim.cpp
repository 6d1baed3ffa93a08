// TEMPORARY SHIM (lead), never committed.
#include "kplug/saving/legacy_config.hpp"
namespace kplug::saving::legacy {
static void add_module(boost::json::value& v) {
  if (auto* o = v.if_object()) { if (o->contains("class_name") && o->contains("config") && !o->contains("module")) (*o)["module"] = "keras.src.legacy";
    for (auto& kv : *o) add_module(kv.value()); }
  else if (auto* a = v.if_array()) for (auto& x : *a) add_module(x); }
boost::json::value upgrade_model_config(const boost::json::value& config, UpgradeReport&) { auto c = config; add_module(c); return c; }
boost::json::value compile_config_from_training_config(const boost::json::value& t, UpgradeReport&) {
  boost::json::object c; const auto& o = t.as_object();
  for (const char* k : {"loss","metrics","loss_weights","weighted_metrics","run_eagerly","steps_per_execution","jit_compile"}) if (auto* v=o.if_contains(k)) c[k]=*v;
  if (auto* v=o.if_contains("optimizer_config")) c["optimizer"]=*v;
  return c; }
}
