// "Did you mean ...": nearest names by edit distance, for error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kplug::detail {

// Up to `max_results` candidates close to `key` (case-insensitive edit distance;
// for "package>name" keys the name part is compared too), nearest first.
std::vector<std::string> nearest_names(std::string_view key, const std::vector<std::string>& candidates,
                                       std::size_t max_results = 3);

// " Did you mean 'a' or 'b'?" or "" when nothing is near.
std::string did_you_mean(std::string_view key, const std::vector<std::string>& candidates);

// "'a', 'b', 'c'" (at most `max_items`, then ", ... (N more)").
std::string quoted_list(const std::vector<std::string>& items, std::size_t max_items = 12);

}  // namespace kplug::detail
