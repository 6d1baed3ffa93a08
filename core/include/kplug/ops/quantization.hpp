// The maths of Keras 3's quantized layers (keras/src/quantizers/quantizers.py): abs-max
// quantization, int4 and ternary packing, grouped dequantization, the float8 (e4m3fn)
// quantize-dequantize, and the de-scaled products quantized Dense/EinsumDense run.
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// keras.quantizers.AbsMaxQuantizer's arguments.
struct AbsMaxSpec {
  float value_min = -127.0f;
  float value_max = 127.0f;
  float epsilon = 1e-7f;
};

struct AbsMaxQuantized {
  Tensor values;  // clip(round(x * scale), value_min, value_max) in the requested dtype
  Tensor scale;   // value_max / (max|x| over `axes` + epsilon), float32, the axes kept as 1
};

// keras.quantizers.abs_max_quantize over `axes` (negative counts from the end), in float32
// as Keras computes it; rounding is numpy's (half to even). `dtype` int8 or float32 (the
// integers as floats, for a float product).
AbsMaxQuantized abs_max_quantize(const Tensor& x, const std::vector<std::int64_t>& axes, const AbsMaxSpec& spec,
                                 DType dtype = DType::int8);

// keras.quantizers.pack_int4 / unpack_int4: int8 values in [-8, 7], two per int8 byte
// along `axis` (element 2i in the low nibble, 2i+1 in the high one; an odd length is
// padded with 0). unpack gives int8 values of length `orig_len` along `axis`.
Tensor pack_int4(const Tensor& values, std::int64_t axis);
Tensor unpack_int4(const Tensor& packed, std::int64_t orig_len, std::int64_t axis);

// keras.quantizers.pack_ternary / unpack_ternary: trits {-1, 0, 1} (values are rounded and
// clipped), five per uint8 byte along `axis` in base 3 (digit t+1, the first trit the least
// significant); unpack gives int8 trits of length `orig_len`.
Tensor pack_ternary(const Tensor& trits, std::int64_t axis);
Tensor unpack_ternary(const Tensor& packed, std::int64_t orig_len, std::int64_t axis);

// Keras's dequantize_with_sz_map: (q - zero[g]) * scale[g], where g = g_idx[i] picks, for
// position i along `axis` of `q`, the group along the same axis of `scale` and `zero`
// (which are otherwise q's shape). float32 result; g_idx any numeric dtype.
Tensor dequantize_grouped(const Tensor& q, const Tensor& scale, const Tensor& zero, const Tensor& g_idx,
                          std::int64_t axis);

// float32 -> float8_e4m3fn -> float32 (ml_dtypes' cast: round half to even, 448 the
// largest finite value, subnormals down to 2^-9; NaN stays NaN, larger values give NaN).
float round_to_float8_e4m3fn(float x);
// keras.quantizers.quantize_and_dequantize(x, scale, "float8_e4m3fn", "float32"):
// round_to_float8_e4m3fn(clip(x / scale, -448, 448)) * scale.
Tensor quantize_dequantize_float8_e4m3fn(const Tensor& x, float scale);
// float32 -> bfloat16 -> float32 (round half to even), as Keras's float8 Dense casts its bias.
Tensor round_to_bfloat16(const Tensor& x);

// x [..., K] times an integer-valued kernel [K, U] (any numeric dtype), the output divided
// per column by kernel_scale [U] (Keras's int8 and per-channel int4 Dense). With an inputs
// quantizer, x is first abs-max quantized per row and the output divided by
// kernel_scale * inputs_scale (W8A8).
Tensor descaled_matmul(const Tensor& x, const Tensor& kernel, const Tensor& kernel_scale,
                       const std::optional<AbsMaxSpec>& inputs_quantizer);

}  // namespace kplug::ops
#pragma GCC visibility pop
