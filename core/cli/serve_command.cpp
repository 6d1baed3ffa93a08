// kplug serve: the CLI over kplug::serve::Server. Runs until SIGTERM or SIGINT, then stops
// accepting, answers the requests in flight and exits 0.
#include "commands.hpp"
#include "plugin_setup.hpp"

#include "kplug/serve/server.hpp"
#include "kplug/threading.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <thread>

#include <pthread.h>

namespace kplug::cli {
namespace {

serve::ServerOptions server_options(const CommonOptions& options, PluginHost& host, std::ostream& err) {
  const ServeFlags& flags = options.serve;
  serve::ServerOptions server;
  if (!flags.model_config_file.empty()) {
    server.models =
        in_file(flags.model_config_file, [&] { return serve::read_model_config_file(flags.model_config_file); });
  } else if (!flags.model_base_path.empty()) {
    server.models.push_back({flags.model_name, flags.model_base_path});
  } else {
    throw UsageError{"give --model-base-path DIR (with --model-name) or --model-config-file FILE"};
  }
  server.host = flags.host;
  server.port = static_cast<std::uint16_t>(flags.port);
  server.io_threads = flags.threads;
  server.load.key_provider = &host;
  server.load.safe_mode = !options.unsafe;
  server.batching.num_batch_threads = flags.num_batch_threads;
  server.batching.enabled = flags.enable_batching;
  if (!flags.batching_parameters_file.empty()) {
    in_file(flags.batching_parameters_file,
            [&] { serve::read_batching_parameters_file(flags.batching_parameters_file, server.batching); });
  }
  server.poll_interval = std::chrono::milliseconds(static_cast<long long>(flags.poll_seconds * 1000));
  server.max_body_bytes = static_cast<std::size_t>(flags.max_body_bytes);
  server.request_timeout = std::chrono::milliseconds(flags.request_timeout_ms);
  server.idle_timeout = std::chrono::milliseconds(flags.idle_timeout_ms);
  server.header_timeout = std::chrono::milliseconds(flags.header_timeout_ms);
  server.body_timeout = std::chrono::milliseconds(flags.header_timeout_ms * 3);
  server.decode.max_json_depth = static_cast<std::size_t>(flags.max_json_depth);
  server.decode.max_elements = static_cast<std::size_t>(flags.max_elements);
  server.max_connections = static_cast<std::size_t>(flags.max_connections);
  auto lock = std::make_shared<std::mutex>();  // log lines come from the poll thread
  server.log = [&err, lock](const std::string& line) {
    const std::lock_guard guard(*lock);
    err << "kplug serve: " << line << std::endl;
  };
  return server;
}

// Predicts run on several threads at once (the HTTP threads, or every model's batch threads):
// unless told otherwise, each call gets its share of the cores, not all of them (a call's
// thread team on a core another call keeps busy waits at every barrier: on 2 cores, cnn's
// predict of one row took 36 us at 2 threads against 12 at 1, and milliseconds with the other
// core busy).
void set_predict_threads(const ServeFlags& flags, const serve::ServerOptions& server) {
  if (flags.intra_op_threads > 0) return kplug::set_num_threads(flags.intra_op_threads);
  if (std::getenv("KPLUG_NUM_THREADS")) return;  // the user's own setting stands
  const auto models = static_cast<int>(server.models.size());
  const int predictors = server.batching.enabled ? server.batching.num_batch_threads * models : server.io_threads;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  kplug::set_num_threads(std::max(1, cores / std::max(predictors, 1)));
}

}  // namespace

int run_serve(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  PluginHost host;  // outlives the server: the plugins' code stays loaded while models use it
  setup_plugins(host, options, err);
  serve::ServerOptions server_setup = server_options(options, host, err);
  set_predict_threads(options.serve, server_setup);
  serve::Server server(std::move(server_setup));
  // SIGTERM and SIGINT wait for sigwait below: blocked here, before any thread starts, so that
  // every thread inherits the mask and none is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  server.start();
  out << "kplug serve: listening on http://" << options.serve.host << ":" << server.port() << std::endl;
  err << "kplug serve: " << kplug::get_num_threads() << " thread(s) per predict call" << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  err << "kplug serve: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT") << ": finishing the requests in flight"
      << std::endl;
  server.stop();
  server.wait();
  err << "kplug serve: stopped" << std::endl;
  return kExitOk;
}

}  // namespace kplug::cli
