#include "kplug/errors.hpp"
#include "kplug/losses/crossentropy.hpp"
#include "losses/builtin_losses.hpp"

namespace kplug::detail {

namespace {
void add_loss_function(CatalogBuilder& builder, std::string name, LossFunction::Fn fn) {
  builder.add_function(std::make_shared<LossFunction>(std::move(name), std::move(fn)), "keras.losses");
}
}  // namespace

void add_crossentropy_losses(CatalogBuilder& builder) {
  using namespace losses;
  constexpr std::string_view module = "keras.losses";
  builder.add_class<BinaryCrossentropy>(module, {"BinaryCrossentropy"});
  builder.add_class<BinaryFocalCrossentropy>(module, {"BinaryFocalCrossentropy"});
  builder.add_class<CategoricalCrossentropy>(module, {"CategoricalCrossentropy"});
  builder.add_class<CategoricalFocalCrossentropy>(module, {"CategoricalFocalCrossentropy"});
  builder.add_class<SparseCategoricalCrossentropy>(module, {"SparseCategoricalCrossentropy"});
  builder.add_class<CategoricalGeneralizedCrossEntropy>(module, {"CategoricalGeneralizedCrossEntropy"});
  builder.add_class<CTC>(module, {"CTC"});

  // The function forms, with Keras's default arguments.
  add_loss_function(builder, "binary_crossentropy",
                    [](const Tensor& t, const Tensor& p) { return binary_crossentropy(t, p); });
  add_loss_function(builder, "binary_focal_crossentropy",
                    [](const Tensor& t, const Tensor& p) { return binary_focal_crossentropy(t, p); });
  add_loss_function(builder, "categorical_crossentropy",
                    [](const Tensor& t, const Tensor& p) { return categorical_crossentropy(t, p); });
  add_loss_function(builder, "categorical_focal_crossentropy",
                    [](const Tensor& t, const Tensor& p) { return categorical_focal_crossentropy(t, p); });
  add_loss_function(builder, "sparse_categorical_crossentropy",
                    [](const Tensor& t, const Tensor& p) { return sparse_categorical_crossentropy(t, p); });
  // Keras's function has no default for q, so calling it without one fails there too.
  add_loss_function(builder, "categorical_generalized_cross_entropy", [](const Tensor&, const Tensor&) -> Tensor {
    throw ValueError(
        "categorical_generalized_cross_entropy() needs the argument `q`; use "
        "CategoricalGeneralizedCrossEntropy(q) or call it with q");
  });
  add_loss_function(builder, "ctc", [](const Tensor& t, const Tensor& p) { return ctc(t, p); });

  // keras.losses.get / deserialize aliases (ALL_OBJECTS_DICT).
  builder.add_kind_alias(Kind::loss, "bce", module, "binary_crossentropy");
  builder.add_kind_alias(Kind::loss, "BCE", module, "binary_crossentropy");
}

}  // namespace kplug::detail
