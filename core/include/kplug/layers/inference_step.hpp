// A layer's inference compiled for inputs of fixed shapes and dtypes: what a model's
// execution plan runs instead of Layer::call (docs/performance.md, "Execution plans").
//
// A layer offers one by overriding Layer::plan_inference. The step is made once per input
// shape; it reads its weights' values as they were at planning (the plan is remade when a
// variable is assigned) and writes its outputs into storage the plan owns, so running it
// allocates nothing. Its maths comes from the ops layer (kplug/ops/kernels.hpp for the
// pointer-level kernels), as a layer's call does.
#pragma once

#include "kplug/dtype.hpp"
#include "kplug/shape.hpp"

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// The shape and dtype of one tensor a step reads or writes.
struct TensorSpec {
  Shape shape;
  DType dtype = DType::float32;

  std::size_t nbytes() const { return static_cast<std::size_t>(shape_size(shape)) * dtype_size(dtype); }
  bool operator==(const TensorSpec& other) const noexcept { return dtype == other.dtype && shape == other.shape; }
};

class InferenceStep {
 public:
  // `workspace_bytes`: scratch the step needs while it runs (a convolution's), laid out by the
  // plan with the tensors and given to each run.
  explicit InferenceStep(std::vector<TensorSpec> outputs, std::size_t workspace_bytes = 0)
      : outputs_(std::move(outputs)), workspace_bytes_(workspace_bytes) {}
  virtual ~InferenceStep();
  InferenceStep(const InferenceStep&) = delete;
  InferenceStep& operator=(const InferenceStep&) = delete;

  const std::vector<TensorSpec>& outputs() const noexcept { return outputs_; }
  std::size_t workspace_bytes() const noexcept { return workspace_bytes_; }
  // True for ViewStep: the plan gives the output its input's storage and runs nothing.
  virtual bool is_view() const noexcept { return false; }

  // Computes the outputs. `inputs` hold the tensors of the specs the step was planned for,
  // `outputs` storage for outputs() (64-byte aligned, never overlapping an input), `workspace`
  // workspace_bytes() of 64-byte aligned scratch for this run only. Called by any number of
  // threads at once: a step does not change itself.
  virtual void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
                   std::span<std::byte> workspace) const = 0;

 private:
  std::vector<TensorSpec> outputs_;
  std::size_t workspace_bytes_ = 0;
};

// A single output that is the first input's bytes under another shape (Flatten, Reshape,
// Dropout at inference).
class ViewStep final : public InferenceStep {
 public:
  explicit ViewStep(TensorSpec output) : InferenceStep({std::move(output)}) {}
  bool is_view() const noexcept override { return true; }
  void run(std::span<const std::byte* const>, std::span<std::byte* const>, std::span<std::byte>) const override {}
};

}  // namespace kplug
#pragma GCC visibility pop
