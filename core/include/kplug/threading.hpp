// How many threads one call may use (issue 21): the compute kernels (oneDNN's, on the OpenMP
// runtime) read this setting for each call; predict itself is safe from any number of calling
// threads at once (kplug/models/model.hpp), and this bounds what each of those calls adds.
//
// The value is, in order: the last set_num_threads, else the environment variable
// KPLUG_NUM_THREADS (a positive integer, read on first use), else the number of hardware
// threads. It is process-wide, like torch.set_num_threads: a host that runs several predicts at
// once usually sets 1 and parallelizes over its requests instead. set_num_threads also sets
// Eigen's GEMM threads (ops::set_num_threads sets those alone); kplug is not built with OpenMP
// for Eigen, so Eigen's own code stays single-threaded whatever the setting.
#pragma once

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// The threads one call may use (at least 1). Throws ValueError naming KPLUG_NUM_THREADS when
// that variable is set to anything but a positive integer.
int get_num_threads();
// Sets it for every later call (calls under way keep theirs). Throws ValueError unless `threads` >= 1.
void set_num_threads(int threads);

}  // namespace kplug
#pragma GCC visibility pop
