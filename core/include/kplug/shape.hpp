// A tensor shape: up to 8 dimensions stored inline (no heap), more spill to a vector.
// Vector-like on purpose, so code written against std::vector<int64_t> keeps compiling.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class Shape {
 public:
  static constexpr std::size_t kInlineRank = 8;
  using value_type = std::int64_t;
  using size_type = std::size_t;
  using iterator = std::int64_t*;
  using const_iterator = const std::int64_t*;
  using reference = std::int64_t&;
  using const_reference = const std::int64_t&;

  Shape() noexcept = default;
  explicit Shape(std::size_t rank, std::int64_t fill = 0) { resize(rank, fill); }
  Shape(std::initializer_list<std::int64_t> dims) { assign(dims.begin(), dims.end()); }
  template <std::input_iterator It>
  Shape(It first, It last) {
    assign(first, last);
  }
  Shape(const std::vector<std::int64_t>& dims) { assign(dims.begin(), dims.end()); }  // NOLINT: implicit

  // Member-wise: tensors copy their shape at every view and op, so this stays a few stores.
  Shape(const Shape& other) : size_(other.size_) {
    if (size_ > kInlineRank)
      heap_ = other.heap_;
    else
      std::copy_n(other.inline_.data(), size_, inline_.data());
  }
  Shape& operator=(const Shape& other) {
    if (this == &other) return *this;
    if (other.size_ > kInlineRank) {
      heap_ = other.heap_;
    } else {
      heap_.clear();
      std::copy_n(other.inline_.data(), other.size_, inline_.data());
    }
    size_ = other.size_;
    return *this;
  }
  Shape(Shape&& other) noexcept { *this = std::move(other); }
  Shape& operator=(Shape&& other) noexcept {
    if (this == &other) return *this;
    inline_ = other.inline_;
    heap_ = std::move(other.heap_);
    size_ = other.size_;
    other.heap_.clear();
    other.size_ = 0;
    return *this;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::int64_t* data() noexcept { return size_ > kInlineRank ? heap_.data() : inline_.data(); }
  const std::int64_t* data() const noexcept { return size_ > kInlineRank ? heap_.data() : inline_.data(); }
  std::int64_t& operator[](std::size_t i) noexcept { return data()[i]; }
  const std::int64_t& operator[](std::size_t i) const noexcept { return data()[i]; }
  iterator begin() noexcept { return data(); }
  iterator end() noexcept { return data() + size_; }
  const_iterator begin() const noexcept { return data(); }
  const_iterator end() const noexcept { return data() + size_; }
  std::int64_t& front() noexcept { return data()[0]; }
  std::int64_t& back() noexcept { return data()[size_ - 1]; }
  const std::int64_t& front() const noexcept { return data()[0]; }
  const std::int64_t& back() const noexcept { return data()[size_ - 1]; }

  void resize(std::size_t rank, std::int64_t fill = 0) {
    if (rank > kInlineRank || size_ > kInlineRank) {
      std::vector<std::int64_t> all(begin(), end());
      all.resize(rank, fill);
      assign(all.begin(), all.end());
      return;
    }
    for (std::size_t i = size_; i < rank; ++i) inline_[i] = fill;
    size_ = rank;
  }
  void push_back(std::int64_t d) {
    resize(size_ + 1);
    back() = d;
  }
  void pop_back() noexcept { resize_down(size_ - 1); }
  void clear() noexcept {
    heap_.clear();
    size_ = 0;
  }
  iterator insert(const_iterator pos, std::int64_t d) {
    const std::size_t at = static_cast<std::size_t>(pos - begin());
    resize(size_ + 1);
    std::int64_t* p = data();
    std::move_backward(p + at, p + size_ - 1, p + size_);
    p[at] = d;
    return p + at;
  }
  iterator erase(const_iterator pos) {
    const std::size_t at = static_cast<std::size_t>(pos - begin());
    std::int64_t* p = data();
    std::move(p + at + 1, p + size_, p + at);
    resize_down(size_ - 1);
    return data() + at;
  }

  bool operator==(const Shape& other) const noexcept { return std::equal(begin(), end(), other.begin(), other.end()); }

 private:
  template <class It>
  void assign(It first, It last) {
    std::vector<std::int64_t> tmp;
    std::size_t n = 0;
    std::array<std::int64_t, kInlineRank> small{};
    for (; first != last; ++first, ++n) {
      if (n < kInlineRank)
        small[n] = static_cast<std::int64_t>(*first);
      else {
        if (tmp.empty()) tmp.assign(small.begin(), small.end());
        tmp.push_back(static_cast<std::int64_t>(*first));
      }
    }
    size_ = n;
    if (n > kInlineRank)
      heap_ = std::move(tmp);
    else {
      heap_.clear();
      inline_ = small;
    }
  }
  void resize_down(std::size_t rank) noexcept {
    if (size_ > kInlineRank && rank <= kInlineRank)
      std::copy(heap_.begin(), heap_.begin() + static_cast<std::ptrdiff_t>(rank), inline_.begin());
    if (rank <= kInlineRank)
      heap_.clear();
    else
      heap_.resize(rank);
    size_ = rank;
  }

  std::array<std::int64_t, kInlineRank> inline_{};
  std::vector<std::int64_t> heap_;  // used only beyond kInlineRank (empty vectors do not allocate)
  std::size_t size_ = 0;
};

std::string shape_to_string(const Shape& shape);
// Number of elements of a shape; throws ValueError on negative dims or overflow.
std::int64_t shape_size(const Shape& shape);

}  // namespace kplug
#pragma GCC visibility pop
