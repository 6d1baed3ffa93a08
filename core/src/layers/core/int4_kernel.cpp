#include "int4_kernel.hpp"

#include "kplug/initializers.hpp"
#include "kplug/layers/quantization.hpp"

namespace kplug::layers::detail {
namespace {

// Keras's g_idx initializer: floor(i / block) (never serialized).
class GroupIndices final : public Initializer {
 public:
  explicit GroupIndices(std::int64_t block) : block_(block) {}
  Tensor operator()(const Shape& shape) const override { return group_indices(shape[0], block_); }
  boost::json::object get_config() const override { return {{"block_size", block_}}; }

 private:
  std::int64_t block_;
};

}  // namespace

Int4Kernel int4_kernel(std::int64_t rows, std::int64_t columns, std::int64_t block) {
  const Shape scale_shape = block > 0 ? Shape{(rows + block - 1) / block, columns} : Shape{columns};
  Int4Kernel out{quantization_variable("kernel", {rows, (columns + 1) / 2}, DType::int8),
                 {quantization_variable("kernel_scale", scale_shape, DType::float32, 1.0)}};
  if (block > 0) {
    out.others.push_back(quantization_variable("kernel_zero", scale_shape, DType::int8));
    out.others.push_back(VariableSpec{"g_idx", {rows}, std::make_shared<GroupIndices>(block), nullptr, nullptr, false});
  }
  return out;
}

Int4Kernel ternary_kernel(std::int64_t rows, std::int64_t columns) {
  // 121 = the five base-3 digits 1 (trit 0) of Keras's initializer.
  return {quantization_variable("kernel", {(rows + 4) / 5, columns}, DType::uint8, 121.0),
          {quantization_variable("kernel_scale", {}, DType::float32, 1.0)}};
}

}  // namespace kplug::layers::detail
