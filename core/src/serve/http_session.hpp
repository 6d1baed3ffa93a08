// One HTTP/1.1 connection: reads requests one after the other (pipelined ones in order),
// answers each (predicts asynchronously, on the model's batch threads) and keeps the
// connection alive, under the idle, header and body timeouts.
#pragma once

#include "serve/serve_state.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace kplug::serve::detail {

class HttpSession;

// The live sessions, so that stop() can close the idle ones.
class SessionRegistry {
 public:
  void add(const std::shared_ptr<HttpSession>& session);
  // Closes the idle sessions; the busy ones close after their answer.
  void close_idle();

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<HttpSession>> sessions_;
};

// Starts serving `socket` (whose executor is a strand). Past ServerOptions::max_connections
// open, its request is answered 503 and it is closed.
void start_session(boost::asio::ip::tcp::socket socket, ServeState& state, SessionRegistry& registry);

}  // namespace kplug::serve::detail
