// A served model's signature as TF Serving describes it: the names, dtypes and shapes
// (batch dimension first, unknown dims as -1) of its inputs and outputs.
#pragma once

#include "kplug/dtype.hpp"
#include "kplug/layers/partial_shape.hpp"
#include "kplug/models/model.hpp"

#include <string>
#include <vector>

#pragma GCC visibility push(default)
namespace kplug::serve {

struct TensorSpec {
  std::string name;
  DType dtype = DType::float32;
  PartialShape shape;  // batch dimension first
};

struct Signature {
  std::vector<TensorSpec> inputs;   // model.inputs order
  std::vector<TensorSpec> outputs;  // model.outputs order
};

// The only signature a Keras model has: TF Serving's "serving_default".
inline constexpr const char* kDefaultSignature = "serving_default";

// From the model's InputLayers and outputs. Outputs are float32: kplug computes in float32.
Signature signature_of(const Model& model);

// TF Serving's dtype names: float32 -> "DT_FLOAT", int32 -> "DT_INT32", bool -> "DT_BOOL".
std::string tf_dtype_name(DType dtype);

}  // namespace kplug::serve
#pragma GCC visibility pop
