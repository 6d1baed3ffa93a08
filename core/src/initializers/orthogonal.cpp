// Orthogonal (keras/src/initializers/random_initializers.py): Q of a QR decomposition.
#include "kplug/allocation_budget.hpp"
#include "kplug/initializers.hpp"

#include "initializers/config_options.hpp"
#include "initializers/random_sampling.hpp"
#include "kplug/errors.hpp"
#include "util/argument_checks.hpp"

#include <Eigen/Dense>

#include <algorithm>

namespace kplug::initializers {

namespace {
struct OrthogonalOptions {
  std::optional<Seed> seed;
  Number gain = Number::real(1.0);
};
const config::Fields<OrthogonalOptions>& orthogonal_fields() {
  static const config::Fields<OrthogonalOptions> fields{detail::seed_field<OrthogonalOptions>(),
                                                        config::field("gain", &OrthogonalOptions::gain)};
  return fields;
}
}  // namespace

Orthogonal::Orthogonal(Number gain, std::optional<Seed> seed) : RandomInitializer(seed), gain_(gain) {
  checks::require_finite(gain_.value, "gain");
}

Tensor Orthogonal::operator()(const Shape& shape) const {
  if (shape.size() < 2) {
    throw ValueError("The tensor to initialize must be at least two-dimensional. Received: shape=" +
                     shape_to_string(shape) + " of rank " + std::to_string(shape.size()) + ".");
  }
  // The work matrices are doubles of the output's size.
  check_allocation(shape, sizeof(double), "Orthogonal initializer");
  const std::int64_t size = shape_size(shape);
  // Keras flattens to (prod(shape[:-1]), shape[-1]) so conv kernels work.
  const std::int64_t cols = shape.back();
  if (size == 0) return Tensor(shape, 0.0f);
  const std::int64_t rows = size / cols;
  const Eigen::Index tall = std::max(rows, cols), narrow = std::min(rows, cols);

  // A (tall x narrow) standard normal matrix, filled row by row.
  detail::Sampler sampler(effective_seed());
  Eigen::MatrixXd a(tall, narrow);
  for (Eigen::Index i = 0; i < tall; ++i) {
    for (Eigen::Index j = 0; j < narrow; ++j) a(i, j) = sampler.standard_normal();
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  // The reduced Q (tall x narrow).
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(tall, narrow);
  // Make Q unique (uniformly distributed): multiply column j by sign(R[j, j]). Keras's
  // sign(0) = 0 would zero a column; a zero pivot (probability 0) keeps the column here.
  for (Eigen::Index j = 0; j < narrow; ++j) {
    if (qr.matrixQR()(j, j) < 0) q.col(j) *= -1.0;
  }
  if (rows < cols) q.transposeInPlace();  // orthogonal rows instead of columns

  Tensor out(shape);
  const double gain = gain_.value;
  for (Eigen::Index i = 0; i < q.rows(); ++i) {
    for (Eigen::Index j = 0; j < q.cols(); ++j) out[i * q.cols() + j] = to_float32(gain * q(i, j));
  }
  return out;
}

boost::json::object Orthogonal::get_config() const { return orthogonal_fields().write({seed(), gain_}); }

std::shared_ptr<Orthogonal> Orthogonal::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  const OrthogonalOptions args = orthogonal_fields().read(config, context, "Orthogonal");
  return std::make_shared<Orthogonal>(args.gain, args.seed);
}

}  // namespace kplug::initializers
