#include "serve/text_proto.hpp"

#include "kplug/errors.hpp"
#include "util/suggest.hpp"

#include <cctype>

namespace kplug::serve::detail {
namespace {

class Parser {
 public:
  Parser(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  std::vector<TextProtoField> fields(bool nested) {
    std::vector<TextProtoField> out;
    while (true) {
      skip_space();
      if (at_end()) {
        if (nested) fail("a '{' is not closed");
        return out;
      }
      if (text_[pos_] == '}') {
        if (!nested) fail("'}' without its '{'");
        ++pos_;
        return out;
      }
      out.push_back(field());
    }
  }

 private:
  TextProtoField field() {
    TextProtoField f;
    f.line = line_;
    f.name = identifier();
    skip_space();
    if (!at_end() && text_[pos_] == ':') {
      ++pos_;
      skip_space();
    }
    if (!at_end() && text_[pos_] == '{') {
      ++pos_;
      f.message = true;
      f.fields = fields(true);
    } else {
      f.scalar = scalar();
    }
    return f;
  }

  std::string identifier() {
    const std::size_t start = pos_;
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    if (start == pos_) fail(std::string("expected a field name, got '") + text_[pos_] + "'");
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string scalar() {
    if (at_end()) fail("a value is missing");
    const char quote = text_[pos_];
    if (quote == '"' || quote == '\'') {
      const std::size_t end = text_.find(quote, pos_ + 1);
      if (end == std::string_view::npos) fail("a string is not closed");
      std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return value;
    }
    const std::size_t start = pos_;
    while (!at_end() && !std::isspace(static_cast<unsigned char>(text_[pos_])) && text_[pos_] != '}' &&
           text_[pos_] != '#') {
      ++pos_;
    }
    if (start == pos_) fail("a value is missing");
    return std::string(text_.substr(start, pos_ - start));
  }

  void skip_space() {
    while (!at_end()) {
      if (text_[pos_] == '#') {
        while (!at_end() && text_[pos_] != '\n') ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == ',' || text_[pos_] == ';') {
        if (text_[pos_] == '\n') ++line_;
        ++pos_;
      } else {
        return;
      }
    }
  }

  bool at_end() const { return pos_ >= text_.size(); }
  [[noreturn]] void fail(const std::string& message) const {
    throw ValueError(std::string(file_) + ":" + std::to_string(line_) + ": " + message);
  }

  std::string_view text_;
  std::string_view file_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<TextProtoField> parse_text_proto(std::string_view text, std::string_view file) {
  return Parser(text, file).fields(false);
}

void unknown_field(const TextProtoField& field, std::string_view where, std::string_view file,
                   const std::vector<std::string>& known) {
  throw ValueError(std::string(file) + ":" + std::to_string(field.line) + ": unknown field '" + field.name + "' in " +
                   std::string(where) + "; expected one of " + kplug::detail::quoted_list(known) + "." +
                   kplug::detail::did_you_mean(field.name, known));
}

}  // namespace kplug::serve::detail
