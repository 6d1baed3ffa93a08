#include "kplug/serve/metrics.hpp"

#include <charconv>

namespace kplug::serve {
namespace {

const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,     10};
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

// A Prometheus label value: quoted with \\, \" and \n escaped.
std::string label(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out + "\"";
}

std::string number(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace

void Metrics::record_request(const std::string& model, unsigned status, std::chrono::microseconds latency) {
  const std::lock_guard lock(mutex_);
  ++requests_[{model, status}];
  if (!model.empty()) observe(latency_[model], kLatencyBounds, static_cast<double>(latency.count()) / 1e6);
}

void Metrics::record_batch(const std::string& model, std::int64_t rows) {
  const std::lock_guard lock(mutex_);
  observe(batch_rows_[model], kBatchBounds, static_cast<double>(rows));
}

void Metrics::record_connection_refused() {
  const std::lock_guard lock(mutex_);
  ++connections_refused_;
}

std::map<std::string, std::uint64_t> Metrics::request_counts() const {
  const std::lock_guard lock(mutex_);
  std::map<std::string, std::uint64_t> counts;
  for (const auto& [key, count] : requests_) counts[key.first] += count;
  return counts;
}

void Metrics::observe(Histogram& h, const std::vector<double>& bounds, double value) {
  if (h.buckets.empty()) h.buckets.assign(bounds.size(), 0);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += value;
}

void Metrics::render(std::string& out, const std::string& name, const std::string& model, const Histogram& h,
                     const std::vector<double>& bounds) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += h.buckets[i];
    out += name + "_bucket{model=" + label(model) + ",le=\"" + number(bounds[i]) + "\"} " + std::to_string(cumulative) +
           "\n";
  }
  out += name + "_bucket{model=" + label(model) + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
  out += name + "_sum{model=" + label(model) + "} " + number(h.sum) + "\n";
  out += name + "_count{model=" + label(model) + "} " + std::to_string(h.count) + "\n";
}

std::string Metrics::prometheus_text(const std::vector<Gauge>& gauges) const {
  const std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP kplug_serve_requests_total HTTP requests answered, per model and status code.\n";
  out += "# TYPE kplug_serve_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += "kplug_serve_requests_total{model=" + label(key.first) + ",code=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(count) + "\n";
  }
  out += "# HELP kplug_serve_errors_total Requests answered with an error status (4xx, 5xx), per model and code.\n";
  out += "# TYPE kplug_serve_errors_total counter\n";
  for (const auto& [key, count] : requests_) {
    if (key.second < 400) continue;
    out += "kplug_serve_errors_total{model=" + label(key.first) + ",code=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(count) + "\n";
  }
  out += "# HELP kplug_serve_request_latency_seconds Time from reading a request to its answer.\n";
  out += "# TYPE kplug_serve_request_latency_seconds histogram\n";
  for (const auto& [model, h] : latency_) render(out, "kplug_serve_request_latency_seconds", model, h, kLatencyBounds);
  out += "# HELP kplug_serve_batch_size Rows per predict call.\n";
  out += "# TYPE kplug_serve_batch_size histogram\n";
  for (const auto& [model, h] : batch_rows_) render(out, "kplug_serve_batch_size", model, h, kBatchBounds);
  out +=
      "# HELP kplug_serve_connections_refused_total Connections answered 503 and closed: the server had its "
      "maximum number open.\n";
  out += "# TYPE kplug_serve_connections_refused_total counter\n";
  out += "kplug_serve_connections_refused_total " + std::to_string(connections_refused_) + "\n";
  for (const Gauge& gauge : gauges) {
    out += "# HELP kplug_serve_" + gauge.name + " " + gauge.help + "\n";
    out += "# TYPE kplug_serve_" + gauge.name + " gauge\n";
    for (const auto& [model, value] : gauge.per_model) {
      out += "kplug_serve_" + gauge.name + "{model=" + label(model) + "} " + number(value) + "\n";
    }
  }
  return out;
}

}  // namespace kplug::serve
