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

using Row = std::vector<std::string>;

// Keras's table: its line_length and column positions; cells carry one space of padding
// on each side, as rich's default.
class Table {
 public:
  explicit Table(bool sequential_like) {
    const std::size_t line_length = sequential_like ? 88 : 108;
    const std::vector<double> positions =
        sequential_like ? std::vector<double>{0.45, 0.80, 1.0} : std::vector<double>{0.3, 0.56, 0.74, 1.0};
    header_ = {"Layer (type)", "Output Shape", "Param #"};
    right_ = {false, false, true};
    if (!sequential_like) {
      header_.push_back("Connected to");
      right_.push_back(false);
    }
    std::size_t current = 0;
    for (double p : positions) {
      const auto w = static_cast<std::size_t>(p * static_cast<double>(line_length)) - current;
      widths_.push_back(w);
      current += w;
    }
  }

  std::string render(const std::vector<Row>& rows) const {
    std::string out = line("┏", "━", "┳", "┓");
    out += row_text(header_, "┃");
    out += line("┡", "━", "╇", "┩");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      out += row_text(rows[i], "│");
      if (i + 1 < rows.size()) out += line("├", "─", "┼", "┤");
    }
    return out + line("└", "─", "┴", "┘");
  }

 private:
  // The last column's width includes the closing bar.
  std::size_t inner_width(std::size_t i) const { return widths_[i] - (i + 1 < widths_.size() ? 1 : 2); }

  std::string line(const char* left, const char* fill, const char* mid, const char* end) const {
    std::string s = left;
    for (std::size_t i = 0; i < widths_.size(); ++i) {
      s += repeat(fill, inner_width(i));
      s += i + 1 < widths_.size() ? mid : end;
    }
    return s + "\n";
  }

  std::string row_text(const Row& cells, const char* bar) const {
    std::string s = bar;
    for (std::size_t i = 0; i < widths_.size(); ++i)
      s += " " + pad(cells[i], inner_width(i) - 2, right_[i]) + " " + bar;
    return s + "\n";
  }

  Row header_;
  std::vector<bool> right_;
  std::vector<std::size_t> widths_;
};

std::string params_of(const Layer& layer) {
  return layer.built() ? with_commas(layer.count_params()) : std::string("0 (unbuilt)");
}

std::vector<Row> functional_rows(const Functional& model, bool sequential_like) {
  std::vector<Row> rows;
  for (const auto& r : model.summary_rows()) {
    Row row = {r.layer->name() + " (" + r.layer->class_name() + ")", r.output_shape, params_of(*r.layer)};
    if (!sequential_like) row.push_back(r.connected_to);
    rows.push_back(std::move(row));
  }
  return rows;
}

// Output shapes by chaining compute_output_shape from the input; "?" from the first
// layer that cannot tell on.
std::vector<Row> chain_rows(const Model& model) {
  std::vector<Row> rows;
  std::vector<PartialShape> shapes;
  bool known = !model.input_layers().empty();
  if (known) shapes = {model.input_layers().front()->batch_shape()};
  for (const auto& layer : model.layers()) {
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
  return rows;
}

// float32 weights: 4 bytes each.
std::string params_line(const char* label, std::int64_t count) {
  return std::string(" ") + label + " params: " + with_commas(count) + " (" +
         readable_size(4.0 * static_cast<double>(count)) + ")\n";
}

}  // namespace

std::string Model::summary() const {
  const auto* functional = dynamic_cast<const Functional*>(this);
  const bool sequential_like = !functional || functional->sequential_like();
  const std::vector<Row> rows = functional ? functional_rows(*functional, sequential_like) : chain_rows(*this);
  std::string out = "Model: \"" + name() + "\"\n";
  out += Table(sequential_like).render(rows);
  const std::int64_t trainable = count_trainable_params();
  const std::int64_t non_trainable = count_non_trainable_params();
  out += params_line("Total", trainable + non_trainable);
  out += params_line("Trainable", trainable);
  out += params_line("Non-trainable", non_trainable);
  return out;
}

}  // namespace kplug
