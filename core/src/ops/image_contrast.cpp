// AutoContrast and CLAHE as Keras computes them (keras/src/layers/preprocessing/
// image_preprocessing/auto_contrast.py and clahe.py), in float32 and in Keras's order of
// operations, so that results agree with Keras to float32 rounding.
#include "kplug/errors.hpp"
#include "kplug/ops/image.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace kplug::ops {

namespace {

void require_rank4_float32(const Tensor& images, const char* what) {
  if (images.rank() != 4 || images.dtype() != DType::float32) {
    throw ValueError(std::string(what) + " expects rank-4 float32 images, got shape " + std::to_string(images.rank()) +
                     "-d " + std::string(dtype_name(images.dtype())));
  }
}

// np.clip: NaN stays NaN.
float clip(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

// numpy's pad(mode="symmetric") index for position i of an axis of length n (periodic
// mirror, the edge repeated).
std::int64_t symmetric_index(std::int64_t i, std::int64_t n) {
  const std::int64_t m = i % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

// A float32 value as Keras's cast to int32 then clip to [0, 255] gives it (NaN -> 0).
int histogram_bin(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 255.0f) return 255;
  return static_cast<int>(v);
}

// One tile's 256 mappings (clipped histogram -> CDF scaled to [0, 255]).
void tile_mapping(std::vector<float>& hist, double clip_limit, std::int64_t area) {
  if (clip_limit > 0) {
    const float limit = static_cast<float>(clip_limit * static_cast<double>(area) / 256.0);
    float excess = 0.0f;
    for (float& h : hist) {
      const float clipped = std::min(std::max(h, 0.0f), limit);
      excess += h - clipped;
      h = clipped;
    }
    const float redist = excess / 256.0f;
    for (float& h : hist) h += redist;
  }
  float running = 0.0f;
  for (float& h : hist) h = running += h;  // the CDF
  const float cdf_min = *std::min_element(hist.begin(), hist.end());
  float denominator = static_cast<float>(area) - cdf_min;
  if (denominator == 0.0f) denominator = 1.0f;
  for (float& h : hist) h = clip((h - cdf_min) * 255.0f / denominator, 0.0f, 255.0f);
}

// Keras's grid coordinate of padded pixel i: (floor index clipped, its successor clipped, weight).
struct GridPoint {
  std::int64_t i0, i1;
  float w;
};
std::vector<GridPoint> grid_points(std::int64_t padded, std::int64_t tile, std::int64_t grid) {
  std::vector<GridPoint> out(static_cast<std::size_t>(padded));
  const float half = static_cast<float>(static_cast<double>(tile) / 2.0);
  for (std::int64_t i = 0; i < padded; ++i) {
    const float g = (static_cast<float>(i) - half) / static_cast<float>(tile) + 1.0f;
    const float f0 = std::floor(g);
    const auto clamp = [grid](float v) { return static_cast<std::int64_t>(std::clamp(v, 0.0f, float(grid + 1))); };
    out[static_cast<std::size_t>(i)] = {clamp(f0), clamp(f0 + 1.0f), g - f0};
  }
  return out;
}

}  // namespace

Tensor transform_value_range(const Tensor& images, float from_lo, float from_hi, float to_lo, float to_hi) {
  if (from_lo == to_lo && from_hi == to_hi) return images;
  Tensor x = images.dtype() == DType::float32 ? images.clone() : images.astype(DType::float32);
  const float span = from_hi - from_lo, scale = to_hi - to_lo;
  for (float& v : x.values()) v = (v - from_lo) / span * scale + to_lo;
  return x;
}

Tensor auto_contrast(const Tensor& images) {
  require_rank4_float32(images, "auto_contrast");
  const std::int64_t batch = images.dim(0), plane = images.dim(1) * images.dim(2), last = images.dim(3);
  Tensor out = images.clone();
  float* y = out.data();
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t k = 0; k < last; ++k) {
      float* base = y + b * plane * last + k;
      float low = std::numeric_limits<float>::infinity(), high = -low;
      bool nan = false;
      for (std::int64_t p = 0; p < plane; ++p) {
        const float v = base[p * last];
        nan = nan || std::isnan(v);
        low = std::min(low, v);
        high = std::max(high, v);
      }
      if (nan) low = high = std::numeric_limits<float>::quiet_NaN();  // numpy's min/max propagate NaN
      const float scale = 255.0f / (high - low);
      const float offset = -low * scale;
      for (std::int64_t p = 0; p < plane; ++p) base[p * last] = clip(base[p * last] * scale + offset, 0.0f, 255.0f);
    }
  }
  return out;
}

Tensor clahe(const Tensor& images, double clip_limit, std::int64_t grid_h, std::int64_t grid_w) {
  require_rank4_float32(images, "clahe");
  if (grid_h < 1 || grid_w < 1) throw ValueError("clahe: tile_grid_size must be positive");
  const std::int64_t batch = images.dim(0), height = images.dim(1), width = images.dim(2), channels = images.dim(3);
  const std::int64_t tile_h = (height + grid_h - 1) / grid_h, tile_w = (width + grid_w - 1) / grid_w;
  const std::int64_t padded_h = tile_h * grid_h, padded_w = tile_w * grid_w;
  const std::vector<GridPoint> ys = grid_points(padded_h, tile_h, grid_h), xs = grid_points(padded_w, tile_w, grid_w);
  const float* in = images.data();
  Tensor out(images.shape());
  float* y = out.data();
  // Each tile's 256 mappings; Keras pads the grid by replicating its edge tiles, so padded
  // tile t reads tile clamp(t - 1).
  std::vector<std::vector<float>> maps(static_cast<std::size_t>(grid_h * grid_w));
  const auto pixel = [&](std::int64_t b, std::int64_t r, std::int64_t c, std::int64_t ch) {
    return in[((b * height + symmetric_index(r, height)) * width + symmetric_index(c, width)) * channels + ch];
  };
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t ch = 0; ch < channels; ++ch) {
      for (std::int64_t ty = 0; ty < grid_h; ++ty) {
        for (std::int64_t tx = 0; tx < grid_w; ++tx) {
          std::vector<float> hist(256, 0.0f);
          for (std::int64_t r = ty * tile_h; r < (ty + 1) * tile_h; ++r) {
            for (std::int64_t c = tx * tile_w; c < (tx + 1) * tile_w; ++c)
              hist[histogram_bin(pixel(b, r, c, ch))] += 1.0f;
          }
          tile_mapping(hist, clip_limit, tile_h * tile_w);
          maps[static_cast<std::size_t>(ty * grid_w + tx)] = std::move(hist);
        }
      }
      const auto map = [&](std::int64_t ty, std::int64_t tx, int bin) {
        const std::int64_t sy = std::clamp<std::int64_t>(ty - 1, 0, grid_h - 1);
        const std::int64_t sx = std::clamp<std::int64_t>(tx - 1, 0, grid_w - 1);
        return maps[static_cast<std::size_t>(sy * grid_w + sx)][static_cast<std::size_t>(bin)];
      };
      for (std::int64_t r = 0; r < height; ++r) {
        const GridPoint& gy = ys[static_cast<std::size_t>(r)];
        for (std::int64_t c = 0; c < width; ++c) {
          const GridPoint& gx = xs[static_cast<std::size_t>(c)];
          const int bin = histogram_bin(pixel(b, r, c, ch));
          const float top = map(gy.i0, gx.i0, bin) * (1.0f - gx.w) + map(gy.i0, gx.i1, bin) * gx.w;
          const float bottom = map(gy.i1, gx.i0, bin) * (1.0f - gx.w) + map(gy.i1, gx.i1, bin) * gx.w;
          y[((b * height + r) * width + c) * channels + ch] = top * (1.0f - gy.w) + bottom * gy.w;
        }
      }
    }
  }
  return out;
}

}  // namespace kplug::ops
