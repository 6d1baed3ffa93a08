#include "layers/ops_nodes/get_item.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

namespace kplug::layers::op_nodes {
namespace {

std::optional<std::int64_t> optional_int(const boost::json::value& v) {
  if (v.is_null()) return std::nullopt;
  return v.to_number<std::int64_t>();
}

bool is_int(const boost::json::value& v) { return v.is_int64() || v.is_uint64(); }

// One element of a key as Keras serializes it; nullopt when it is none of them.
std::optional<ops::IndexItem> index_item(const boost::json::value& v) {
  using Kind = ops::IndexItem::Kind;
  auto of_kind = [](Kind kind) {
    ops::IndexItem item;
    item.kind = kind;
    return item;
  };
  if (is_int(v)) {
    ops::IndexItem item = of_kind(Kind::index);
    item.index = v.to_number<std::int64_t>();
    return item;
  }
  if (v.is_null()) return of_kind(Kind::new_axis);
  const auto* o = v.if_object();
  const auto* c = o ? o->if_contains("class_name") : nullptr;
  if (!c || !c->is_string()) return std::nullopt;
  if (c->get_string() == "__ellipsis__") return of_kind(Kind::ellipsis);
  const auto* config = c->get_string() == "__slice__" ? o->if_contains("config") : nullptr;
  if (!config || !config->is_object()) return std::nullopt;
  ops::IndexItem item = of_kind(Kind::slice);
  for (const auto* key : {"start", "stop", "step"}) {
    const auto* part = config->get_object().if_contains(key);
    if (part && !part->is_null() && !is_int(*part)) return std::nullopt;
  }
  auto part = [&](const char* key) {
    const auto* p = config->get_object().if_contains(key);
    return p ? optional_int(*p) : std::nullopt;
  };
  item.start = part("start");
  item.stop = part("stop");
  item.step = part("step");
  return item;
}

}  // namespace

GetItem::GetItem(LayerArgs args) : Layer(std::move(args)) { mark_built_at_init(); }

std::shared_ptr<GetItem> GetItem::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "GetItem");
  LayerArgs args;
  args.name = reader.optional_string("name");
  reader.finish();
  return std::make_shared<GetItem>(std::move(args));
}

ops::IndexKey GetItem::key_of(const boost::json::value* key) const {
  if (!key) fail("needs a key (x[key]): the node gives only the tensor");
  ops::IndexKey out;
  auto add = [&](const boost::json::value& v) {
    auto item = index_item(v);
    if (!item) {
      throw NotSupportedError("Operation '" + name() + "' (keras.src.ops.numpy.GetItem): the index " +
                              json::excerpt(v) +
                              " is not supported (ints, slices of ints, Ellipsis and None (newaxis) only)");
    }
    out.push_back(*item);
  };
  if (const auto* list = key->if_array()) {
    for (const auto& v : *list) add(v);
  } else {
    add(*key);
  }
  return out;
}

std::vector<PartialShape> GetItem::compute_output_shape_for_call(const std::vector<PartialShape>& input_shapes,
                                                                 const boost::json::object& kwargs) const {
  const PartialShape& in = single_shape(input_shapes);
  const ops::IndexKey key =
      ops::expand_index_key(key_of(kwargs.if_contains("key")), static_cast<std::int64_t>(in.rank()));
  std::vector<Dim> dims;
  std::size_t axis = 0;
  for (const auto& item : key) {
    if (item.kind == ops::IndexItem::Kind::new_axis) {
      dims.emplace_back(1);
      continue;
    }
    const Dim& d = in[axis++];
    if (item.kind == ops::IndexItem::Kind::slice) {
      dims.push_back(d ? Dim(ops::slice_length(item, *d)) : d);
    } else if (d && (item.index >= *d || item.index < -*d)) {
      fail("index " + std::to_string(item.index) + " is out of bounds for an axis of size " + std::to_string(*d) +
           " (input shape " + in.to_string() + ")");
    }
  }
  return {PartialShape(std::move(dims))};
}

std::vector<Tensor> GetItem::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {ops::get_item(args.inputs[0], key_of(args.kwarg("key")))};
}

}  // namespace kplug::layers::op_nodes
