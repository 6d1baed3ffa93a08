// numpy's basic indexing, x[key] with ints, slices, Ellipsis and newaxis: keras.ops.get_item
// (what `x[:, 1:3, 0]` on a symbolic tensor records).
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <optional>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

struct IndexItem {
  enum class Kind { index, slice, ellipsis, new_axis };
  Kind kind = Kind::slice;
  std::int64_t index = 0;                         // Kind::index
  std::optional<std::int64_t> start, stop, step;  // Kind::slice, Python's slice(start, stop, step)
};
using IndexKey = std::vector<IndexItem>;

// The key with its Ellipsis (or an implicit one at the end) replaced by full slices, for an
// input of `rank`: one index or slice per input axis, new axes in place. ValueError for more
// than one Ellipsis, a zero step, or more indices than axes.
IndexKey expand_index_key(const IndexKey& key, std::int64_t rank);

// Python's len(range(*slice.indices(length))).
std::int64_t slice_length(const IndexItem& slice, std::int64_t length);

// x[key]: a copy; ints drop their axis (ValueError when out of range), slices keep it (any
// step, negative ones included), newaxis inserts a length-1 axis. Any dtype.
Tensor get_item(const Tensor& x, const IndexKey& key);

}  // namespace kplug::ops
#pragma GCC visibility pop
