// kplug-h5-reader: the isolated HDF5 reader (docs/safety.md). The host starts it with
// posix_spawn, its end of a socket on descriptor 3, and sends it one file after the other
// (reader_protocol.hpp); libhdf5's crashes, hangs and huge allocations on a hostile file end
// this process, never the host. Not meant to be run by hand.
#include "saving/h5/reader_protocol.hpp"
#include "saving/h5/reader_service.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/socket.h>

int main() {
  // Descriptor 3 must be a socket (run by hand, it is not: say so through the exit status).
  int type = 0;
  socklen_t size = sizeof type;
  if (::getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &size) != 0 || type != SOCK_STREAM) {
    return kplug::saving::detail::kExitNotStarted;
  }
  const rlimit no_core{0, 0};  // a crash on a hostile file leaves no core file behind
  ::setrlimit(RLIMIT_CORE, &no_core);
  // Each request allocates a file's size several times over (the image, libhdf5's copies of it):
  // served from the heap and kept between requests, not mapped and unmapped each time (page
  // faults and TLB flushes were a third of a 1 MB file's read). The address-space bound still applies.
  ::mallopt(M_MMAP_THRESHOLD, kplug::saving::detail::kReaderHeapBelow);
  ::mallopt(M_TRIM_THRESHOLD, kplug::saving::detail::kReaderHeapKept);
  kplug::saving::detail::serve_reader_requests(3);
}
