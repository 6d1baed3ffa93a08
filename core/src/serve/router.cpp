#include "kplug/errors.hpp"
#include "serve/serve_state.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <optional>

namespace kplug::serve::detail {
namespace json = boost::json;
namespace {

// /v1/models/<name>[/versions/<v>][/metadata | :predict]
struct ModelPath {
  std::string name;
  std::optional<std::int64_t> version;
  std::string action;  // "", "metadata", "predict", or another :verb
};

std::optional<ModelPath> parse_model_path(std::string_view path) {
  constexpr std::string_view prefix = "/v1/models/";
  if (!path.starts_with(prefix)) return std::nullopt;
  path.remove_prefix(prefix.size());
  ModelPath out;
  const std::size_t name_end = path.find_first_of("/:");
  out.name = std::string(path.substr(0, name_end));
  path = name_end == std::string_view::npos ? std::string_view{} : path.substr(name_end);
  if (out.name.empty()) return std::nullopt;
  if (path.starts_with("/versions/")) {
    path.remove_prefix(10);
    std::int64_t version = 0;
    const auto result = std::from_chars(path.data(), path.data() + path.size(), version);
    if (result.ec != std::errc() || result.ptr == path.data() || version < 0) return std::nullopt;
    out.version = version;
    path.remove_prefix(static_cast<std::size_t>(result.ptr - path.data()));
  }
  if (path == "/metadata") {
    out.action = "metadata";
  } else if (path.starts_with(":")) {
    out.action = std::string(path.substr(1));
  } else if (!path.empty()) {
    return std::nullopt;
  }
  return out;
}

std::string spec_text(const ModelPath& p) {
  return p.version ? "Specific(" + p.name + ", " + std::to_string(*p.version) + ")" : "Latest(" + p.name + ")";
}

json::object tensor_info(const TensorSpec& spec) {
  json::array dims;
  for (const Dim& d : spec.shape.dims())
    dims.push_back(json::object{{"size", std::to_string(d.value_or(-1))}, {"name", ""}});
  return {{"dtype", tf_dtype_name(spec.dtype)},
          {"tensor_shape", json::object{{"dim", std::move(dims)}, {"unknown_rank", false}}},
          {"name", spec.name}};
}

HttpAnswer metadata(const Servable& servable) {
  json::object inputs, outputs;
  for (const TensorSpec& spec : servable.signature().inputs) inputs[spec.name] = tensor_info(spec);
  for (const TensorSpec& spec : servable.signature().outputs) outputs[spec.name] = tensor_info(spec);
  json::object signature{
      {"inputs", std::move(inputs)}, {"outputs", std::move(outputs)}, {"method_name", "tensorflow/serving/predict"}};
  json::object body{
      {"model_spec",
       json::object{
           {"name", servable.name()}, {"signature_name", ""}, {"version", std::to_string(servable.version())}}},
      {"metadata",
       json::object{{"signature_def",
                     json::object{{"signature_def", json::object{{kDefaultSignature, std::move(signature)}}}}}}}};
  return make_answer(200, json::serialize(body), "application/json", servable.name());
}

HttpAnswer model_status(const ModelManager& manager, const ModelPath& p) {
  json::array list;
  for (const VersionStatus& s : manager.statuses()) {
    if (p.version && s.version != *p.version) continue;
    const bool failed = !s.error.empty();
    list.push_back(
        json::object{{"version", std::to_string(s.version)},
                     {"state", version_state_name(s.state)},
                     {"status", json::object{{"error_code", failed ? "UNKNOWN" : "OK"}, {"error_message", s.error}}}});
  }
  if (list.empty()) {
    return error_answer(404,
                        p.version ? "Servable not found for request: " + spec_text(p)
                                  : "Could not find any versions of model " + p.name,
                        p.name);
  }
  return make_answer(200, json::serialize(json::object{{"model_version_status", std::move(list)}}), "application/json",
                     p.name);
}

// The answer to a finished predict (on a batch thread).
HttpAnswer predict_answer(const BatchResult& result, RequestFormat format, const Servable& servable) {
  if (!result.error) {
    return make_answer(200, encode_predict_response(format, servable.signature(), result.outputs), "application/json",
                       servable.name());
  }
  try {
    std::rethrow_exception(result.error);
  } catch (const RequestError& e) {
    return error_answer(e.status(), e.what(), servable.name());
  } catch (const Error& e) {
    return error_answer(400, e.what(), servable.name());  // the model refused these inputs
  } catch (const std::exception& e) {
    return error_answer(500, std::string("predict failed: ") + e.what(), servable.name());
  }
}

void predict(ServeState& state, ServedModel& model, const ModelPath& p, std::string_view body, const Reply& reply) {
  auto servable = model.manager->servable(p.version);
  if (!servable) {
    if (!model.manager->ready())
      return reply(error_answer(503, "Model " + p.name + " is loading: no version is available yet", p.name));
    return reply(error_answer(404, "Servable not found for request: " + spec_text(p), p.name));
  }
  PredictRequest request = decode_predict_request(body, servable->signature(), state.options.decode);
  const RequestFormat format = request.format;
  if (!model.batcher) {  // batching off: predict on this io thread, no hand-over to another one
    BatchResult result;
    try {
      result.outputs = servable->predict(request.inputs);
    } catch (...) {
      result.error = std::current_exception();
    }
    state.metrics.record_batch(p.name, request.batch_size);
    return reply(predict_answer(result, format, *servable));
  }
  BatchTask task{servable, std::move(request.inputs), std::chrono::steady_clock::now() + state.options.request_timeout,
                 [reply, format, servable](BatchResult result) { reply(predict_answer(result, format, *servable)); }};
  if (!model.batcher->submit(task)) {
    reply(error_answer(503, "The batch scheduling queue to which this task was submitted is full", p.name));
  }
}

HttpAnswer method_not_allowed(std::string_view method, std::string_view path, const char* allow,
                              std::string model = {}) {
  HttpAnswer answer = error_answer(
      405, "Method " + std::string(method) + " is not allowed on " + std::string(path) + " (use " + allow + ")",
      std::move(model));
  answer.allow = allow;
  return answer;
}

void route_model(ServeState& state, std::string_view method, std::string_view path, const ModelPath& p,
                 std::string_view body, const Reply& reply) {
  const auto found = state.models.find(p.name);
  if (found == state.models.end()) {
    const bool status = p.action.empty() && !p.version;  // TF Serving's answers to each
    return reply(error_answer(404, status ? "Could not find any versions of model " + p.name
                                          : "Servable not found for request: " + spec_text(p)));
  }
  ServedModel& model = found->second;
  if (p.action == "predict") {
    if (method != "POST") return reply(method_not_allowed(method, path, "POST", p.name));
    return predict(state, model, p, body, reply);
  }
  if (p.action == "classify" || p.action == "regress") {
    return reply(
        error_answer(400, "kplug serves :predict only (a Keras model has no " + p.action + " signature)", p.name));
  }
  if (!p.action.empty() && p.action != "metadata") {
    return reply(error_answer(404, "Malformed request: " + std::string(method) + " " + std::string(path), p.name));
  }
  if (method != "GET") return reply(method_not_allowed(method, path, "GET", p.name));
  if (p.action.empty()) return reply(model_status(*model.manager, p));
  auto servable = model.manager->servable(p.version);
  if (servable) return reply(metadata(*servable));
  if (!model.manager->ready())
    return reply(error_answer(503, "Model " + p.name + " is loading: no version is available yet", p.name));
  reply(error_answer(404, "Servable not found for request: " + spec_text(p), p.name));
}

std::vector<Metrics::Gauge> gauges(const ServeState& state) {
  Metrics::Gauge queue{"queue_depth", "Predict requests waiting for a batch thread.", {}};
  Metrics::Gauge loaded{"loaded_version", "The version being served (0: none yet).", {}};
  for (const auto& [name, model] : state.models) {
    queue.per_model.emplace_back(name, model.batcher ? static_cast<double>(model.batcher->queued_tasks()) : 0.0);
    const auto servable = model.manager->servable();
    loaded.per_model.emplace_back(name, servable ? static_cast<double>(servable->version()) : 0.0);
  }
  return {queue, loaded};
}

HttpAnswer health(const ServeState& state) {
  json::object models;
  bool ready = true;
  for (const auto& [name, model] : state.models) {
    const bool loaded = model.manager->ready();
    ready = ready && loaded;
    models[name] = loaded ? "AVAILABLE" : "LOADING";
  }
  return make_answer(ready ? 200u : 503u,
                     json::serialize(json::object{{"ready", ready}, {"models", std::move(models)}}));
}

void route_service(ServeState& state, std::string_view method, std::string_view path, const Reply& reply) {
  if (method != "GET" && method != "HEAD") return reply(method_not_allowed(method, path, "GET"));
  if (path == "/healthz") return reply(health(state));
  if (path == "/livez") return reply(make_answer(200, "{\"alive\":true}"));
  if (path == "/metrics")
    return reply(make_answer(200, state.metrics.prometheus_text(gauges(state)), "text/plain; version=0.0.4"));
  reply(make_answer(200, status_page(state), "text/html; charset=utf-8"));
}

}  // namespace

HttpAnswer make_answer(unsigned status, std::string body, std::string content_type, std::string model) {
  HttpAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  answer.content_type = std::move(content_type);
  answer.model = std::move(model);
  return answer;
}

HttpAnswer error_answer(unsigned status, std::string_view message, std::string model) {
  return make_answer(status, encode_error(message), "application/json", std::move(model));
}

void route(ServeState& state, std::string_view method, std::string_view target, std::string body, Reply reply) {
  const std::string_view path = target.substr(0, target.find('?'));
  try {
    if (path == "/" || path == "/healthz" || path == "/livez" || path == "/metrics") {
      return route_service(state, method, path, reply);
    }
    if (const auto p = parse_model_path(path)) return route_model(state, method, path, *p, body, reply);
    reply(error_answer(404, "Malformed request: " + std::string(method) + " " + std::string(path)));
  } catch (const RequestError& e) {
    const auto p = parse_model_path(path);
    reply(error_answer(e.status(), e.what(), p ? p->name : ""));
  } catch (const Error& e) {  // the request asked for something the model cannot take
    const auto p = parse_model_path(path);
    reply(error_answer(400, e.what(), p ? p->name : ""));
  }
}

}  // namespace kplug::serve::detail
