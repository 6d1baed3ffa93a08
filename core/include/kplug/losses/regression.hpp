// keras.losses: regression, hinge, probabilistic, segmentation and metric-learning losses.
#pragma once

#include "kplug/losses.hpp"
