// What the HTTP side of a server shares: its options, its models (each with its version
// manager and its batcher) and its metrics.
#pragma once

#include "kplug/serve/batching.hpp"
#include "kplug/serve/metrics.hpp"
#include "kplug/serve/model_manager.hpp"
#include "kplug/serve/server.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace kplug::serve::detail {

struct ServedModel {
  std::unique_ptr<ModelManager> manager;
  std::unique_ptr<Batcher> batcher;  // null when batching is off
};

struct ServeState {
  ServerOptions options;
  std::map<std::string, ServedModel, std::less<>> models;
  Metrics metrics;
  std::atomic<bool> draining{false};             // stop() was called: answer, then close
  std::atomic<std::size_t> open_connections{0};  // sessions admitted (under options.max_connections)
};

// An HTTP answer; `model` names the model it was about (for metrics), "" when none.
struct HttpAnswer {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string allow;  // the Allow header of a 405
  std::string model;
};

using Reply = std::function<void(HttpAnswer)>;

// Routes one request; `reply` runs exactly once, now or later on a batch thread.
void route(ServeState& state, std::string_view method, std::string_view target, std::string body, Reply reply);

// The page at `/`.
std::string status_page(const ServeState& state);

HttpAnswer make_answer(unsigned status, std::string body, std::string content_type = "application/json",
                       std::string model = {});
// {"error": message} with `status`.
HttpAnswer error_answer(unsigned status, std::string_view message, std::string model = {});

}  // namespace kplug::serve::detail
