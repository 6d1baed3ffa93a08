// kplug's one home of tensor maths, as keras.ops: every header under kplug/ops/ (element-wise,
// broadcasting, comparisons, reductions, cumulative ops, indexing, shapes, linear algebra,
// einsum, convolution, pooling, normalisation, attention, image ops, signal processing). All float32 unless stated.
#pragma once

#include "kplug/ops/attention.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/compare.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/ops/cumulative.hpp"
#include "kplug/ops/einsum.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/get_item.hpp"
#include "kplug/ops/image.hpp"
#include "kplug/ops/indexing.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/ops/nn.hpp"
#include "kplug/ops/normalization.hpp"
#include "kplug/ops/pooling.hpp"
#include "kplug/ops/reduce.hpp"
#include "kplug/ops/shape.hpp"
#include "kplug/ops/signal.hpp"
#include "kplug/tensor.hpp"
