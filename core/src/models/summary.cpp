// Keras's print_summary (keras/src/utils/summary_utils.py) as plain text: the same
// columns, widths and totals, drawn with rich's heavy-head box characters.
#include "kplug/models/functional.hpp"
#include "kplug/models/model.hpp"

#include <cstdio>

namespace kplug {

namespace {

// 2177 -> "2,177".
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// Keras's readable_memory_size.
std::string readable_size(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  char buffer[64];
  for (const char* unit : kUnits) {
    if (bytes / 1024 < 1) {
      std::snprintf(buffer, sizeof buffer, "%.2f %s", bytes, unit);
      return buffer;
    }
    bytes /= 1024;
  }
  std::snprintf(buffer, sizeof buffer, "%.2f PB", bytes);
  return buffer;
}

// Display width of UTF-8 text (one column per code point: the summary only has
// ASCII names and box characters).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string pad(const std::string& s, std::size_t width, bool right) {
  const std::size_t w = columns(s);
  if (w >= width) return s;
  return right ? std::string(width - w, ' ') + s : s + std::string(width - w, ' ');
}

std::string repeat(const char* piece, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += piece;
  return out;
}

}  // namespace

std::string Model::summary() const {
  const auto* functional = dynamic_cast<const Functional*>(this);
  const bool sequential_like = !functional || functional->sequential_like();
  const std::size_t line_length = sequential_like ? 88 : 108;
  const std::vector<double> positions =
      sequential_like ? std::vector<double>{0.45, 0.80, 1.0} : std::vector<double>{0.3, 0.56, 0.74, 1.0};
  std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
  std::vector<bool> right = {false, false, true};
  if (!sequential_like) {
    header.push_back("Connected to");
    right.push_back(false);
  }
  std::vector<std::size_t> widths;
  std::size_t current = 0;
  for (double p : positions) {
    const auto w = static_cast<std::size_t>(p * static_cast<double>(line_length)) - current;
    widths.push_back(w);
    current += w;
  }

  std::vector<std::vector<std::string>> rows;
  auto params_of = [](const Layer& layer) {
    return layer.built() ? with_commas(layer.count_params()) : std::string("0 (unbuilt)");
  };
  if (functional) {
    for (const auto& r : functional->summary_rows()) {
      std::vector<std::string> row = {r.layer->name() + " (" + r.layer->class_name() + ")", r.output_shape,
                                      params_of(*r.layer)};
      if (!sequential_like) row.push_back(r.connected_to);
      rows.push_back(std::move(row));
    }
  } else {
    std::vector<PartialShape> shapes;
    bool known = !input_layers().empty();
    if (known) shapes = {input_layers().front()->batch_shape()};
    for (const auto& layer : layers()) {
      std::string shape = "?";
      if (known) {
        try {
          shapes = layer->compute_output_shape(shapes);
          shape = shapes.size() == 1 ? shapes[0].to_string() : "?";
        } catch (const Error&) {
          known = false;
        }
      }
      rows.push_back({layer->name() + " (" + layer->class_name() + ")", shape, params_of(*layer)});
    }
  }

  // Cells carry one space of padding on each side, as rich's default.
  auto line = [&](const char* left, const char* fill, const char* mid, const char* end) {
    std::string s = left;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      s += repeat(fill, widths[i] - (i + 1 < widths.size() ? 1 : 2) + 0);
      s += i + 1 < widths.size() ? mid : end;
    }
    return s + "\n";
  };
  auto row_text = [&](const std::vector<std::string>& cells, const char* bar) {
    std::string s = bar;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::size_t inner = widths[i] - (i + 1 < widths.size() ? 1 : 2) - 2;
      s += " " + pad(cells[i], inner, right[i]) + " " + bar;
    }
    return s + "\n";
  };

  std::string out = "Model: \"" + name() + "\"\n";
  out += line("┏", "━", "┳", "┓");
  out += row_text(header, "┃");
  out += line("┡", "━", "╇", "┩");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += row_text(rows[i], "│");
    if (i + 1 < rows.size()) out += line("├", "─", "┼", "┤");
  }
  out += line("└", "─", "┴", "┘");
  const std::int64_t trainable = count_trainable_params();
  const std::int64_t non_trainable = count_non_trainable_params();
  // float32 weights: 4 bytes each.
  out += " Total params: " + with_commas(trainable + non_trainable) + " (" +
         readable_size(4.0 * static_cast<double>(trainable + non_trainable)) + ")\n";
  out += " Trainable params: " + with_commas(trainable) + " (" + readable_size(4.0 * static_cast<double>(trainable)) +
         ")\n";
  out += " Non-trainable params: " + with_commas(non_trainable) + " (" +
         readable_size(4.0 * static_cast<double>(non_trainable)) + ")\n";
  return out;
}

}  // namespace kplug
