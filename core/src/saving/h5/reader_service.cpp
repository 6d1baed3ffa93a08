// The reader process's request loop (reader_service.hpp): each request's file is read with
// libhdf5 under a memory and time bound, its datasets written into the host's memfd or left in
// the file at their offset, and everything announced as records.
#include "reader_service.hpp"

#include "file_image.hpp"
#include "kplug/saving/h5_error.hpp"
#include "reader_protocol.hpp"
#include "record_writer.hpp"
#include "unique_fd.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

namespace kplug::saving::detail {
namespace {

struct Request {
  RequestHeader header{};
  std::filesystem::path file;
  int source_fd = -1;
  int data_fd = -1;
};

// The bounds of one request: an address space of what is mapped now plus the budget, and an
// alarm past the host's deadline (the host kills the reader first; the alarm ends a reader stuck
// on a file after the host is gone).
// `statm`: this process's /proc/self/statm, opened once (each read from offset 0 is current).
void bound_request(const RequestHeader& header, int statm) {
  // Its first number: pages mapped now (raw reads: stdio's buffer costs more).
  unsigned long long pages = 0;
  char text[64] = {};
  if (statm >= 0 && ::pread(statm, text, sizeof text - 1, 0) > 0) pages = std::strtoull(text, nullptr, 10);
  const auto mapped = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  rlimit address_space{};
  ::getrlimit(RLIMIT_AS, &address_space);
  const std::uint64_t wanted = mapped + header.child_memory_bytes;
  address_space.rlim_cur =
      address_space.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, address_space.rlim_max);
  ::setrlimit(RLIMIT_AS, &address_space);
  const std::int64_t seconds = header.timeout_ms / 1000 + 2;
  ::alarm(static_cast<unsigned>(std::min<std::int64_t>(seconds, 1 << 30)));
}

// Every group, each vars group's `name` and (when read) every string attribute, as records.
void send_groups(RecordWriter& out, const h5::FileTree& tree) {
  for (const h5::FileTree::Group& group : tree.groups) {
    out.put(kGroup);
    out.put_string(group.path);
    if (group.vars_name) {
      out.put(kName);
      out.put_string(group.path);
      out.put_string(*group.vars_name);
    }
    for (const h5::StringAttribute& attribute : group.attributes) {
      out.put(kAttribute);
      out.put_string(group.path);
      out.put_string(attribute.name);
      out.put<std::uint8_t>(attribute.is_array ? 1 : 0);
      out.put<std::uint32_t>(static_cast<std::uint32_t>(attribute.values.size()));
      for (const std::string& value : attribute.values) out.put_string(value);
    }
  }
}

// The host's memfd sized to `bytes` and mapped (null for none); unmapped after the request.
std::shared_ptr<void> map_shared_buffer(int data_fd, std::uint64_t bytes, const std::string& name) {
  if (bytes == 0) return nullptr;
  if (::ftruncate(data_fd, static_cast<off_t>(bytes)) != 0) {
    throw h5::H5Error(name, "", std::string("cannot size the shared buffer: ") + std::strerror(errno));
  }
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, data_fd, 0);
  if (p == MAP_FAILED) {
    throw h5::H5Error(name, "",
                      "cannot map " + std::to_string(bytes) + " bytes of shared buffer: " + std::strerror(errno));
  }
  return std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
}

void put_dataset(RecordWriter& out, const h5::DatasetInfo& info, std::optional<std::uint64_t> in_file) {
  out.put(kDataset);
  out.put_string(info.path);
  out.put<std::uint8_t>(static_cast<std::uint8_t>(loaded_dtype(info.dtype)));
  out.put<std::uint32_t>(static_cast<std::uint32_t>(info.shape.size()));
  for (std::int64_t d : info.shape) out.put<std::int64_t>(d);
  out.put<std::uint64_t>(loaded_bytes(info));
  out.put<std::uint8_t>(in_file ? 1 : 0);
  if (in_file) out.put<std::uint64_t>(*in_file);
}

// Every dataset, as records: plain contiguous ones left in the file at their offset (the host
// reads them itself), the others (converted, compressed, chunked) read into the shared buffer,
// which the host maps afterwards: no pipe, no copy.
void send_datasets(RecordWriter& out, const h5::WeightsReader& reader, const h5::FileTree& tree, int data_fd,
                   std::uint64_t max_total_bytes) {
  std::vector<std::optional<std::uint64_t>> in_file;
  std::vector<std::uint64_t> offsets;
  std::uint64_t end = 0;
  std::uint64_t total = 0;
  for (const h5::FileTree::Dataset& dataset : tree.datasets) {
    const h5::DatasetInfo& info = dataset.info;
    const std::uint64_t bytes = loaded_bytes(info);
    if (bytes > max_total_bytes - total) {
      throw h5::H5UnsafeError(
          reader.file_name(), info.path,
          "the datasets exceed " + std::to_string(max_total_bytes) + " bytes in all (H5ReadOptions::max_total_bytes)");
    }
    total += bytes;
    in_file.push_back(loaded_dtype(info.dtype) == info.dtype ? dataset.offset : std::nullopt);
    offsets.push_back(end);
    if (!in_file.back()) end = slot_end(end, bytes);
  }
  const std::shared_ptr<void> mapping = map_shared_buffer(data_fd, end, reader.file_name());
  auto* base = static_cast<std::byte*>(mapping.get());
  for (std::size_t i = 0; i < tree.datasets.size(); ++i) {
    const h5::DatasetInfo& info = tree.datasets[i].info;
    const std::uint64_t bytes = loaded_bytes(info);
    if (bytes > 0 && !in_file[i]) read_loaded(reader, info, {base + offsets[i], static_cast<std::size_t>(bytes)});
    put_dataset(out, info, in_file[i]);
  }
}

void read_exactly(int socket, char* p, std::size_t size) {
  while (size > 0) {
    const ssize_t got = ::read(socket, p, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) ::_exit(kExitBadRequest);
    p += got;
    size -= static_cast<std::size_t>(got);
  }
}

// Reads one request; false at the end of the socket (the host is gone). A malformed request
// ends the reader (only the host writes there).
bool receive_request(int socket, Request& request) {
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  iovec part{&request.header, sizeof request.header};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n = 0;
  do {
    n = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return false;
  const cmsghdr* fds = CMSG_FIRSTHDR(&message);
  if (n < 0 || fds == nullptr || fds->cmsg_type != SCM_RIGHTS || fds->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
    ::_exit(kExitBadRequest);
  }
  int received[2];
  std::memcpy(received, CMSG_DATA(fds), sizeof received);
  request.source_fd = received[0];
  request.data_fd = received[1];
  read_exactly(socket, reinterpret_cast<char*>(&request.header) + n,
               sizeof request.header - static_cast<std::size_t>(n));
  if (request.header.protocol != kProtocol) ::_exit(kExitWrongProtocol);
  std::string path(request.header.path_bytes, '\0');
  read_exactly(socket, path.data(), path.size());
  request.file = std::move(path);
  return true;
}

// The host reads plain contiguous datasets from its own descriptor of the file (one copy, as a
// plain read): it must be the file HDF5 opened by name.
void check_same_file(const Request& request, const std::string& name) {
  struct stat opened {
  }, named{};
  if (::fstat(request.source_fd, &opened) != 0 || ::stat(request.file.c_str(), &named) != 0 ||
      opened.st_dev != named.st_dev || opened.st_ino != named.st_ino) {
    throw h5::H5Error(name, "", "the file was replaced while being read");
  }
}

void read_request(RecordWriter& out, const Request& request) {
  const RequestHeader& header = request.header;
  const std::string name = request.file.string();
  // An image (an archive member in a memfd) is copied by libhdf5 as it opens it.
  const h5::WeightsReader reader =
      header.image
          ? h5::WeightsReader::open_image(FileImage::load(request.source_fd, name).bytes(), name, header.limits)
          : h5::WeightsReader::open(request.file, header.limits);
  const h5::FileTree tree = reader.tree(header.with_attributes != 0);
  send_groups(out, tree);
  if (!header.image) check_same_file(request, reader.file_name());
  send_datasets(out, reader, tree, request.data_fd, header.max_total_bytes);
  out.put(kEnd);
}

// One request's records (the last ones still buffered): true when they end with the end record,
// false with a failure record.
bool answer(RecordWriter& out, const Request& request) {
  try {
    read_request(out, request);
    return true;
  } catch (const h5::H5Error& e) {
    out.put(kFailure);
    out.put<std::uint8_t>(dynamic_cast<const h5::H5UnsafeError*>(&e) ? 1 : 0);
    out.put_string(e.object());
    out.put_string(e.message());
  } catch (const std::exception& e) {
    out.put(kFailure);
    out.put<std::uint8_t>(0);
    out.put_string("");
    out.put_string(e.what());
  } catch (...) {
  }
  return false;
}

}  // namespace

void serve_reader_requests(int socket) {
  RecordWriter out(socket);
  const UniqueFd statm(::open("/proc/self/statm", O_RDONLY | O_CLOEXEC));
  for (;;) {
    Request request;
    if (!receive_request(socket, request)) ::_exit(0);
    bound_request(request.header, statm.get());
    const bool served = answer(out, request);
    ::alarm(0);
    ::close(request.source_fd);
    ::close(request.data_fd);
    // The last records go out once the request is cleaned up: the host may send the next one
    // (or look at this process) as soon as it has them.
    out.flush();
    if (!served) ::_exit(3);
  }
}

}  // namespace kplug::saving::detail
