#include "kplug/layers/embedding.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"

namespace kplug::layers {

namespace {

using Options = Embedding::Options;

std::string check_positive(std::string_view key, std::int64_t v) {
  if (v > 0) return {};
  return "`" + std::string(key) + "` must be a positive integer. Received: " + std::string(key) + "=" +
         std::to_string(v);
}

const config::Fields<Options>& embedding_fields() {
  static const config::Fields<Options> f =
      config::Fields<Options>{
          config::field("input_dim", &Options::input_dim).check([](const std::int64_t& v) {
            return check_positive("input_dim", v);
          }),
          config::field("output_dim", &Options::output_dim).check([](const std::int64_t& v) {
            return check_positive("output_dim", v);
          }),
          config::field("embeddings_initializer", &Options::embeddings_initializer),
          config::field("embeddings_regularizer", &Options::embeddings_regularizer),
          // Read by LayerArgs::read; written here, where Keras's get_config puts it.
          config::custom_field<Options>(
              "activity_regularizer", [](ConfigReader&, std::string_view, const boost::json::value&, Options&) {},
              [](const Options& o) { return serialize(o.activity_regularizer); }),
          config::field("embeddings_constraint", &Options::embeddings_constraint),
          config::field("mask_zero", &Options::mask_zero),
      } +
      quantization_fields<Options>("Embedding");
  return f;
}

}  // namespace

Embedding::Embedding(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  for (auto [key, v] : {std::pair<std::string_view, std::int64_t>{"input_dim", options_.input_dim},
                        {"output_dim", options_.output_dim}}) {
    if (auto message = check_positive(key, v); !message.empty()) throw ValueError(message);
  }
  if (!options_.embeddings_initializer) {
    options_.embeddings_initializer = std::make_shared<initializers::RandomUniform>();
  }
  options_.activity_regularizer = nullptr;  // the Layer's
}

std::shared_ptr<Embedding> Embedding::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Embedding");
  LayerArgs args = LayerArgs::read(reader);
  Options o;
  embedding_fields().read_into(reader, o);
  for (std::string_view key : {"input_dim", "output_dim"}) {
    if (!reader.has(key)) reader.fail(key, "missing required argument '" + std::string(key) + "'");
  }
  reader.raw("input_length");  // deprecated by Keras, ignored
  reader.finish();
  return std::make_shared<Embedding>(std::move(o), std::move(args));
}

boost::json::object Embedding::get_config() const {
  boost::json::object config = base_config();
  config.erase("activity_regularizer");
  Options o = options_;
  o.activity_regularizer = activity_regularizer();
  embedding_fields().write_into(o, config);
  return config;
}

void Embedding::build(const std::vector<PartialShape>&) {
  embeddings_ = add_weight({"embeddings",
                            {options_.input_dim, options_.output_dim},
                            options_.embeddings_initializer,
                            options_.embeddings_regularizer,
                            options_.embeddings_constraint,
                            true});
}

std::vector<PartialShape> Embedding::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape in = single_shape(input_shapes);
  std::vector<Dim> dims = in.dims();
  dims.emplace_back(options_.output_dim);
  return {PartialShape(std::move(dims))};
}

std::vector<Tensor> Embedding::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& ids = args.inputs[0];
  const Tensor int_ids = is_integer(ids.dtype()) ? ids : ops::cast(ids, DType::int32);
  return {ops::take(embeddings_->value(), int_ids,
                    "Layer '" + name() + "' (Embedding, input_dim=" + std::to_string(options_.input_dim) + ")")};
}

std::vector<std::optional<Tensor>> Embedding::compute_mask(const CallArgs& args,
                                                           const std::vector<Tensor>& outputs) const {
  std::vector<std::optional<Tensor>> masks(outputs.size());
  if (options_.mask_zero && !outputs.empty()) masks[0] = ops::not_equal(args.input(0), 0.0);
  return masks;
}

}  // namespace kplug::layers
