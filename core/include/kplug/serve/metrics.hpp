// The server's counters, answered at /metrics in Prometheus's text format: requests and
// errors per model and HTTP code, a latency histogram per model, batch sizes, connections refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)
namespace kplug::serve {

class Metrics {
 public:
  // One answered request; `model` empty for requests that name none (/healthz, unknown paths).
  void record_request(const std::string& model, unsigned status, std::chrono::microseconds latency);
  void record_batch(const std::string& model, std::int64_t rows);
  // A connection refused: ServerOptions::max_connections were open.
  void record_connection_refused();

  // Requests answered per model (every code), for the status page.
  std::map<std::string, std::uint64_t> request_counts() const;

  // Gauges sampled at scrape time: (metric suffix, model) -> value.
  struct Gauge {
    std::string name;  // e.g. "queue_depth"
    std::string help;
    std::vector<std::pair<std::string, double>> per_model;
  };
  std::string prometheus_text(const std::vector<Gauge>& gauges) const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative at render time, per bound here
    std::uint64_t count = 0;
    double sum = 0;
  };
  static void observe(Histogram& h, const std::vector<double>& bounds, double value);
  static void render(std::string& out, const std::string& name, const std::string& model, const Histogram& h,
                     const std::vector<double>& bounds);

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, Histogram> batch_rows_;
  std::uint64_t connections_refused_ = 0;
};

}  // namespace kplug::serve
#pragma GCC visibility pop
