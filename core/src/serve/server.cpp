#include "kplug/serve/server.hpp"

#include "serve/http_session.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <thread>

namespace kplug::serve {
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::vector<std::unique_ptr<net::io_context>> make_contexts(int threads) {
  std::vector<std::unique_ptr<net::io_context>> contexts;
  for (int i = 0; i < std::max(threads, 1); ++i) contexts.push_back(std::make_unique<net::io_context>(1));
  return contexts;
}

struct Server::Impl {
  explicit Impl(ServerOptions options) : contexts(make_contexts(options.io_threads)), acceptor(*contexts.front()) {
    state.options = std::move(options);
    for (const ModelConfig& config : state.options.models) {
      auto on_batch = [this, name = config.name](std::int64_t rows) { state.metrics.record_batch(name, rows); };
      detail::ServedModel& model = state.models[config.name];
      model.manager = std::make_unique<ModelManager>(config, state.options.load, state.options.log);
      if (state.options.batching.enabled) model.batcher = std::make_unique<Batcher>(state.options.batching, on_batch);
    }
  }

  // One io_context per io thread, each connection on one of them in turn: a connection's reads,
  // predicts and writes stay on one thread, never handed to another (a wake-up of another
  // thread costs more than predicting a small model).
  void accept() {
    net::io_context& next = *contexts[next_context++ % contexts.size()];
    acceptor.async_accept(next, [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // answers go out whole, at once
        detail::start_session(std::move(socket), state, sessions);
      }
      accept();
    });
  }

  // Polls every model at once, then every poll_interval until stop().
  void poll_loop() {
    std::unique_lock lock(poll_mutex);
    do {
      lock.unlock();
      for (auto& [name, model] : state.models) model.manager->poll();
      lock.lock();
    } while (!poll_wake.wait_for(lock, state.options.poll_interval, [this] { return stopping; }));
  }

  detail::ServeState state;
  detail::SessionRegistry sessions;
  std::vector<std::unique_ptr<net::io_context>> contexts;  // one per io thread; the first accepts
  std::size_t next_context = 0;
  tcp::acceptor acceptor;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> idle_guards;
  std::vector<std::thread> io_threads;
  std::thread poll_thread;
  std::mutex poll_mutex;  // guards stopping, for poll_wake
  std::condition_variable poll_wake;
  bool stopping = false;
  bool started = false;
  bool joined = false;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  stop();
  wait();
}

void Server::start() {
  Impl& impl = *impl_;
  const tcp::endpoint endpoint(net::ip::make_address(impl.state.options.host), impl.state.options.port);
  impl.acceptor.open(endpoint.protocol());
  impl.acceptor.set_option(net::socket_base::reuse_address(true));
  impl.acceptor.bind(endpoint);
  impl.acceptor.listen(net::socket_base::max_listen_connections);
  impl.accept();
  impl.started = true;
  // Every context is kept running by a guard until stop() (a pending accept counts as work of the
  // context it accepts into, not the acceptor's); after it, each ends with its last connection.
  for (auto& context : impl.contexts) impl.idle_guards.push_back(net::make_work_guard(*context));
  for (auto& context : impl.contexts) impl.io_threads.emplace_back([&context] { context->run(); });
  impl.poll_thread = std::thread([&impl] { impl.poll_loop(); });
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

bool Server::ready() const {
  for (const auto& [name, model] : impl_->state.models) {
    if (!model.manager->ready()) return false;
  }
  return true;
}

bool Server::wait_until_ready(std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!ready() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return ready();
}

void Server::poll_models() {
  for (auto& [name, model] : impl_->state.models) model.manager->poll();
}

void Server::stop() {
  Impl& impl = *impl_;
  if (impl.state.draining.exchange(true)) return;
  {
    const std::lock_guard lock(impl.poll_mutex);
    impl.stopping = true;
  }
  impl.poll_wake.notify_all();
  net::post(*impl.contexts.front(), [&impl] {
    boost::system::error_code ec;
    impl.acceptor.close(ec);
  });
  net::post(*impl.contexts.front(), [&impl] {
    for (auto& guard : impl.idle_guards) guard.reset();
  });
  impl.sessions.close_idle();
}

void Server::wait() {
  Impl& impl = *impl_;
  if (impl.joined || !impl.started) return;
  impl.joined = true;
  // The io threads end when the last connection closed; queued predicts have answered by then.
  for (std::thread& t : impl.io_threads) t.join();
  if (impl.poll_thread.joinable()) impl.poll_thread.join();
  for (auto& [name, model] : impl.state.models) {
    if (model.batcher) model.batcher->stop();
  }
}

}  // namespace kplug::serve
