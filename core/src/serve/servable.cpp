#include "kplug/serve/servable.hpp"

#include <algorithm>

namespace kplug::serve {

Servable::Servable(std::string name, std::int64_t version, ModelPtr model)
    : name_(std::move(name)),
      version_(version),
      model_(std::move(model)),
      signature_(signature_of(*model_)),
      summary_(model_->summary()) {}

std::vector<Tensor> Servable::predict(const std::vector<Tensor>& inputs) const {
  const std::int64_t rows = inputs.empty() || inputs[0].rank() == 0 ? 1 : inputs[0].dim(0);
  return model_->predict(inputs, std::max<std::int64_t>(rows, 1));  // one call: the batch is the server's
}

}  // namespace kplug::serve
