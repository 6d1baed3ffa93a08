// Tensor: inline shapes, dtypes and conversions, O(1) views sharing one aligned buffer,
// copy-on-write on mutation.
#define BOOST_TEST_MODULE tensor
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/ops.hpp"
#include "kplug/tensor.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <utility>
#include <vector>

using namespace kplug;

BOOST_AUTO_TEST_CASE(shape_is_vector_like_and_inline) {
  Shape s{2, 3, 4};
  BOOST_TEST(s.size() == 3u);
  BOOST_TEST(s[1] == 3);
  s.push_back(5);
  s.erase(s.begin());
  s.insert(s.begin() + 1, 7);
  BOOST_TEST((s == Shape{3, 7, 4, 5}));
  BOOST_TEST(shape_to_string(s) == "(3, 7, 4, 5)");
  const Shape copy(s.begin(), s.end() - 1);
  BOOST_TEST((copy == Shape{3, 7, 4}));
  // The dims of a rank <= 8 shape live inside the object itself.
  Shape eight(8, 1);
  const auto* inside = reinterpret_cast<const std::byte*>(&eight);
  const auto* dims = reinterpret_cast<const std::byte*>(eight.data());
  BOOST_TEST((dims >= inside && dims < inside + sizeof(Shape)));
  // Beyond 8 dims it spills, and shrinking brings it back.
  Shape big(10, 2);
  BOOST_TEST(shape_size(big) == 1024);
  big.pop_back();
  big.pop_back();
  BOOST_TEST(big.size() == 8u);
  BOOST_TEST(shape_size(big) == 256);
  Shape moved = std::move(big);
  BOOST_TEST(moved.size() == 8u);
  BOOST_CHECK_THROW(shape_size(Shape{2, -1}), ValueError);
}

BOOST_AUTO_TEST_CASE(buffer_is_64_byte_aligned) {
  for (std::int64_t n : {1, 3, 17, 1000}) {
    const Tensor t(Shape{n}, 1.0f);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0u);
  }
}

BOOST_AUTO_TEST_CASE(views_share_the_buffer) {
  const Tensor x(Shape{2, 3, 4}, std::vector<float>(24, 1.5f));
  const Tensor r = x.reshape({4, -1});
  BOOST_TEST((r.shape() == Shape{4, 6}));
  BOOST_TEST(r.shares_buffer_with(x));
  BOOST_TEST(r.data() == x.data());  // O(1): no copy of the elements
  const Tensor flat = x.flatten();
  BOOST_TEST(flat.data() == x.data());
  BOOST_TEST((x.expand_dims(0).shape() == Shape{1, 2, 3, 4}));
  BOOST_TEST((x.expand_dims(-1).shape() == Shape{2, 3, 4, 1}));
  const Tensor expanded = x.expand_dims(1);
  BOOST_TEST(expanded.data() == x.data());
  BOOST_TEST((x.expand_dims(1).squeeze().shape() == Shape{2, 3, 4}));
  BOOST_TEST((x.expand_dims(2).squeeze(2).shape() == Shape{2, 3, 4}));
  BOOST_CHECK_THROW(x.squeeze(0), ValueError);
  BOOST_CHECK_THROW(x.reshape({5, -1}), ValueError);
  BOOST_CHECK_THROW(x.reshape({-1, -1}), ValueError);
  // A contiguous row range is a view too.
  const Tensor rows = x.slice_rows(1, 2);
  BOOST_TEST((rows.shape() == Shape{1, 3, 4}));
  BOOST_TEST(rows.data() == x.data() + 12);
}

BOOST_AUTO_TEST_CASE(writes_copy_on_write) {
  Tensor a = Tensor::vector({1, 2, 3, 4});
  Tensor view = a.reshape({2, 2});
  BOOST_TEST(view.shares_buffer_with(a));
  view.at({0, 1}) = 20.0f;  // detaches the view: `a` keeps its values
  BOOST_TEST(!view.shares_buffer_with(a));
  BOOST_TEST(a[1] == 2.0f);
  BOOST_TEST(view[1] == 20.0f);
  // A sole owner writes in place (no copy).
  const float* before = std::as_const(view).data();
  view[0] = 10.0f;
  BOOST_TEST(std::as_const(view).data() == before);
  // A copy shares until written.
  Tensor b = a;
  BOOST_TEST(b.shares_buffer_with(a));
  b.values()[3] = -4.0f;
  BOOST_TEST(a[3] == 4.0f);
  BOOST_TEST(b[3] == -4.0f);
  // clone is a deep copy.
  const Tensor c = a.clone();
  BOOST_TEST(!c.shares_buffer_with(a));
  BOOST_TEST((c == a));
  // In-place ops honour the same rule.
  Tensor d = a;
  ops::add_(d, Tensor::scalar(1.0f));
  BOOST_TEST(a[0] == 1.0f);
  BOOST_TEST(d[0] == 2.0f);
}

BOOST_AUTO_TEST_CASE(adopted_memory_is_shared_and_copied_on_write) {
  // Two tensors over one owner's memory (as a weights read hands out), kept alive by them alone.
  auto released = std::make_shared<bool>(false);
  std::shared_ptr<void> owner;
  std::byte* base = nullptr;
  {
    auto storage = std::shared_ptr<std::byte[]>(new (std::align_val_t{64}) std::byte[256], [released](std::byte* p) {
      *released = true;
      ::operator delete[](p, std::align_val_t{64});
    });
    base = storage.get();
    owner = storage;
  }
  const float first[4] = {1, 2, 3, 4};
  const float second[2] = {5, 6};
  std::memcpy(base, first, sizeof first);
  std::memcpy(base + 64, second, sizeof second);
  Tensor a = Tensor::adopt(owner, base, Shape{2, 2}, DType::float32);
  const Tensor b = Tensor::adopt(owner, base + 64, Shape{2}, DType::float32);
  owner.reset();
  BOOST_TEST(!*released);
  BOOST_TEST((a == Tensor::matrix({{1, 2}, {3, 4}})));
  BOOST_TEST((b == Tensor::vector({5, 6})));
  BOOST_TEST(reinterpret_cast<const std::byte*>(std::as_const(a).data()) == base);  // no copy
  a[0] = 10.0f;  // the memory is shared with b: a copies first
  BOOST_TEST(reinterpret_cast<const std::byte*>(std::as_const(a).data()) != base);
  BOOST_TEST(reinterpret_cast<const float*>(base)[0] == 1.0f);
  BOOST_TEST(a[0] == 10.0f);
  a = Tensor();
  BOOST_TEST(!*released);  // b still holds it
  BOOST_CHECK_THROW(Tensor::adopt(std::make_shared<int>(0), base + 4, Shape{1}, DType::float32), ValueError);
  BOOST_CHECK_THROW(Tensor::adopt(nullptr, base, Shape{1}, DType::float32), ValueError);
}

BOOST_AUTO_TEST_CASE(dtypes_and_typed_access) {
  Tensor ids(Shape{3}, DType::int32);
  BOOST_TEST(dtype_name(ids.dtype()) == "int32");
  BOOST_TEST(ids.nbytes() == 12u);
  ids.data_as<std::int32_t>()[1] = 7;
  BOOST_TEST(ids.data_as<std::int32_t>()[1] == 7);
  BOOST_CHECK_THROW(ids.data(), ValueError);  // not float32
  BOOST_CHECK_THROW(ids.data_as<std::int64_t>(), ValueError);
  BOOST_TEST((dtype_from_name("bool") == DType::bool_));
  BOOST_TEST((dtype_from_name("float16") == DType::float16));
  BOOST_CHECK_THROW(dtype_from_name("complex64"), ValueError);
  BOOST_TEST(is_integer(DType::uint64));
  BOOST_TEST(!is_integer(DType::bool_));
  BOOST_TEST(is_floating(DType::bfloat16));
}

BOOST_AUTO_TEST_CASE(float16_round_trips) {
  // Every finite float16 survives float16 -> float32 -> float16 bit for bit.
  std::vector<Half> all;
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const std::uint32_t exponent = (bits >> 10) & 0x1f;
    if (exponent != 0x1f) all.push_back(Half{static_cast<std::uint16_t>(bits)});
  }
  const Tensor h = Tensor::from_values<Half>(Shape{static_cast<std::int64_t>(all.size())}, all);
  const Tensor f = h.astype(DType::float32);
  const Tensor back = f.astype(DType::float16);
  BOOST_TEST(std::memcmp(back.bytes(), h.bytes(), h.nbytes()) == 0);
  // Known values, and rounding to nearest even.
  const Tensor x = Tensor::vector({1.0f, -2.5f, 65504.0f, 1.0f + 1.0f / 2048.0f, 1e-8f, 70000.0f});
  const Tensor hx = x.astype(DType::float16);
  const Half* bits = hx.data_as<Half>();
  BOOST_TEST(bits[0].bits == 0x3c00);
  BOOST_TEST(bits[1].bits == 0xc100);
  BOOST_TEST(bits[2].bits == 0x7bff);
  BOOST_TEST(bits[3].bits == 0x3c00);  // halfway between 1 and 1 + 2^-10: rounds to even
  BOOST_TEST(bits[4].bits == 0x0000);  // below the smallest subnormal
  BOOST_TEST(bits[5].bits == 0x7c00);  // overflows to +inf, as numpy
  const Tensor widened = hx.astype(DType::float32);
  BOOST_TEST(widened[1] == -2.5f);
  BOOST_TEST(std::isinf(widened[5]));
}

BOOST_AUTO_TEST_CASE(integer_round_trips_are_exact) {
  const std::vector<std::int64_t> big{std::numeric_limits<std::int64_t>::max(),
                                      std::numeric_limits<std::int64_t>::min(), 9007199254740993, -1, 0};
  const Tensor t = Tensor::from_values<std::int64_t>(Shape{5}, big);
  const Tensor same = t.astype(DType::int64);
  BOOST_TEST((same == t));
  BOOST_TEST(!same.shares_buffer_with(t));
  // int32 <-> int64 <-> float64 <-> int32 for every int32 corner: exact.
  const std::vector<std::int32_t> small{std::numeric_limits<std::int32_t>::max(),
                                        std::numeric_limits<std::int32_t>::min(), -7, 0, 123456789};
  const Tensor s32 = Tensor::from_values<std::int32_t>(Shape{5}, small);
  BOOST_TEST((s32.astype(DType::int64).astype(DType::float64).astype(DType::int32) == s32));
  const std::vector<std::uint64_t> top{std::numeric_limits<std::uint64_t>::max(), 1};
  const Tensor u = Tensor::from_values<std::uint64_t>(Shape{2}, top);
  BOOST_TEST(u.astype(DType::uint64).data_as<std::uint64_t>()[0] == std::numeric_limits<std::uint64_t>::max());
  // Values the target cannot hold are errors, never UB.
  BOOST_CHECK_THROW(t.astype(DType::uint64), ValueError);  // negatives
  BOOST_CHECK_THROW(u.astype(DType::int64), ValueError);   // above int64
  BOOST_CHECK_THROW(s32.astype(DType::int8), ValueError);
  BOOST_CHECK_THROW(Tensor::vector({1e10f}).astype(DType::int32), ValueError);
  BOOST_CHECK_THROW(Tensor::vector({std::nanf("")}).astype(DType::int64), ValueError);
  BOOST_CHECK_THROW(Tensor::vector({9.3e18f}).astype(DType::int64), ValueError);
  // Floats truncate toward zero, as numpy's astype.
  const Tensor truncated = Tensor::vector({2.7f, -2.7f}).astype(DType::int32);
  BOOST_TEST(truncated.data_as<std::int32_t>()[0] == 2);
  BOOST_TEST(truncated.data_as<std::int32_t>()[1] == -2);
  // bool is x != 0.
  const Tensor flags = Tensor::vector({0.0f, -0.5f, 3.0f}).astype(DType::bool_);
  BOOST_TEST(!flags.data_as<bool>()[0]);
  BOOST_TEST(flags.data_as<bool>()[1]);
  BOOST_TEST(flags.astype(DType::uint8).data_as<std::uint8_t>()[2] == 1);
}

BOOST_AUTO_TEST_CASE(equality_and_legacy_api) {
  const Tensor m = Tensor::matrix({{1, 2}, {3, 4}});
  BOOST_TEST(m.at({1, 0}) == 3.0f);
  BOOST_CHECK_THROW(m.at({2, 0}), ValueError);
  BOOST_CHECK_THROW(m.item(), ValueError);
  BOOST_TEST(Tensor::scalar(2.5f).item() == 2.5f);
  BOOST_TEST((m.transpose() == Tensor::matrix({{1, 3}, {2, 4}})));
  BOOST_TEST((m.move_axis_to_last(0) == Tensor::matrix({{1, 3}, {2, 4}})));
  BOOST_TEST(!(Tensor::vector({std::nanf("")}) == Tensor::vector({std::nanf("")})));  // NaN != NaN
  BOOST_TEST(!(Tensor(Shape{2}, DType::int32) == Tensor(Shape{2}, DType::int64)));
  BOOST_TEST((Tensor() == Tensor::scalar(0.0f)));
  BOOST_TEST(m.sum() == 10.0f);
  BOOST_TEST((m.sum(0) == Tensor::vector({4, 6})));
  BOOST_TEST((m.max(1, true) == Tensor::matrix({{2}, {4}})));
  BOOST_TEST((m.map([](float v) { return v * 10.0f; }) == Tensor::matrix({{10, 20}, {30, 40}})));
}
