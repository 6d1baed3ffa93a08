#include "cli_options.hpp"

#include <charconv>

namespace kplug::cli {

CommonOptions parse_common(const std::vector<std::string>& args) {
  CommonOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const char* flag) -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{std::string(flag) + " needs a value"};
      return args[++i];
    };
    if (arg == "--plugins") {
      options.plugin_dirs.push_back(value("--plugins"));
    } else if (arg == "--unsafe") {
      options.unsafe = true;
    } else if (arg == "--load") {
      options.load = true;
    } else if (arg == "--compact") {
      options.indent = -1;
    } else if (arg == "--indent") {
      const std::string& text = value("--indent");
      int n = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc{} || ptr != text.data() + text.size() || n < 0 || n > 16) {
        throw UsageError{"--indent needs a number from 0 to 16, got '" + text + "'"};
      }
      options.indent = n;
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      throw UsageError{"unknown option '" + arg + "'"};
    } else {
      options.positional.push_back(arg);
    }
  }
  return options;
}

}  // namespace kplug::cli
