// kplug's one home of tensor maths, as keras.ops: element-wise, broadcasting, reductions,
// linear algebra, neural-network kernels and axis manipulation. All float32 unless stated.
#pragma once

#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/indexing.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/ops/nn.hpp"
#include "kplug/ops/normalization.hpp"
#include "kplug/ops/pooling.hpp"
#include "kplug/ops/reduce.hpp"
#include "kplug/ops/shape.hpp"
#include "kplug/tensor.hpp"
