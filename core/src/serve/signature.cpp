#include "kplug/serve/signature.hpp"

#include "kplug/layers/core.hpp"

namespace kplug::serve {

Signature signature_of(const Model& model) {
  Signature signature;
  for (const auto& input : model.input_layers()) {
    signature.inputs.push_back({input->name(), dtype_from_name(input->dtype()), input->batch_shape()});
  }
  const std::vector<std::string> names = model.output_names();
  const std::vector<PartialShape> shapes = model.output_shapes();
  for (std::size_t i = 0; i < names.size() && i < shapes.size(); ++i) {
    signature.outputs.push_back({names[i], DType::float32, shapes[i]});
  }
  return signature;
}

std::string tf_dtype_name(DType dtype) {
  switch (dtype) {
    case DType::float32: return "DT_FLOAT";
    case DType::float64: return "DT_DOUBLE";
    case DType::float16: return "DT_HALF";
    case DType::bfloat16: return "DT_BFLOAT16";
    case DType::bool_: return "DT_BOOL";
    default: break;
  }
  std::string name = "DT_";
  for (char c : dtype_name(dtype)) name += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return name;  // DT_INT8 ... DT_UINT64, as TensorFlow names them
}

}  // namespace kplug::serve
