// kplug::serve::Server: TensorFlow Serving's REST API over HTTP/1.1 (Boost.Beast, keep-alive,
// a thread pool) for Keras models loaded with kplug, custom layers from plugins included.
//
//   GET  /v1/models/<name>[/versions/<v>]            version status
//   GET  /v1/models/<name>[/versions/<v>]/metadata   signature
//   POST /v1/models/<name>[/versions/<v>]:predict    {"instances": ...} or {"inputs": ...}
//   GET  /healthz (ready: every model loaded), /livez, /metrics (Prometheus), / (status page)
//
// The server keeps no state a replica would need: run N of them behind any load balancer.
#pragma once

#include "kplug/saving/keras_file.hpp"
#include "kplug/serve/model_config.hpp"
#include "kplug/serve/request_codec.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#pragma GCC visibility push(default)
namespace kplug::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8501;  // 0: a free port, see Server::port()
  std::vector<ModelConfig> models;
  // How models load: plugins (key_provider = the PluginHost, which must outlive the server),
  // safe mode, archive limits.
  saving::LoadModelOptions load;
  int io_threads = 2;                             // HTTP: reading, decoding and answering requests
  BatchingOptions batching;                       // predict threads per model and batching
  std::chrono::milliseconds poll_interval{1000};  // new versions (TF Serving's file_system_poll_wait_seconds)

  // Limits: a body over max_body_bytes answers 413; a client idle (between requests), slow to
  // send its header or its body past these timeouts is disconnected; a request not answered
  // by request_timeout answers 408.
  std::size_t max_body_bytes = std::size_t{64} << 20;
  DecodeLimits decode;
  // Connections open at once; one more is answered 503 and closed (counted in /metrics as
  // kplug_serve_connections_refused_total). 0: no limit.
  std::size_t max_connections = 1000;
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds request_timeout{30'000};

  std::function<void(const std::string&)> log;  // one line per event (loads, failures); null: none
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // stop() and wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (a std::system_error when it cannot), then serves on background threads;
  // models load in the background (503 for them until loaded).
  void start();
  std::uint16_t port() const;  // the bound port (after start)

  bool ready() const;  // every model has a version loaded
  // Until ready() or `timeout`; returns ready().
  bool wait_until_ready(std::chrono::milliseconds timeout) const;
  // Loads new versions now, on the caller's thread (tests; the poll thread does it too).
  void poll_models();

  // Graceful: stops accepting, answers the requests in flight, closes idle connections.
  void stop();
  // Blocks until every thread ended (after stop()).
  void wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kplug::serve
#pragma GCC visibility pop
