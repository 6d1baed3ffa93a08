// keras.losses: cross-entropy losses and CTC.
#pragma once

#include "kplug/losses.hpp"
