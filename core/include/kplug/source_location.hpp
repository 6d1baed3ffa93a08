// Where a registration call was written. std::source_location is not usable with
// clang 14 on libstdc++ 12 (no __builtin_source_location), so kplug's public headers use
// this, built on __builtin_FILE/__builtin_LINE, which g++ and clang share.
#pragma once

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class SourceLocation {
 public:
  // As a default argument, evaluated at the caller's call site (as std::source_location).
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          unsigned line = __builtin_LINE()) noexcept {
    return SourceLocation(file, line);
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr unsigned line() const noexcept { return line_; }

 private:
  constexpr SourceLocation(const char* file, unsigned line) noexcept : file_(file), line_(line) {}
  const char* file_;
  unsigned line_;
};

}  // namespace kplug
#pragma GCC visibility pop
