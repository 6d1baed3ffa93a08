#include "util/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace kplug::detail {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view name_part(std::string_view key) {
  const std::size_t gt = key.find('>');
  return gt == std::string_view::npos ? key : key.substr(gt + 1);
}

}  // namespace

std::vector<std::string> nearest_names(std::string_view key, const std::vector<std::string>& candidates,
                                       std::size_t max_results) {
  // Very long keys (hostile input) are not worth a quadratic comparison.
  if (key.empty() || key.size() > 256) return {};
  const std::string k = lower(key);
  const std::string k_name = lower(name_part(key));
  const std::size_t limit = std::max<std::size_t>(2, k_name.size() / 3);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const std::string& candidate : candidates) {
    if (candidate.size() > 256) continue;
    const std::string c = lower(candidate);
    std::size_t d = edit_distance(k, c);
    d = std::min(d, edit_distance(k_name, lower(name_part(candidate))));
    if (d <= limit && c != k)
      scored.emplace_back(d, candidate);
    else if (c == k && candidate != key)
      scored.emplace_back(0, candidate);  // differs only by case
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (auto& [distance, name] : scored) {
    if (std::find(out.begin(), out.end(), name) != out.end()) continue;
    out.push_back(std::move(name));
    if (out.size() == max_results) break;
  }
  return out;
}

std::string did_you_mean(std::string_view key, const std::vector<std::string>& candidates) {
  const auto near = nearest_names(key, candidates);
  if (near.empty()) return "";
  std::string out = " Did you mean ";
  for (std::size_t i = 0; i < near.size(); ++i) {
    if (i) out += i + 1 == near.size() ? " or " : ", ";
    out += "'" + near[i] + "'";
  }
  return out + "?";
}

std::string quoted_list(const std::vector<std::string>& items, std::size_t max_items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max_items; ++i) {
    if (i) out += ", ";
    out += "'" + items[i] + "'";
  }
  if (items.size() > max_items) out += ", ... (" + std::to_string(items.size() - max_items) + " more)";
  return out.empty() ? "(none)" : out;
}

}  // namespace kplug::detail
