#include "commands.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace kplug::cli {

std::string read_input(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw FileError(path, "cannot open");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw FileError(path, "cannot read");
  return std::move(text).str();
}

}  // namespace kplug::cli
