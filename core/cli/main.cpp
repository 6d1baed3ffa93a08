// kplug: a thin command line over the library. Exit codes: 0 success, 1 usage error
// (bad flags or arguments), 2 failure (message on stderr, starting with the file).
#include "cli_options.hpp"
#include "commands.hpp"

#include "kplug/errors.hpp"
#include "kplug/version.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>

namespace {

using kplug::cli::CommonOptions;

constexpr const char* kFooter =
    "Exit codes: 0 success, 1 usage error, 2 failure.\n"
    "Environment: KPLUG_PLUGIN_PATH  directories (colon-separated) indexed, never loaded, so that\n"
    "             errors name the plugin that provides a missing package.\n"
    "             KPLUG_ISA  caps the kernels' instruction set (sse41, avx2, avx512_core, ...).";

// `kplug --version`: the release, the plugin ABI and the kernels' instruction set.
std::string version_text() {
  return "kplug " KPLUG_VERSION_STRING " (plugin ABI " + std::to_string(KPLUG_ABI_VERSION) +
         ", kernels: " + kplug::cli::kernels_text() + ")";
}

void add_deserialize_flags(CLI::App& command, CommonOptions& options) {
  command.add_option("--plugins", options.plugin_dirs, "Load the plugins in DIR first (repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false);  // one DIR per --plugins, so it never eats the MODEL argument
  command.add_flag("--unsafe", options.unsafe, "safe_mode=false (kplug still never runs Python code)");
}

CLI::App* add_roundtrip_command(CLI::App& app, CommonOptions& options) {
  CLI::App* roundtrip =
      app.add_subcommand("roundtrip", "Deserialize a Keras object dict, serialize it back, print the JSON");
  roundtrip->add_option("FILE", options.positional, "A JSON file, or - for stdin")->required()->expected(1);
  add_deserialize_flags(*roundtrip, options);
  auto* indent = roundtrip
                     ->add_option("--indent", options.indent,
                                  "Indent by N spaces (default 2, as "
                                  "json.dumps(indent=2))")
                     ->type_name("N")
                     ->check(CLI::Range(0, 16));
  roundtrip
      ->add_flag_callback(
          "--compact", [&options] { options.indent = -1; }, "One line, as to_json()")
      ->excludes(indent);
  return roundtrip;
}

CLI::App* add_plugins_command(CLI::App& app, CommonOptions& options) {
  CLI::App* plugins = app.add_subcommand(
      "plugins", "List plugins (name, version, ABI, packages, keys) from their files, without running them");
  plugins->add_option("DIR", options.positional, "Plugin directories")->required();
  plugins->add_flag("--load", options.load, "Also load each plugin and report the outcome");
  plugins->add_flag("--json", options.json, "Print a JSON array instead of text");
  return plugins;
}

CLI::App* add_summary_command(CLI::App& app, CommonOptions& options) {
  CLI::App* summary = app.add_subcommand("summary", "Print a model's summary table (as Keras's model.summary())");
  summary->add_option("MODEL", options.positional, "A model.json (model.to_json()) file")->required()->expected(1);
  add_deserialize_flags(*summary, options);
  summary->add_flag("--json", options.json, "Print the layers and parameter counts as JSON");
  return summary;
}

CLI::App* add_predict_command(CLI::App& app, CommonOptions& options) {
  CLI::App* predict = app.add_subcommand("predict", "Run a model on inputs from a JSON file");
  predict
      ->add_option("MODEL", options.positional,
                   "A model.json (model.to_json()) file with --weights, or a .keras archive (or its folder)")
      ->required()
      ->expected(1);
  predict->add_option("--weights", options.weights, "The weights of a model.json (.weights.h5)")->type_name("FILE");
  predict
      ->add_option("--input", options.input,
                   "Inputs: {\"inputs\": [{\"name\", \"dtype\", \"shape\", \"data\"}]}, data flat in C order")
      ->type_name("FILE")
      ->required();
  predict
      ->add_option("--output", options.output,
                   "Write the outputs there instead of stdout (same format, "
                   "under \"outputs\")")
      ->type_name("FILE");
  add_deserialize_flags(*predict, options);
  return predict;
}

CLI::App* add_inspect_command(CLI::App& app, CommonOptions& options) {
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Describe a .keras archive: metadata, compile information, packages and plugins, summary");
  inspect->add_option("MODEL", options.positional, "A .keras archive, or a folder saved with zipped=False")
      ->required()
      ->expected(1);
  add_deserialize_flags(*inspect, options);
  inspect->add_flag("--json", options.json, "Print the report as JSON");
  return inspect;
}

CLI::App* add_convert_command(CLI::App& app, CommonOptions& options) {
  CLI::App* convert = app.add_subcommand(
      "convert", "Convert a model between a .keras archive, its folder form and a .json + .weights.h5 pair");
  convert
      ->add_option("FILES", options.positional,
                   "IN then OUT: MODEL.keras, a folder (zipped=False), or MODEL.json (weights beside it as "
                   "MODEL.weights.h5)")
      ->required()
      ->expected(2);
  convert->add_option("--weights", options.weights, "The weights of a .json IN (default: IN's .weights.h5)")
      ->type_name("FILE");
  convert->add_option("--weights-out", options.weights_out, "Where a .json OUT's weights go (default: beside it)")
      ->type_name("FILE");
  add_deserialize_flags(*convert, options);
  return convert;
}

CLI::App* add_serve_command(CLI::App& app, CommonOptions& options) {
  CLI::App* serve = app.add_subcommand(
      "serve", "Serve models over TensorFlow Serving's REST API (predict, metadata, status) until SIGTERM");
  kplug::cli::ServeFlags& flags = options.serve;
  auto* base =
      serve->add_option("--model-base-path", flags.model_base_path, "DIR/<version>/model.keras, highest version served")
          ->type_name("DIR");
  serve->add_option("--model-name", flags.model_name, "The model's name in URLs (default: default)")->type_name("NAME");
  serve
      ->add_option("--model-config-file", flags.model_config_file,
                   "Several models: TF Serving's model_config_list text")
      ->type_name("FILE")
      ->excludes(base);
  serve->add_option("--plugins", options.plugin_dirs, "Load the plugins in DIR first (repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  serve->add_flag("--unsafe", options.unsafe, "safe_mode=false (kplug still never runs Python code)");
  serve->add_option("--port", flags.port, "The REST port (0: a free one, printed)")->check(CLI::Range(0, 65535));
  serve->add_option("--host", flags.host, "The address to listen on (default 127.0.0.1)");
  serve->add_option("--rest-api-num-threads", flags.threads, "HTTP threads")->check(CLI::Range(1, 256));
  serve->add_flag("--enable-batching", flags.enable_batching, "Merge concurrent predicts for a model into one call");
  serve
      ->add_option("--batching-parameters-file", flags.batching_parameters_file,
                   "TF Serving's batching parameters text (max_batch_size, batch_timeout_micros, ...)")
      ->type_name("FILE");
  serve->add_option("--num-batch-threads", flags.num_batch_threads, "Predict threads per model")
      ->check(CLI::Range(1, 256));
  serve
      ->add_option("--tensorflow-intra-op-parallelism", flags.intra_op_threads,
                   "Threads one predict call may use (0: the cores shared among the predict threads)")
      ->check(CLI::Range(0, 256));
  serve->add_option("--file-system-poll-wait-seconds", flags.poll_seconds, "How often new versions are looked for")
      ->check(CLI::Range(0.01, 86400.0));
  serve->add_option("--max-body-bytes", flags.max_body_bytes, "Larger request bodies answer 413")
      ->check(CLI::PositiveNumber);
  serve->add_option("--rest-api-timeout-in-ms", flags.request_timeout_ms, "A predict not started by then answers 408")
      ->check(CLI::PositiveNumber);
  serve->add_option("--idle-timeout-ms", flags.idle_timeout_ms, "Idle keep-alive connections close after this")
      ->check(CLI::PositiveNumber);
  serve
      ->add_option("--header-timeout-ms", flags.header_timeout_ms,
                   "A request header (and body) must arrive within this")
      ->check(CLI::PositiveNumber);
  serve->add_option("--max-json-depth", flags.max_json_depth, "Request bodies nested deeper answer 400")
      ->check(CLI::Range(1ll, 100000ll));
  serve
      ->add_option("--max-elements", flags.max_elements,
                   "Request bodies with more numbers (over every input) answer 400")
      ->check(CLI::PositiveNumber);
  serve
      ->add_option("--max-connections", flags.max_connections,
                   "Connections open at once; one more is answered 503 and closed (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  return serve;
}

// The application with every subcommand; their flags write into `options`.
void define_commands(CLI::App& app, CommonOptions& options) {
  app.footer(kFooter);
  app.set_version_flag("--version", version_text);
  app.require_subcommand(1);
  app.fallthrough(false);
  for (CLI::App* command :
       {add_roundtrip_command(app, options), add_plugins_command(app, options), add_summary_command(app, options),
        add_predict_command(app, options), add_inspect_command(app, options), add_convert_command(app, options),
        add_serve_command(app, options)}) {
    command->footer(kFooter);
  }
}

int dispatch(const std::string& command, const CommonOptions& options) {
  if (command == "roundtrip") return kplug::cli::run_roundtrip(options, std::cout, std::cerr);
  if (command == "plugins") return kplug::cli::run_plugins(options, std::cout, std::cerr);
  if (command == "summary") return kplug::cli::run_summary(options, std::cout, std::cerr);
  if (command == "inspect") return kplug::cli::run_inspect(options, std::cout, std::cerr);
  if (command == "convert") return kplug::cli::run_convert(options, std::cout, std::cerr);
  if (command == "serve") return kplug::cli::run_serve(options, std::cout, std::cerr);
  return kplug::cli::run_predict(options, std::cout, std::cerr);
}

// Runs `command`; its failures become a message on stderr and an exit code.
int run_command(const std::string& command, const CommonOptions& options) {
  try {
    return dispatch(command, options);
  } catch (const kplug::cli::UsageError& e) {
    std::cerr << "kplug " << command << ": usage error: " << e.message << "\nRun 'kplug " << command << " --help'.\n";
    return kplug::cli::kExitUsage;
  } catch (const kplug::cli::FileFailure& e) {
    std::cerr << e.file << ": error: " << e.message << "\n";
  } catch (const kplug::Error& e) {
    std::cerr << "kplug " << command << ": error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "kplug " << command << ": unexpected error: " << e.what() << "\n";
  }
  return kplug::cli::kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  CommonOptions options;
  CLI::App app{"kplug: Keras 3 saving and serialization in C++, from the command line."};
  define_commands(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help: the help on stdout
    std::cerr << "kplug: usage error: " << e.what() << "\nRun 'kplug --help' or 'kplug <command> --help'.\n";
    return kplug::cli::kExitUsage;
  }
  options.progress = ::isatty(STDERR_FILENO) == 1;
  return run_command(app.get_subcommands().front()->get_name(), options);
}
