#include "kplug/ops/shape.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/kernels.hpp"

#include <algorithm>
#include <cstring>

namespace kplug::ops {
namespace {

Shape row_major_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i > 0; --i) {
    strides[i - 1] = stride;
    stride *= shape[i - 1];
  }
  return strides;
}

// Gathers `n` elements `stride` apart (element type T) into a contiguous destination.
template <class T>
void gather(const std::byte* src, std::int64_t stride, std::int64_t n, std::byte* dst) {
  const T* s = reinterpret_cast<const T*>(src);
  T* d = reinterpret_cast<T*>(dst);
  for (std::int64_t i = 0; i < n; ++i) d[i] = s[i * stride];
}

void gather_bytes(const std::byte* src, std::int64_t stride, std::int64_t n, std::byte* dst, std::size_t width) {
  switch (width) {
    case 1: return gather<std::uint8_t>(src, stride, n, dst);
    case 2: return gather<std::uint16_t>(src, stride, n, dst);
    case 4: return gather<std::uint32_t>(src, stride, n, dst);
    default: return gather<std::uint64_t>(src, stride, n, dst);
  }
}

}  // namespace

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& perm_in) {
  const std::size_t rank = static_cast<std::size_t>(x.rank());
  if (perm_in.size() != rank) {
    throw ValueError("permute: " + std::to_string(perm_in.size()) + " axes given for a tensor of shape " +
                     shape_to_string(x.shape()));
  }
  std::vector<std::int64_t> perm(rank);
  std::vector<bool> seen(rank, false);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t a = perm_in[i] < 0 ? perm_in[i] + x.rank() : perm_in[i];
    if (a < 0 || a >= x.rank() || seen[static_cast<std::size_t>(a)]) {
      throw ValueError("permute: axes must be a permutation of 0.." + std::to_string(x.rank() - 1));
    }
    seen[static_cast<std::size_t>(a)] = true;
    perm[i] = a;
  }
  Shape out_shape(rank);
  for (std::size_t i = 0; i < rank; ++i) out_shape[i] = x.shape()[static_cast<std::size_t>(perm[i])];
  Tensor out = Tensor::empty(out_shape, x.dtype());
  if (x.size() == 0) return out;
  const Shape in_strides = row_major_strides(x.shape());

  // Merge output axes that are adjacent and in order in the input as well (fewer, longer loops).
  Shape dims, strides;  // output dims and their input strides, in elements
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t d = out_shape[i];
    if (d == 1) continue;
    const std::int64_t s = in_strides[static_cast<std::size_t>(perm[i])];
    if (!dims.empty() && strides.back() == s * d) {
      dims.back() *= d;
      strides.back() = s;
    } else {
      dims.push_back(d);
      strides.push_back(s);
    }
  }
  const std::size_t width = dtype_size(x.dtype());
  const std::byte* src = x.bytes();
  std::byte* dst = out.mutable_bytes();
  if (dims.empty()) {  // every axis has length 1
    std::memcpy(dst, src, width);
    return out;
  }
  const std::size_t r = dims.size();
  const std::int64_t n = dims[r - 1], inner_stride = strides[r - 1];
  const std::int64_t rows = x.size() / n;
  Shape index(r, 0);
  std::int64_t offset = 0;
  for (std::int64_t row = 0; row < rows; ++row) {
    // The last axis stays in place: a row is one contiguous run (memcpy).
    if (inner_stride == 1)
      std::memcpy(dst, src + offset * static_cast<std::int64_t>(width), static_cast<std::size_t>(n) * width);
    else
      gather_bytes(src + offset * static_cast<std::int64_t>(width), inner_stride, n, dst, width);
    dst += static_cast<std::size_t>(n) * width;
    for (std::size_t d = r - 1; d-- > 0;) {
      offset += strides[d];
      if (++index[d] < dims[d]) break;
      offset -= strides[d] * dims[d];
      index[d] = 0;
    }
  }
  return out;
}

Tensor transpose(const Tensor& x) {
  std::vector<std::int64_t> perm;
  for (std::int64_t i = x.rank(); i-- > 0;) perm.push_back(i);
  return permute(x, perm);
}

Tensor moveaxis(const Tensor& x, std::int64_t source, std::int64_t destination) {
  const std::int64_t s = x.normalize_axis(source);
  const std::int64_t d = x.normalize_axis(destination);
  std::vector<std::int64_t> perm;
  for (std::int64_t i = 0; i < x.rank(); ++i) {
    if (i != s) perm.push_back(i);
  }
  perm.insert(perm.begin() + d, s);
  return permute(x, perm);
}

Tensor concatenate(const std::vector<Tensor>& xs, std::int64_t axis) {
  if (xs.empty()) throw ValueError("concatenate: no tensors given");
  const Tensor& first = xs.front();
  const std::int64_t a = first.normalize_axis(axis);
  Shape out_shape = first.shape();
  out_shape[static_cast<std::size_t>(a)] = 0;
  for (const Tensor& t : xs) {
    bool ok = t.rank() == first.rank() && t.dtype() == first.dtype();
    for (std::int64_t i = 0; ok && i < t.rank(); ++i) {
      ok = i == a || t.shape()[static_cast<std::size_t>(i)] == first.shape()[static_cast<std::size_t>(i)];
    }
    if (!ok) {
      throw ValueError("concatenate: shape " + shape_to_string(t.shape()) + " (" + std::string(dtype_name(t.dtype())) +
                       ") does not match " + shape_to_string(first.shape()) + " (" +
                       std::string(dtype_name(first.dtype())) + ") outside axis " + std::to_string(axis));
    }
    out_shape[static_cast<std::size_t>(a)] += t.dim(a);
  }
  Tensor out = Tensor::empty(out_shape, first.dtype());
  std::int64_t outer = 1;
  for (std::int64_t i = 0; i < a; ++i) outer *= out_shape[static_cast<std::size_t>(i)];
  if (outer == 0) return out;
  std::vector<const std::byte*> sources;
  std::vector<std::size_t> chunks;
  for (const Tensor& t : xs) {
    sources.push_back(t.bytes());
    chunks.push_back(t.nbytes() / static_cast<std::size_t>(outer));
  }
  kernels::concatenate(sources, chunks, outer, out.mutable_bytes());
  return out;
}

void kernels::concatenate(std::span<const std::byte* const> inputs, std::span<const std::size_t> chunk_bytes,
                          std::int64_t outer, std::byte* out) {
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const std::size_t chunk = chunk_bytes[i];
      if (chunk) std::memcpy(out, inputs[i] + static_cast<std::size_t>(o) * chunk, chunk);
      out += chunk;
    }
  }
}

Tensor stack(const std::vector<Tensor>& xs, std::int64_t axis) {
  if (xs.empty()) throw ValueError("stack: no tensors given");
  std::vector<Tensor> expanded;
  for (const Tensor& t : xs) {
    if (t.shape() != xs.front().shape()) {
      throw ValueError("stack: shapes " + shape_to_string(t.shape()) + " and " + shape_to_string(xs.front().shape()) +
                       " differ");
    }
    expanded.push_back(t.expand_dims(axis));
  }
  return concatenate(expanded, axis);
}

Tensor slice_axis(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t stop) {
  const std::int64_t a = x.normalize_axis(axis);
  const std::int64_t n = x.dim(a);
  if (start < 0 || stop < start || stop > n) {
    throw ValueError("slice [" + std::to_string(start) + ", " + std::to_string(stop) + ") out of range for axis " +
                     std::to_string(axis) + " of shape " + shape_to_string(x.shape()));
  }
  Shape out_shape = x.shape();
  out_shape[static_cast<std::size_t>(a)] = stop - start;
  Tensor out = Tensor::empty(out_shape, x.dtype());
  std::int64_t outer = 1;
  for (std::int64_t i = 0; i < a; ++i) outer *= x.shape()[static_cast<std::size_t>(i)];
  const std::size_t inner_bytes =
      n ? x.nbytes() / static_cast<std::size_t>(std::max<std::int64_t>(outer, 1)) / static_cast<std::size_t>(n) : 0;
  std::byte* dst = out.mutable_bytes();
  const std::byte* src = x.bytes();
  const std::size_t chunk = inner_bytes * static_cast<std::size_t>(stop - start);
  for (std::int64_t o = 0; o < outer && chunk; ++o) {
    std::memcpy(dst + static_cast<std::size_t>(o) * chunk,
                src + (static_cast<std::size_t>(o * n + start)) * inner_bytes, chunk);
  }
  return out;
}

Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pads, float value) {
  if (static_cast<std::int64_t>(pads.size()) != x.rank()) {
    throw ValueError("pad: " + std::to_string(pads.size()) + " (before, after) pairs for a tensor of shape " +
                     shape_to_string(x.shape()));
  }
  Shape out_shape = x.shape();
  for (std::size_t i = 0; i < pads.size(); ++i) {
    if (pads[i].first < 0 || pads[i].second < 0) throw ValueError("pad: negative padding");
    out_shape[i] += pads[i].first + pads[i].second;
  }
  if (x.rank() == 0) return x.clone();
  Tensor out = Tensor::empty(out_shape);
  kernels::pad(x.data(), x.shape(), pads, value, out.data());
  return out;
}

void kernels::pad(const float* x, const Shape& x_shape, std::span<const std::pair<std::int64_t, std::int64_t>> pads,
                  float value, float* out) {
  if (x_shape.empty()) {
    *out = *x;
    return;
  }
  Shape out_shape = x_shape;
  for (std::size_t i = 0; i < pads.size(); ++i) out_shape[i] += pads[i].first + pads[i].second;
  std::fill_n(out, shape_size(out_shape), value);
  // x is copied in blocks of its axes from the innermost padded one on, contiguous in both (an
  // image row with its channels, for a spatial padding of channels-last images).
  std::size_t inner = out_shape.size();
  while (inner > 1 && pads[inner - 1].first == 0 && pads[inner - 1].second == 0) --inner;
  const std::size_t rank = inner;  // the axes walked; the last one's block is copied whole
  std::int64_t block = 1;
  for (std::size_t d = rank - 1; d < x_shape.size(); ++d) block *= x_shape[d];
  if (block == 0) return;
  const std::int64_t blocks = shape_size(x_shape) / block;
  const Shape out_strides = row_major_strides(out_shape);
  Shape index(rank, 0);  // over x's axes before the copied block
  for (std::int64_t b = 0; b < blocks; ++b) {
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < rank; ++d) offset += (index[d] + pads[d].first) * out_strides[d];
    std::memcpy(out + offset, x + b * block, static_cast<std::size_t>(block) * sizeof(float));
    for (std::size_t d = rank - 1; d-- > 0;) {
      if (++index[d] < x_shape[d]) break;
      index[d] = 0;
    }
  }
}

void kernels::crop(const float* x, const Shape& x_shape, std::span<const std::pair<std::int64_t, std::int64_t>> crops,
                   float* out) {
  Shape out_shape = x_shape;
  for (std::size_t i = 0; i < crops.size(); ++i) out_shape[i] -= crops[i].first + crops[i].second;
  const std::int64_t total = shape_size(out_shape);
  if (total == 0) return;
  if (x_shape.empty()) {
    *out = *x;
    return;
  }
  // Contiguous blocks of out's axes from the innermost cropped one on, as kernels::pad copies.
  std::size_t rank = out_shape.size();
  while (rank > 1 && crops[rank - 1].first == 0 && crops[rank - 1].second == 0) --rank;
  std::int64_t block = 1;
  for (std::size_t d = rank - 1; d < out_shape.size(); ++d) block *= out_shape[d];
  const Shape x_strides = row_major_strides(x_shape);
  Shape index(rank, 0);  // over out's axes before the copied block
  for (std::int64_t b = 0; b < total / block; ++b) {
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < rank; ++d) offset += (index[d] + crops[d].first) * x_strides[d];
    std::memcpy(out + b * block, x + offset, static_cast<std::size_t>(block) * sizeof(float));
    for (std::size_t d = rank - 1; d-- > 0;) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
}

namespace {

// upsample_nearest from axis d on: each slice of x along d written once, then copied to its
// repeats. `last`: the innermost axis with a factor above 1 (below it slices are copied whole).
void upsample_from(const float* x, float* out, std::size_t d, std::size_t last, const Shape& x_shape,
                   const Shape& factors, const Shape& x_strides, const Shape& out_strides) {
  if (d > last) {
    std::memcpy(out, x, static_cast<std::size_t>(x_strides[d - 1]) * sizeof(float));
    return;
  }
  const std::size_t slice = static_cast<std::size_t>(out_strides[d]);
  for (std::int64_t i = 0; i < x_shape[d]; ++i) {
    float* first = out + i * factors[d] * out_strides[d];
    upsample_from(x + i * x_strides[d], first, d + 1, last, x_shape, factors, x_strides, out_strides);
    for (std::int64_t r = 1; r < factors[d]; ++r) std::memcpy(first + r * slice, first, slice * sizeof(float));
  }
}

}  // namespace

void kernels::upsample_nearest(const float* x, const Shape& x_shape, const Shape& factors, float* out) {
  Shape out_shape = x_shape;
  std::size_t last = 0;
  bool any = false;
  for (std::size_t i = 0; i < x_shape.size(); ++i) {
    out_shape[i] *= factors[i];
    if (factors[i] != 1) {
      last = i;
      any = true;
    }
  }
  if (shape_size(out_shape) == 0) return;
  if (!any) {
    std::memcpy(out, x, static_cast<std::size_t>(shape_size(x_shape)) * sizeof(float));
    return;
  }
  upsample_from(x, out, 0, last, x_shape, factors, row_major_strides(x_shape), row_major_strides(out_shape));
}

}  // namespace kplug::ops
