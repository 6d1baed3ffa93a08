// One loaded version of one model: what the server predicts with.
#pragma once

#include "kplug/models/model.hpp"
#include "kplug/serve/signature.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <string>
#include <vector>

#pragma GCC visibility push(default)
namespace kplug::serve {

class Servable {
 public:
  Servable(std::string name, std::int64_t version, ModelPtr model);

  const std::string& name() const noexcept { return name_; }
  std::int64_t version() const noexcept { return version_; }
  const Signature& signature() const noexcept { return signature_; }
  const std::string& summary() const noexcept { return summary_; }

  // The model on one batch (inputs in signature order), every row at once. Safe from any
  // number of threads at once, as Model::predict is.
  std::vector<Tensor> predict(const std::vector<Tensor>& inputs) const;

 private:
  std::string name_;
  std::int64_t version_;
  ModelPtr model_;
  Signature signature_;
  std::string summary_;
};

}  // namespace kplug::serve
#pragma GCC visibility pop
