#include "kplug/ops/quantization.hpp"

#include "kplug/errors.hpp"
#include "kplug/layers/partial_shape.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/ops/reduce.hpp"
#include "ops/onednn.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace kplug::ops {
namespace {

// A shape seen as [outer, length of `axis`, inner], for loops along one axis.
struct AxisView {
  std::int64_t outer = 1, length = 1, inner = 1;
};

AxisView axis_view(const Shape& shape, std::int64_t axis) {
  AxisView v;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    if (i < axis) v.outer *= shape[static_cast<std::size_t>(i)];
    if (i == axis) v.length = shape[static_cast<std::size_t>(i)];
    if (i > axis) v.inner *= shape[static_cast<std::size_t>(i)];
  }
  return v;
}

// numpy's round (half to even) in the default rounding mode.
float round_half_even(float x) { return std::nearbyint(x); }

// The same without a libm call for |x| < 2^22 (adding 1.5 * 2^23 leaves no fraction bits,
// so the FPU rounds half to even; -0.5..-0 give +0 where nearbyint gives -0).
float round_half_even_small(float x) {
  constexpr float shift = 0x1.8p23f;
  return std::fabs(x) < 0x1p22f ? (x + shift) - shift : std::nearbyint(x);
}

void require_dtype(const Tensor& t, std::initializer_list<DType> allowed, std::string_view what) {
  for (DType d : allowed) {
    if (t.dtype() == d) return;
  }
  throw ValueError(std::string(what) + ": unexpected dtype " + std::string(dtype_name(t.dtype())));
}

// `x` along `axis` regrouped `group` elements per output element: out[o, j, i] =
// combine(x[o, group*j .. group*j+group-1, i]) (missing elements of the last group are
// `pad`), with `out_length` = ceil(length / group).
template <class In, class Out, class Combine>
Tensor pack_along(const Tensor& x, std::int64_t axis, std::int64_t group, In pad, Combine combine) {
  const std::int64_t a = x.normalize_axis(axis);
  const AxisView v = axis_view(x.shape(), a);
  Shape out_shape = x.shape();
  out_shape[static_cast<std::size_t>(a)] = (v.length + group - 1) / group;
  Tensor out(out_shape, dtype_of<Out>());
  const In* in = x.data_as<In>();
  Out* o = out.data_as<Out>();
  const std::int64_t packed = out_shape[static_cast<std::size_t>(a)];
  std::vector<In> items(static_cast<std::size_t>(group));
  for (std::int64_t b = 0; b < v.outer; ++b) {
    for (std::int64_t j = 0; j < packed; ++j) {
      for (std::int64_t i = 0; i < v.inner; ++i) {
        for (std::int64_t k = 0; k < group; ++k) {
          const std::int64_t at = j * group + k;
          items[static_cast<std::size_t>(k)] = at < v.length ? in[(b * v.length + at) * v.inner + i] : pad;
        }
        o[(b * packed + j) * v.inner + i] = combine(items);
      }
    }
  }
  return out;
}

// The inverse: element k of group j is `split(byte, k)`, `orig_len` elements along `axis`.
template <class In, class Split>
Tensor unpack_along(const Tensor& packed, std::int64_t orig_len, std::int64_t axis, std::int64_t group, Split split) {
  const std::int64_t a = packed.normalize_axis(axis);
  const AxisView v = axis_view(packed.shape(), a);
  if (orig_len < 0 || (orig_len + group - 1) / group != v.length) {
    throw ValueError("unpack: " + std::to_string(v.length) + " packed elements along axis " + std::to_string(a) +
                     " cannot hold " + std::to_string(orig_len) + " values (" + std::to_string(group) + " per byte)");
  }
  Shape out_shape = packed.shape();
  out_shape[static_cast<std::size_t>(a)] = orig_len;
  Tensor out(out_shape, DType::int8);
  const In* in = packed.data_as<In>();
  std::int8_t* o = out.data_as<std::int8_t>();
  for (std::int64_t b = 0; b < v.outer; ++b) {
    for (std::int64_t at = 0; at < orig_len; ++at) {
      for (std::int64_t i = 0; i < v.inner; ++i) {
        const In byte = in[(b * v.length + at / group) * v.inner + i];
        o[(b * orig_len + at) * v.inner + i] = split(byte, at % group);
      }
    }
  }
  return out;
}

// abs_max_quantize(rows, {-1}, spec, dtype) of a matrix in one pass per row, the same
// float32 arithmetic; the integers stored as `Value` (float or int8).
struct QuantizedRows {
  Tensor values;
  std::vector<float> scales;  // one per row
};

template <class Value>
QuantizedRows quantize_rows(const Tensor& rows, const AbsMaxSpec& spec) {
  const std::int64_t m = rows.dim(0), k = rows.dim(1);
  QuantizedRows q{Tensor::empty(rows.shape(), dtype_of<Value>()), std::vector<float>(static_cast<std::size_t>(m))};
  const float* in = rows.data();
  Value* out = q.values.template data_as<Value>();
  for (std::int64_t r = 0; r < m; ++r) {
    const float* x = in + r * k;
    float amax = 0.0f;
    for (std::int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float scale = spec.value_max / (amax + spec.epsilon);
    for (std::int64_t i = 0; i < k; ++i) {
      out[r * k + i] =
          static_cast<Value>(std::clamp(round_half_even_small(x[i] * scale), spec.value_min, spec.value_max));
    }
    q.scales[static_cast<std::size_t>(r)] = scale;
  }
  return q;
}

// Quantized inputs and an int8 kernel whose values all fit int8, on a CPU with VNNI:
// oneDNN's s8 x s8 -> s32 matmul, exact as Keras's int32 product. Elsewhere the exact
// float path (oneDNN's int8 kernels without VNNI saturate 16-bit intermediate sums).
bool fits_int8(const AbsMaxSpec& spec, const Tensor& kernel) {
  return kernel.dtype() == DType::int8 && spec.value_min >= -128.0f && spec.value_max <= 127.0f &&
         detail::int8_matmul_is_exact();
}

Tensor int8_matmul(const Tensor& q_s8, const Tensor& kernel_s8) {
  const std::int64_t m = q_s8.dim(0), k = q_s8.dim(1), n = kernel_s8.dim(1);
  Tensor sums = Tensor::empty({m, n}, DType::int32);
  detail::matmul_s8s8s32(q_s8.data_as<std::int8_t>(), kernel_s8.data_as<std::int8_t>(), sums.data_as<std::int32_t>(), m,
                         k, n);
  return sums.astype(DType::float32);
}

// q [M, K] times kf [K, N], both integer-valued (|q| <= q_max, kf in int8's range), exactly
// (Keras multiplies int8 by int8 into int32): float32 adds integers exactly while partial
// sums stay within 2^24, so K is cut into blocks that keep them there (one block, a plain
// float GEMM, up to K = 1032 for int8) and the blocks' products are summed in double.
Tensor exact_integer_matmul(const Tensor& q, const Tensor& kf, float q_max) {
  const std::int64_t m = q.dim(0), k = kf.dim(0), n = kf.dim(1);
  const std::int64_t block =
      std::max<std::int64_t>(1, (std::int64_t{1} << 24) / (static_cast<std::int64_t>(q_max) * 128));
  if (k <= block) return matmul(q, kf);
  std::vector<double> sum(static_cast<std::size_t>(m * n), 0.0);
  for (std::int64_t start = 0; start < k; start += block) {
    const std::int64_t len = std::min(block, k - start);
    Tensor q_part = Tensor::empty({m, len});
    for (std::int64_t r = 0; r < m; ++r) std::copy_n(q.data() + r * k + start, len, q_part.data() + r * len);
    Tensor k_part = Tensor::empty({len, n});
    std::copy_n(kf.data() + start * n, len * n, k_part.data());
    const Tensor part = matmul(q_part, k_part);
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += part.data()[i];
  }
  Tensor out = Tensor::empty({m, n});
  std::transform(sum.begin(), sum.end(), out.data(), [](double v) { return static_cast<float>(v); });
  return out;
}

}  // namespace

AbsMaxQuantized abs_max_quantize(const Tensor& x, const std::vector<std::int64_t>& axes, const AbsMaxSpec& spec,
                                 DType dtype) {
  if (dtype != DType::int8 && dtype != DType::float32) {
    throw ValueError("abs_max_quantize: dtype must be int8 or float32, got " + std::string(dtype_name(dtype)));
  }
  const Axes reduce_axes(axes);
  Tensor scale = max(x.abs(), reduce_axes, /*keepdims=*/true);
  for (float& s : scale.values()) s = spec.value_max / (s + spec.epsilon);
  Tensor q = multiply(x, scale);
  for (float& v : q.values()) v = std::clamp(round_half_even(v), spec.value_min, spec.value_max);
  return {dtype == DType::float32 ? std::move(q) : q.astype(dtype), std::move(scale)};
}

Tensor pack_int4(const Tensor& values, std::int64_t axis) {
  require_dtype(values, {DType::int8}, "pack_int4");
  return pack_along<std::int8_t, std::int8_t>(values, axis, 2, std::int8_t{0}, [](const std::vector<std::int8_t>& v) {
    const auto low = static_cast<std::uint8_t>(v[0]) & 0x0F;
    const auto high = static_cast<std::uint8_t>(v[1]) & 0x0F;
    return static_cast<std::int8_t>(static_cast<std::uint8_t>(low | (high << 4)));
  });
}

Tensor unpack_int4(const Tensor& packed, std::int64_t orig_len, std::int64_t axis) {
  require_dtype(packed, {DType::int8}, "unpack_int4");
  return unpack_along<std::int8_t>(packed, orig_len, axis, 2, [](std::int8_t byte, std::int64_t k) {
    const int nibble = (static_cast<std::uint8_t>(byte) >> (4 * k)) & 0x0F;
    return static_cast<std::int8_t>((nibble ^ 8) - 8);  // [0, 15] -> [-8, 7]
  });
}

Tensor pack_ternary(const Tensor& trits, std::int64_t axis) {
  const Tensor x = trits.dtype() == DType::float32 ? trits : trits.astype(DType::float32);
  return pack_along<float, std::uint8_t>(x, axis, 5, 0.0f, [](const std::vector<float>& v) {
    int code = 0;
    for (int k = 4; k >= 0; --k) {
      code = code * 3 + static_cast<int>(std::clamp(round_half_even(v[static_cast<std::size_t>(k)]), -1.0f, 1.0f)) + 1;
    }
    return static_cast<std::uint8_t>(code);
  });
}

Tensor unpack_ternary(const Tensor& packed, std::int64_t orig_len, std::int64_t axis) {
  require_dtype(packed, {DType::uint8}, "unpack_ternary");
  return unpack_along<std::uint8_t>(packed, orig_len, axis, 5, [](std::uint8_t byte, std::int64_t k) {
    int code = byte;
    for (std::int64_t i = 0; i < k; ++i) code /= 3;
    return static_cast<std::int8_t>(code % 3 - 1);
  });
}

Tensor dequantize_grouped(const Tensor& q, const Tensor& scale, const Tensor& zero, const Tensor& g_idx,
                          std::int64_t axis) {
  const std::int64_t a = q.normalize_axis(axis);
  const Tensor qf = q.astype(DType::float32), sf = scale.astype(DType::float32), zf = zero.astype(DType::float32);
  const Tensor groups = g_idx.astype(DType::float32);
  const AxisView v = axis_view(q.shape(), a), s = axis_view(scale.shape(), a);
  if (s.outer != v.outer || s.inner != v.inner || groups.size() != v.length || scale.shape() != zero.shape()) {
    throw ValueError("dequantize_grouped: scale " + shape_repr(scale.shape()) + ", zero " + shape_repr(zero.shape()) +
                     " and g_idx " + shape_repr(g_idx.shape()) + " do not match values " + shape_repr(q.shape()) +
                     " along axis " + std::to_string(a));
  }
  Tensor out = Tensor::empty(q.shape());
  float* o = out.data();
  for (std::int64_t b = 0; b < v.outer; ++b) {
    for (std::int64_t at = 0; at < v.length; ++at) {
      const auto g = static_cast<std::int64_t>(groups[at]);
      if (g < 0 || g >= s.length) {
        throw ValueError("dequantize_grouped: g_idx[" + std::to_string(at) + "] = " + std::to_string(g) +
                         " is not a group in [0, " + std::to_string(s.length) + ")");
      }
      for (std::int64_t i = 0; i < v.inner; ++i) {
        const std::int64_t src = (b * v.length + at) * v.inner + i, grp = (b * s.length + g) * v.inner + i;
        o[src] = (qf[src] - zf[grp]) * sf[grp];
      }
    }
  }
  return out;
}

float round_to_float8_e4m3fn(float x) {
  if (std::isnan(x)) return x;
  const float a = std::fabs(x);
  if (a < 0x1p-6f) return std::copysign(std::nearbyint(a * 512.0f) / 512.0f, x);  // subnormals: steps of 2^-9
  auto bits = std::bit_cast<std::uint32_t>(a);
  bits += 0x7FFFFu + ((bits >> 20) & 1u);  // round the mantissa to 3 bits, half to even
  bits &= ~0xFFFFFu;
  const float r = std::bit_cast<float>(bits);
  return r > 448.0f ? std::numeric_limits<float>::quiet_NaN() : std::copysign(r, x);
}

Tensor quantize_dequantize_float8_e4m3fn(const Tensor& x, float scale) {
  return x.map([scale](float v) { return round_to_float8_e4m3fn(std::clamp(v / scale, -448.0f, 448.0f)) * scale; });
}

Tensor round_to_bfloat16(const Tensor& x) { return x.astype(DType::bfloat16).astype(DType::float32); }

Tensor descaled_matmul(const Tensor& x, const Tensor& kernel, const Tensor& kernel_scale,
                       const std::optional<AbsMaxSpec>& inputs_quantizer) {
  const std::int64_t k = kernel.dim(0);
  const auto as_float = [&kernel] { return kernel.dtype() == DType::float32 ? kernel : kernel.astype(DType::float32); };
  Shape out_shape = x.shape();
  out_shape.back() = kernel.dim(1);
  const Tensor rows = x.reshape({-1, k});
  if (!inputs_quantizer) return divide(matmul(rows, as_float()), kernel_scale).reshape(std::move(out_shape));
  if (kernel_scale.size() != kernel.dim(1)) {
    throw ValueError("descaled_matmul: kernel_scale " + shape_repr(kernel_scale.shape()) + " does not match kernel " +
                     shape_repr(kernel.shape()) + " (one scale per column)");
  }
  const bool s8 = fits_int8(*inputs_quantizer, kernel);
  const QuantizedRows q =
      s8 ? quantize_rows<std::int8_t>(rows, *inputs_quantizer) : quantize_rows<float>(rows, *inputs_quantizer);
  const float q_max = std::max(std::fabs(inputs_quantizer->value_min), std::fabs(inputs_quantizer->value_max));
  Tensor out = s8 ? int8_matmul(q.values, kernel) : exact_integer_matmul(q.values, as_float(), q_max);
  // Keras: divide(matmul, multiply(inputs_scale, kernel_scale)), in place.
  const Tensor scale_f = kernel_scale.astype(DType::float32);
  const float* ks = scale_f.data();
  float* o = out.data();
  const std::int64_t n = out.dim(1);
  for (std::int64_t r = 0; r < out.dim(0); ++r) {
    for (std::int64_t u = 0; u < n; ++u) o[r * n + u] /= q.scales[static_cast<std::size_t>(r)] * ks[u];
  }
  return out.reshape(std::move(out_shape));
}

}  // namespace kplug::ops
