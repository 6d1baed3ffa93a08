// The page at `/`: plain HTML written here, one small script for the predict form.
#include "serve/serve_state.hpp"

#include <boost/json.hpp>

namespace kplug::serve::detail {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string dims_text(const PartialShape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.rank(); ++i)
    text += (i ? ", " : "") + (shape[i] ? std::to_string(*shape[i]) : "-1");
  return text + "]";
}

// Zeros shaped as one instance of `spec` (unknown dims: 1).
boost::json::value zeros(const TensorSpec& spec, std::size_t axis = 1) {
  if (axis >= spec.shape.rank()) return spec.dtype == DType::bool_ ? boost::json::value(false) : boost::json::value(0);
  boost::json::array list;
  const std::int64_t length = spec.shape[axis].value_or(1);
  for (std::int64_t i = 0; i < length; ++i) list.push_back(zeros(spec, axis + 1));
  return list;
}

std::string example_request(const Signature& signature) {
  boost::json::value instance;
  if (signature.inputs.size() == 1) {
    instance = zeros(signature.inputs[0]);
  } else {
    boost::json::object named;
    for (const TensorSpec& spec : signature.inputs) named[spec.name] = zeros(spec);
    instance = std::move(named);
  }
  return boost::json::serialize(boost::json::object{{"instances", boost::json::array{instance}}});
}

std::string signature_rows(const char* role, const std::vector<TensorSpec>& specs) {
  std::string out;
  for (const TensorSpec& spec : specs) {
    out += "<tr><td>" + std::string(role) + "</td><td>" + escape(spec.name) + "</td><td>" + tf_dtype_name(spec.dtype) +
           "</td><td>" + dims_text(spec.shape) + "</td></tr>\n";
  }
  return out;
}

std::string model_section(const std::string& name, const ModelManager& manager, std::uint64_t requests) {
  std::string out =
      "<section class=\"model\" id=\"model-" + escape(name) + "\">\n<h2>Model " + escape(name) + "</h2>\n";
  out += "<p>Requests answered: <span class=\"requests\">" + std::to_string(requests) + "</span></p>\n";
  out += "<table><tr><th>Version</th><th>State</th><th>Error</th></tr>\n";
  for (const VersionStatus& s : manager.statuses()) {
    out += "<tr><td>" + std::to_string(s.version) + "</td><td>" + version_state_name(s.state) + "</td><td>" +
           escape(s.error) + "</td></tr>\n";
  }
  out += "</table>\n";
  const auto servable = manager.servable();
  if (!servable) return out + "<p>No version loaded yet.</p>\n</section>\n";
  out += "<h3>Signature serving_default</h3>\n<table><tr><th></th><th>Name</th><th>Dtype</th><th>Shape</th></tr>\n";
  out +=
      signature_rows("input", servable->signature().inputs) + signature_rows("output", servable->signature().outputs);
  out += "</table>\n<h3>Summary (version " + std::to_string(servable->version()) + ")</h3>\n<pre class=\"summary\">" +
         escape(servable->summary()) + "</pre>\n";
  out += "<form class=\"predict\" data-model=\"" + escape(name) +
         "\"><h3>Predict</h3>\n<textarea name=\"body\" rows=\"4\" cols=\"80\">" +
         escape(example_request(servable->signature())) +
         "</textarea><br><button type=\"submit\">POST :predict</button>\n<pre class=\"result\"></pre></form>\n";
  return out + "</section>\n";
}

// Sends the form's body to the model's :predict and shows the answer; `#predict` in the URL
// sends every form once the page is loaded.
constexpr const char* kScript = R"(<script>
for (const form of document.querySelectorAll('form.predict')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = form.querySelector('.result');
    const answer = await fetch('/v1/models/' + form.dataset.model + ':predict',
                               {method: 'POST', body: form.elements.body.value});
    result.textContent = answer.status + ' ' + await answer.text();
  });
  if (location.hash === '#predict') form.requestSubmit();
}
</script>)";

}  // namespace

std::string status_page(const ServeState& state) {
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kplug serve</title>\n"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:2px 8px}pre{background:#f6f6f6;padding:8px}</style></head>\n"
      "<body><h1>kplug serve</h1>\n<p>TensorFlow Serving REST API: <code>POST /v1/models/&lt;name&gt;:predict</code>, "
      "<a href=\"/metrics\">/metrics</a>, <a href=\"/healthz\">/healthz</a></p>\n";
  const auto counts = state.metrics.request_counts();
  for (const auto& [name, model] : state.models) {
    const auto count = counts.find(name);
    out += model_section(name, *model.manager, count == counts.end() ? 0 : count->second);
  }
  return out + kScript + "\n</body></html>\n";
}

}  // namespace kplug::serve::detail
