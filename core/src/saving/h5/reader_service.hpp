// The isolated HDF5 reader's side of reader_protocol.hpp: what kplug-h5-reader runs.
#pragma once

namespace kplug::saving::detail {

// Serves requests on `socket` one after the other until the host closes its end (exit 0) or a
// request fails (exit 3: libhdf5's state after a failure is not trusted with the next file).
// Never returns.
[[noreturn]] void serve_reader_requests(int socket);

}  // namespace kplug::saving::detail
