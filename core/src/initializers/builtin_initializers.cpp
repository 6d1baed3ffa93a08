// keras.initializers: the exported names and ALL_OBJECTS_DICT's extra aliases.
#include "builtins/catalog.hpp"
#include "kplug/initializers.hpp"

namespace kplug::detail {
void add_builtin_initializers(CatalogBuilder& builder) {
  using namespace initializers;
  constexpr std::string_view module = "keras.initializers";
  builder.add_class<Zeros>(module, {"Zeros", "zeros"});
  builder.add_class<Ones>(module, {"Ones", "ones"});
  builder.add_class<Constant>(module, {"Constant", "constant"});
  builder.add_class<Identity>(module, {"Identity", "IdentityInitializer", "identity"});
  builder.add_class<STFT>(module, {"STFT", "STFTInitializer", "stft"});
  builder.add_class<RandomNormal>(module, {"RandomNormal", "random_normal"});
  builder.add_class<RandomUniform>(module, {"RandomUniform", "random_uniform"});
  builder.add_class<TruncatedNormal>(module, {"TruncatedNormal", "truncated_normal"});
  builder.add_class<VarianceScaling>(module, {"VarianceScaling", "variance_scaling"});
  builder.add_class<GlorotUniform>(module, {"GlorotUniform", "glorot_uniform"});
  builder.add_class<GlorotNormal>(module, {"GlorotNormal", "glorot_normal"});
  builder.add_class<HeUniform>(module, {"HeUniform", "he_uniform"});
  builder.add_class<HeNormal>(module, {"HeNormal", "he_normal"});
  builder.add_class<LecunUniform>(module, {"LecunUniform", "lecun_uniform"});
  builder.add_class<LecunNormal>(module, {"LecunNormal", "lecun_normal"});
  builder.add_class<Orthogonal>(module, {"Orthogonal", "OrthogonalInitializer", "orthogonal"});
  // Names only keras.initializers.get knows (ALL_OBJECTS_DICT's aliases), not exported symbols.
  builder.add_kind_alias(Kind::initializer, "uniform", module, "RandomUniform");
  builder.add_kind_alias(Kind::initializer, "normal", module, "RandomNormal");
  builder.add_kind_alias(Kind::initializer, "one", module, "Ones");
  builder.add_kind_alias(Kind::initializer, "zero", module, "Zeros");
}
}  // namespace kplug::detail
