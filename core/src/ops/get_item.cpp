#include "kplug/ops/get_item.hpp"

#include "kplug/errors.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace kplug::ops {
namespace {

// Python's slice.indices(length): the normalised start and step.
struct Range {
  std::int64_t start = 0, step = 1, count = 0;
};

Range slice_range(const IndexItem& s, std::int64_t length) {
  const std::int64_t step = s.step.value_or(1);
  if (step == 0) throw ValueError("get_item: slice step cannot be zero");
  auto clamp = [&](std::optional<std::int64_t> v, std::int64_t fallback) {
    if (!v) return fallback;
    std::int64_t i = *v < 0 ? *v + length : *v;
    return step > 0 ? std::clamp<std::int64_t>(i, 0, length) : std::clamp<std::int64_t>(i, -1, length - 1);
  };
  const std::int64_t start = clamp(s.start, step > 0 ? 0 : length - 1);
  const std::int64_t stop = clamp(s.stop, step > 0 ? length : -1);
  const std::int64_t span = step > 0 ? stop - start : start - stop;
  const std::int64_t magnitude = step > 0 ? step : -step;
  return {start, step, span > 0 ? (span + magnitude - 1) / magnitude : 0};
}

// `count` elements `step` apart from `start` along `axis` (a copy; the axis stays).
Tensor strided_axis(const Tensor& x, std::int64_t axis, const Range& r) {
  Shape out_shape = x.shape();
  const std::int64_t n = out_shape[static_cast<std::size_t>(axis)];
  out_shape[static_cast<std::size_t>(axis)] = r.count;
  Tensor out = Tensor::empty(out_shape, x.dtype());
  std::int64_t outer = 1;
  for (std::int64_t i = 0; i < axis; ++i) outer *= x.shape()[static_cast<std::size_t>(i)];
  if (out.size() == 0) return out;
  const std::size_t inner = x.nbytes() / static_cast<std::size_t>(outer) / static_cast<std::size_t>(n);
  std::byte* dst = out.mutable_bytes();
  const std::byte* src = x.bytes();
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t k = 0; k < r.count; ++k, dst += inner) {
      std::memcpy(dst, src + static_cast<std::size_t>(o * n + r.start + k * r.step) * inner, inner);
    }
  }
  return out;
}

}  // namespace

IndexKey expand_index_key(const IndexKey& key, std::int64_t rank) {
  const auto count = [&](IndexItem::Kind k) {
    return std::count_if(key.begin(), key.end(), [k](const IndexItem& i) { return i.kind == k; });
  };
  if (count(IndexItem::Kind::ellipsis) > 1) throw ValueError("get_item: an index can only have a single Ellipsis");
  const std::int64_t consumed =
      static_cast<std::int64_t>(key.size() - count(IndexItem::Kind::ellipsis) - count(IndexItem::Kind::new_axis));
  if (consumed > rank) {
    throw ValueError("get_item: too many indices for an array of rank " + std::to_string(rank) + " (" +
                     std::to_string(consumed) + " given)");
  }
  IndexKey out;
  bool expanded = false;
  auto fill = [&] {
    for (std::int64_t i = 0; i < rank - consumed; ++i) out.push_back(IndexItem{});
    expanded = true;
  };
  for (const IndexItem& item : key) {
    if (item.kind == IndexItem::Kind::ellipsis) {
      fill();
    } else {
      if (item.kind == IndexItem::Kind::slice && item.step == 0)
        throw ValueError("get_item: slice step cannot be zero");
      out.push_back(item);
    }
  }
  if (!expanded) fill();
  return out;
}

std::int64_t slice_length(const IndexItem& slice, std::int64_t length) { return slice_range(slice, length).count; }

Tensor get_item(const Tensor& x, const IndexKey& key) {
  Tensor r = x;
  std::int64_t axis = 0;  // of r
  for (const IndexItem& item : expand_index_key(key, x.rank())) {
    if (item.kind == IndexItem::Kind::new_axis) {
      r = r.expand_dims(axis++);
      continue;
    }
    const std::int64_t n = r.dim(axis);
    if (item.kind == IndexItem::Kind::index) {
      const std::int64_t i = item.index < 0 ? item.index + n : item.index;
      if (i < 0 || i >= n) {
        throw ValueError("get_item: index " + std::to_string(item.index) + " is out of bounds for axis " +
                         std::to_string(axis) + " with size " + std::to_string(n));
      }
      r = strided_axis(r, axis, {i, 1, 1}).squeeze(axis);
      continue;
    }
    const Range range = slice_range(item, n);
    if (range.step != 1 || range.count != n) r = strided_axis(r, axis, range);
    ++axis;
  }
  return r;
}

}  // namespace kplug::ops
