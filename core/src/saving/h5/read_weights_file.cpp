// read_weights_file: the whole file into memory, in-process or in a forked reader process whose
// crashes, hangs and huge allocations (libhdf5 1.10.8 bugs, fuzz/known/) cannot reach us. The
// reader serves one file after the other (reader_process.hpp): a load pays no fork.
#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "reader_process.hpp"
#include "tensor_convert.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <span>
#include <system_error>
#include <type_traits>

namespace kplug::saving {
namespace {

using Group = InMemoryWeightsStore::Group;

// The dtype a dataset is handed over in: floats as float32 (see loaded_dtype), others kept.
DType loaded_h5_dtype(DType dtype) noexcept { return is_floating(dtype) ? DType::float32 : dtype; }

// Reads a dataset into `destination` (its loaded_h5_dtype bytes): float32, integers and bool
// straight from HDF5, other floats through a float32 conversion.
void read_loaded(const h5::WeightsReader& reader, const h5::DatasetInfo& info, std::span<std::byte> destination) {
  if (loaded_h5_dtype(info.dtype) == info.dtype) {
    reader.read_into(info.path, destination);
    return;
  }
  const std::vector<float> values = reader.read(info.path).to_float32();
  if (values.size() * sizeof(float) != destination.size()) {
    throw h5::H5Error(reader.file_name(), info.path, "the dataset changed size while being read");
  }
  if (!values.empty()) std::memcpy(destination.data(), values.data(), destination.size());
}

std::uint64_t loaded_bytes(const h5::DatasetInfo& info) {
  return info.element_count * dtype_size(loaded_h5_dtype(info.dtype));
}

// Datasets are laid out one after the other in the shared buffer, each 64-byte aligned
// (Tensor's alignment, whole SIMD packets past each end stay inside the buffer).
constexpr std::uint64_t kSlot = Tensor::kAlignment;
std::uint64_t slot_end(std::uint64_t offset, std::uint64_t bytes) {
  return (offset + bytes + kSlot - 1) / kSlot * kSlot;
}

// Fresh memory for the datasets of one file, which the tensors over it share (copy-on-write).
// Transparent huge pages on advice: a 100 MB file costs ~50 page faults rather than ~25,000.
std::shared_ptr<void> map_arena(std::uint64_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::madvise(p, bytes, MADV_HUGEPAGE);  // advice: without it the memory is the same, in 4 KiB pages
  return std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
}
std::byte* at(const std::shared_ptr<void>& arena, std::uint64_t offset) {
  return static_cast<std::byte*>(arena.get()) + offset;
}

// ---- the child's stream ------------------------------------------------------------------

enum Record : char { kGroup = 'G', kDataset = 'D', kName = 'A', kAttribute = 'T', kFailure = 'X', kEnd = 'E' };

void write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(4);  // the parent is gone
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// The child's records, buffered: a write per record field was most of a large file's read time.
class RecordWriter {
 public:
  explicit RecordWriter(int fd) : fd_(fd) { buffer_.reserve(kFlushAt + 4096); }
  template <class T>
  void put(T value) {
    buffer_.append(reinterpret_cast<const char*>(&value), sizeof value);
    if (buffer_.size() >= kFlushAt) flush();
  }
  void put_string(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    buffer_.append(s);
    if (buffer_.size() >= kFlushAt) flush();
  }
  void flush() {
    write_all(fd_, buffer_.data(), buffer_.size());
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kFlushAt = 64 * 1024;
  int fd_;
  std::string buffer_;
};

// What one request asks for; the file's descriptor and the shared buffer's come with it
// (SCM_RIGHTS), then `path_bytes` of the file's path (absolute: the reader outlives any chdir).
struct RequestHeader {
  h5::ReadLimits limits;
  std::uint64_t child_memory_bytes;
  std::uint64_t max_total_bytes;
  std::int64_t timeout_ms;
  std::uint32_t path_bytes;
  std::uint8_t image;
  std::uint8_t with_attributes;
};
static_assert(std::is_trivially_copyable_v<RequestHeader>);

struct Request {
  RequestHeader header{};
  std::filesystem::path file;
  int source_fd = -1;
  int data_fd = -1;
};

// The bounds of one request in the reader: an address space of what it has mapped now plus the
// budget, and an alarm past the parent's deadline (it kills the reader first; the alarm ends a
// reader stuck on a file after the parent is gone).
void bound_request(const RequestHeader& header) {
  unsigned long long pages = 0;
  if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%llu", &pages) != 1) pages = 0;
    std::fclose(statm);
  }
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

// Every dataset, as records: read into the shared buffer (converted, compressed or chunked ones), or
// left in the file at its offset for the parent to read itself (plain contiguous ones).
void send_datasets(RecordWriter& out, const h5::WeightsReader& reader, const h5::FileTree& tree, int data_fd,
                   const H5ReadOptions& options) {
  // Where each dataset comes from: the file at an offset, or (converted, compressed, chunked)
  // the shared buffer, which the child fills and the parent maps afterwards: no pipe, no copy.
  std::vector<std::optional<std::uint64_t>> in_file;
  std::vector<std::uint64_t> offsets;
  std::uint64_t end = 0;
  std::uint64_t total = 0;
  for (const h5::FileTree::Dataset& dataset : tree.datasets) {
    const h5::DatasetInfo& info = dataset.info;
    const std::uint64_t bytes = loaded_bytes(info);
    if (bytes > options.max_total_bytes - total) {
      throw h5::H5UnsafeError(reader.file_name(), info.path,
                              "the datasets exceed " + std::to_string(options.max_total_bytes) +
                                  " bytes in all (H5ReadOptions::max_total_bytes)");
    }
    total += bytes;
    in_file.push_back(loaded_h5_dtype(info.dtype) == info.dtype ? dataset.offset : std::nullopt);
    offsets.push_back(end);
    if (!in_file.back()) end = slot_end(end, bytes);
  }
  std::byte* base = nullptr;
  std::shared_ptr<void> mapping;  // unmapped after the request (the reader serves more)
  if (end > 0) {
    if (::ftruncate(data_fd, static_cast<off_t>(end)) != 0) {
      throw h5::H5Error(reader.file_name(), "", std::string("cannot size the shared buffer: ") + std::strerror(errno));
    }
    void* p = ::mmap(nullptr, end, PROT_READ | PROT_WRITE, MAP_SHARED, data_fd, 0);
    if (p == MAP_FAILED) {
      throw h5::H5Error(reader.file_name(), "",
                        "cannot map " + std::to_string(end) + " bytes of shared buffer: " + std::strerror(errno));
    }
    mapping.reset(p, [end](void* q) { ::munmap(q, end); });
    base = static_cast<std::byte*>(p);
  }
  for (std::size_t i = 0; i < tree.datasets.size(); ++i) {
    const h5::DatasetInfo& info = tree.datasets[i].info;
    const std::uint64_t bytes = loaded_bytes(info);
    if (bytes > 0 && !in_file[i]) read_loaded(reader, info, {base + offsets[i], static_cast<std::size_t>(bytes)});
    out.put(kDataset);
    out.put_string(info.path);
    out.put<std::uint8_t>(static_cast<std::uint8_t>(loaded_h5_dtype(info.dtype)));
    out.put<std::uint32_t>(static_cast<std::uint32_t>(info.shape.size()));
    for (std::int64_t d : info.shape) out.put<std::int64_t>(d);
    out.put<std::uint64_t>(bytes);
    out.put<std::uint8_t>(in_file[i] ? 1 : 0);
    if (in_file[i]) out.put<std::uint64_t>(*in_file[i]);
  }
}

// Reads one request; false at the end of the socket (the parent is gone). Any malformed request
// ends the reader (only the parent writes there).
bool receive_request(int socket, Request& request) {
  char control[CMSG_SPACE(2 * sizeof(int))] = {};
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
    ::_exit(5);
  }
  int received[2];
  std::memcpy(received, CMSG_DATA(fds), sizeof received);
  request.source_fd = received[0];
  request.data_fd = received[1];
  auto read_rest = [&](char* p, std::size_t size) {
    while (size > 0) {
      const ssize_t got = ::read(socket, p, size);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) ::_exit(5);
      p += got;
      size -= static_cast<std::size_t>(got);
    }
  };
  read_rest(reinterpret_cast<char*>(&request.header) + n, sizeof request.header - static_cast<std::size_t>(n));
  std::string path(request.header.path_bytes, '\0');
  read_rest(path.data(), path.size());
  request.file = std::move(path);
  return true;
}

// One request's records. `image`: the file is the regular file open as source_fd, read as an
// in-memory image (a memfd holding an archive member: HDF5 cannot open it by a /proc/self/fd
// path). True when the end record went out; false after a failure record (the reader then ends:
// libhdf5's state after a failure is not trusted with the next file).
bool answer(RecordWriter& out, const Request& request) {
  const RequestHeader& header = request.header;
  H5ReadOptions options;
  options.limits = header.limits;
  options.max_total_bytes = header.max_total_bytes;
  const std::filesystem::path& file = request.file;
  try {
    std::span<const std::byte> image_bytes;
    std::shared_ptr<void> image_mapping;
    if (header.image) {
      struct stat info {};
      if (::fstat(request.source_fd, &info) != 0) throw h5::H5Error(file.string(), "", "cannot read the file size");
      const auto size = static_cast<std::size_t>(info.st_size);
      void* p = size > 0 ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, request.source_fd, 0) : nullptr;
      if (p == MAP_FAILED) throw h5::H5Error(file.string(), "", std::string("cannot map: ") + std::strerror(errno));
      if (p) image_mapping.reset(p, [size](void* q) { ::munmap(q, size); });
      image_bytes = {static_cast<const std::byte*>(p), size};
    }
    const h5::WeightsReader reader = header.image
                                         ? h5::WeightsReader::open_image(image_bytes, file.string(), options.limits)
                                         : h5::WeightsReader::open(file, options.limits);
    const h5::FileTree tree = reader.tree(header.with_attributes != 0);
    send_groups(out, tree);
    // The parent reads plain contiguous datasets from its own descriptor of the file (one copy,
    // as a plain read); only it must be the same file HDF5 opened.
    struct stat opened {
    }, named{};
    if (!header.image && (::fstat(request.source_fd, &opened) != 0 || ::stat(file.c_str(), &named) != 0 ||
                          opened.st_dev != named.st_dev || opened.st_ino != named.st_ino)) {
      throw h5::H5Error(reader.file_name(), "", "the file was replaced while being read");
    }
    send_datasets(out, reader, tree, request.data_fd, options);
    out.put(kEnd);
    out.flush();
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
  out.flush();
  return false;
}

// The reader process's loop (ReaderProcess::Serve): one request after the other until the parent
// goes; a failed request ends it.
[[noreturn]] void serve_requests(int socket) {
  RecordWriter out(socket);
  for (;;) {
    Request request;
    if (!receive_request(socket, request)) ::_exit(0);
    bound_request(request.header);
    const bool served = answer(out, request);
    ::alarm(0);
    ::close(request.source_fd);
    ::close(request.data_fd);
    if (!served) ::_exit(3);
  }
}

// ---- the parent's side -----------------------------------------------------------------
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Thrown inside the reader when the stream stops early: the child's exit status decides the message.
struct StreamEnded {};
struct TimedOut {};

class StreamReader {
 public:
  StreamReader(int fd, std::chrono::steady_clock::time_point deadline) : fd_(fd), deadline_(deadline) {}

  void read_exact(void* data, std::size_t size) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
      if (next_ == filled_) refill();
      const std::size_t n = std::min(size, filled_ - next_);
      std::memcpy(p, buffer_.data() + next_, n);
      next_ += n;
      p += n;
      size -= n;
    }
  }

 private:
  // Reads what the pipe holds (up to the buffer's size), waiting at most until the deadline.
  void refill() {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw TimedOut{};
      pollfd pfd{fd_, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) continue;  // the deadline check above decides
      const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw StreamEnded{};
      next_ = 0;
      filled_ = static_cast<std::size_t>(n);
      return;
    }
  }

 public:
  template <class T>
  T get() {
    T value{};
    read_exact(&value, sizeof value);
    return value;
  }
  std::string get_string(std::uint32_t max) {
    const auto size = get<std::uint32_t>();
    if (size > max) throw std::length_error("a string of " + std::to_string(size) + " bytes");
    std::string s(size, '\0');
    read_exact(s.data(), size);
    return s;
  }

 private:
  int fd_;
  std::chrono::steady_clock::time_point deadline_;
  std::vector<char> buffer_ = std::vector<char>(64 * 1024);  // on the heap: callers may run on small stacks
  std::size_t next_ = 0;
  std::size_t filled_ = 0;
};

[[noreturn]] void bad_stream(const std::string& file, const std::string& what) {
  throw h5::H5Error(file, "", "the isolated reader sent an invalid record (" + what + ")");
}

// One attribute record; the child applies the attribute caps, the parent checks them again.
void read_attribute_record(StreamReader& in, const std::string& name, const h5::ReadLimits& limits,
                           std::uint64_t& bytes_so_far, StringAttributes& attributes) {
  const std::string path = in.get_string(1 << 16);
  h5::StringAttribute attribute;
  attribute.name = in.get_string(1 << 16);
  attribute.is_array = in.get<std::uint8_t>() != 0;
  const auto count = in.get<std::uint32_t>();
  const auto cap = static_cast<std::uint32_t>(std::min<std::uint64_t>(limits.max_attribute_bytes, 0xffffffffu));
  for (std::uint32_t i = 0; i < count; ++i) {
    attribute.values.push_back(in.get_string(cap));
    bytes_so_far += attribute.values.back().size() + sizeof(char*);
    if (bytes_so_far > limits.max_attribute_bytes) {
      throw h5::H5UnsafeError(name, path + "@" + attribute.name,
                              "the string attributes exceed the ReadLimits::max_attribute_bytes cap");
    }
  }
  attributes[path].push_back(std::move(attribute));
}

// `destination.size()` bytes of the file at `offset` (checked to lie in the file).
void read_file_range(int fd, const std::string& name, const std::string& path, std::uint64_t offset,
                     std::span<std::byte> destination) {
  std::size_t done = 0;
  while (done < destination.size()) {
    const ssize_t n =
        ::pread(fd, destination.data() + done, destination.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw h5::H5Error(name, path, std::string("cannot read the dataset's data: ") + std::strerror(errno));
    if (n == 0) throw h5::H5Error(name, path, "the file was truncated while being read");
    done += static_cast<std::size_t>(n);
  }
}

// Datasets announced by the child: at an offset in the file, or in the shared buffer (laid
// out as the child does).
struct Pending {
  std::string path;
  Shape shape;
  DType dtype;
  std::uint64_t offset;
  std::uint64_t bytes;
  bool in_file;
  std::uint64_t slot;  // in the parent's arena (in_file)
};

// The announced datasets and their running totals, every figure checked again on this side.
struct PendingLayout {
  std::vector<Pending> datasets;
  std::uint64_t total = 0;      // bytes announced
  std::uint64_t end = 0;        // of the shared buffer
  std::uint64_t arena_end = 0;  // of the memory the parent reads the file's plain datasets into
};

void read_dataset_record(StreamReader& in, const std::string& name, const H5ReadOptions& options,
                         std::uint64_t file_size, PendingLayout& layout) {
  const std::string path = in.get_string(1 << 16);
  const auto dtype_code = in.get<std::uint8_t>();
  if (dtype_code > static_cast<std::uint8_t>(DType::bool_)) bad_stream(name, "dtype");
  const auto rank = in.get<std::uint32_t>();
  if (rank > 64) bad_stream(name, "rank " + std::to_string(rank));
  h5::Array array;
  array.dtype = static_cast<DType>(dtype_code);
  std::uint64_t count = 1;
  for (std::uint32_t i = 0; i < rank; ++i) {
    const auto d = in.get<std::int64_t>();
    if (d < 0) bad_stream(name, "negative dimension");
    if (d != 0 && count > options.limits.max_elements / static_cast<std::uint64_t>(d)) {
      throw h5::H5UnsafeError(
          name, path,
          "more than " + std::to_string(options.limits.max_elements) + " elements (ReadLimits::max_elements)");
    }
    count *= static_cast<std::uint64_t>(d);
    array.shape.push_back(d);
  }
  const auto bytes = in.get<std::uint64_t>();
  if (count > options.limits.max_elements) {
    throw h5::H5UnsafeError(
        name, path,
        "more than " + std::to_string(options.limits.max_elements) + " elements (ReadLimits::max_elements)");
  }
  if (bytes != count * dtype_size(array.dtype)) bad_stream(name, "size of '" + path + "'");
  if (bytes > options.max_total_bytes - layout.total) {
    throw h5::H5UnsafeError(name, path,
                            "the datasets exceed " + std::to_string(options.max_total_bytes) +
                                " bytes in all (H5ReadOptions::max_total_bytes)");
  }
  layout.total += bytes;
  if (is_floating(array.dtype) && array.dtype != DType::float32) {
    bad_stream(name, "dtype of '" + path + "'");  // the child hands floats over as float32
  }
  const bool in_file = in.get<std::uint8_t>() != 0;
  std::uint64_t offset = layout.end;
  std::uint64_t slot = 0;
  if (in_file) {
    offset = in.get<std::uint64_t>();
    if (bytes == 0 || offset > file_size || bytes > file_size - offset) {
      bad_stream(name, "range of '" + path + "' outside the file");
    }
    slot = layout.arena_end;
    layout.arena_end = slot_end(layout.arena_end, bytes);
  } else {
    layout.end = slot_end(layout.end, bytes);
  }
  layout.datasets.push_back({path, Shape(array.shape.begin(), array.shape.end()), detail::loaded_dtype(array.dtype),
                             offset, bytes, in_file, slot});
}

// The child's end: killed by a signal, its own failure record, or anything but a clean finish.
void check_child_outcome(int status, const std::string& name, const std::optional<h5::H5Error>& child_error,
                         bool child_unsafe, bool complete) {
  if (WIFSIGNALED(status)) {
    throw h5::H5Error(name, "",
                      "the HDF5 library failed on this file (killed by signal " + std::to_string(WTERMSIG(status)) +
                          "): the file is malformed or hostile");
  }
  if (child_error) {
    if (child_unsafe) throw h5::H5UnsafeError(name, child_error->object(), child_error->message());
    throw *child_error;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !complete) {
    throw h5::H5Error(name, "",
                      "the HDF5 library failed on this file (the reader exited with status " +
                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                          "): the file is malformed or hostile");
  }
}

// The datasets the child announced, as tensors: over the shared buffer it filled (mapped once), or
// read from the file at the offsets it vouched for into fresh memory.
void adopt_datasets(InMemoryWeightsStore& store, PendingLayout& layout, int data_fd, int source_fd,
                    const std::string& name) {
  const std::uint64_t end = layout.end;
  std::shared_ptr<void> mapping;
  if (end > 0) {
    struct stat info {};
    if (::fstat(data_fd, &info) != 0 || info.st_size < 0 || static_cast<std::uint64_t>(info.st_size) != end) {
      bad_stream(name, "a shared buffer of " + std::to_string(info.st_size) + " bytes for " + std::to_string(end));
    }
    // MAP_POPULATE: the pages exist already (the child wrote them); map them all at once.
    void* p = ::mmap(nullptr, end, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, data_fd, 0);
    if (p == MAP_FAILED) {
      throw h5::H5Error(name, "", "cannot map the " + std::to_string(end) + " bytes read: " + std::strerror(errno));
    }
    // Every tensor over it keeps the whole mapping alive (and copies before a write while another does).
    mapping = std::shared_ptr<void>(p, [end](void* q) { ::munmap(q, end); });
  }
  const std::shared_ptr<void> arena = layout.arena_end > 0 ? map_arena(layout.arena_end) : nullptr;
  for (Pending& d : layout.datasets) {
    Tensor value;
    if (d.bytes == 0) {
      value = Tensor::empty(std::move(d.shape), d.dtype);
    } else if (d.in_file) {
      read_file_range(source_fd, name, d.path, d.offset, {at(arena, d.slot), static_cast<std::size_t>(d.bytes)});
      value = Tensor::adopt(arena, at(arena, d.slot), std::move(d.shape), d.dtype);
    } else {
      value = Tensor::adopt(mapping, at(mapping, d.offset), std::move(d.shape), d.dtype);
    }
    detail::add_dataset(store.root(), d.path, std::move(value));
  }
}

// Sends one request and its two descriptors; false when the reader is gone (an idle one that died
// since: the caller starts another).
bool send_request(int socket, const RequestHeader& header, const std::string& path, int source_fd, int data_fd,
                  const std::string& name) {
  std::string payload(reinterpret_cast<const char*>(&header), sizeof header);
  payload += path;
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  iovec part{payload.data(), payload.size()};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* fds = CMSG_FIRSTHDR(&message);
  fds->cmsg_level = SOL_SOCKET;
  fds->cmsg_type = SCM_RIGHTS;
  fds->cmsg_len = CMSG_LEN(2 * sizeof(int));
  const int both[2] = {source_fd, data_fd};
  std::memcpy(CMSG_DATA(fds), both, sizeof both);
  ssize_t n = 0;
  do {
    n = ::sendmsg(socket, &message, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) return false;
  for (auto sent = static_cast<std::size_t>(std::max<ssize_t>(n, 0)); n >= 0 && sent < payload.size();) {
    n = ::send(socket, payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) n = 0;
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  if (n < 0) throw h5::H5Error(name, "", std::string("cannot reach the isolated reader: ") + std::strerror(errno));
  return true;
}

// A reader with the request sent: an idle one from the pool, or (when that one died meanwhile,
// or `reuse` is off) a fresh one.
std::unique_ptr<detail::ReaderProcess> start_request(const RequestHeader& header, const std::string& path,
                                                     int source_fd, int data_fd, const std::string& name, bool reuse) {
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<detail::ReaderProcess> reader;
    try {
      reader = reuse ? detail::reader_pool().acquire(&serve_requests) : detail::ReaderProcess::start(&serve_requests);
    } catch (const std::system_error& e) {
      throw h5::H5Error(name, "", std::string("cannot start the isolated reader: ") + e.what());
    }
    if (send_request(reader->socket(), header, path, source_fd, data_fd, name)) return reader;
    if (attempt > 0) throw h5::H5Error(name, "", "the isolated reader ended before taking the request");
  }
}

// What the reader's records said.
struct Received {
  PendingLayout layout;
  std::optional<h5::H5Error> error;
  bool unsafe = false;
  bool complete = false;
};

// The records of one request, checked, into `store` and `received` (the datasets pending), until
// the end record, a failure record or the end of the stream (StreamEnded, TimedOut).
void receive_records(StreamReader& in, const std::string& name, const H5ReadOptions& options, std::uint64_t file_size,
                     InMemoryWeightsStore& store, StringAttributes* attributes, Received& received) {
  std::uint64_t attribute_bytes = 0;
  while (!received.complete && !received.error) {
    const char kind = in.get<char>();
    switch (kind) {
      case kGroup: detail::ensure_group(store.root(), in.get_string(1 << 16)); break;
      case kName: {
        const std::string path = in.get_string(1 << 16);
        detail::ensure_group(store.root(), path).attributes.insert_or_assign("name", in.get_string(1 << 20));
        break;
      }
      case kAttribute: {
        if (!attributes) bad_stream(name, "an attribute that was not asked for");
        read_attribute_record(in, name, options.limits, attribute_bytes, *attributes);
        break;
      }
      case kDataset: read_dataset_record(in, name, options, file_size, received.layout); break;
      case kFailure: {
        received.unsafe = in.get<std::uint8_t>() != 0;
        std::string object = in.get_string(1 << 16);
        std::string message = in.get_string(1 << 20);
        received.error.emplace(name, std::move(object), std::move(message));
        break;
      }
      case kEnd: received.complete = true; break;
      default: bad_stream(name, "record kind " + std::to_string(static_cast<int>(kind)));
    }
  }
}

// `name` is what messages call the file (an archive member read through /proc/self/fd/N).
// `image_fd` >= 0: read that open file (not `file`) as an in-memory image.
// `attributes`: where every group's string attributes go (null: not read).
std::unique_ptr<InMemoryWeightsStore> read_isolated(const std::filesystem::path& file, const std::string& name,
                                                    const H5ReadOptions& options, int image_fd,
                                                    StringAttributes* attributes) {
  // The reader writes the datasets' bytes into this anonymous file; the parent maps them.
  Fd data(::memfd_create("kplug-weights", MFD_CLOEXEC));
  if (data.get() < 0) throw h5::H5Error(name, "", std::string("memfd_create failed: ") + std::strerror(errno));
  // Plain contiguous datasets are read from here once the reader has vouched for their place.
  Fd source(image_fd >= 0 ? ::fcntl(image_fd, F_DUPFD_CLOEXEC, 0) : ::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) throw h5::H5Error(name, "", std::string("cannot open: ") + std::strerror(errno));
  struct stat source_info {};
  if (::fstat(source.get(), &source_info) != 0 || source_info.st_size < 0) {
    throw h5::H5Error(name, "", std::string("cannot read the file size: ") + std::strerror(errno));
  }
  const auto file_size = static_cast<std::uint64_t>(source_info.st_size);
  std::error_code cwd_error;
  const std::string path = image_fd >= 0 ? name : std::filesystem::absolute(file, cwd_error).string();
  if (cwd_error) throw h5::H5Error(name, "", "cannot resolve the path: " + cwd_error.message());
  const RequestHeader header{options.limits,
                             options.child_memory_bytes,
                             options.max_total_bytes,
                             static_cast<std::int64_t>(options.child_timeout.count()),
                             static_cast<std::uint32_t>(path.size()),
                             static_cast<std::uint8_t>(image_fd >= 0),
                             static_cast<std::uint8_t>(attributes != nullptr)};
  std::unique_ptr<detail::ReaderProcess> reader =
      start_request(header, path, source.get(), data.get(), name, options.reuse_reader);

  auto owned = std::make_unique<InMemoryWeightsStore>();
  StreamReader in(reader->socket(), std::chrono::steady_clock::now() + options.child_timeout);
  Received received;
  try {
    receive_records(in, name, options, file_size, *owned, attributes, received);
  } catch (const StreamEnded&) {
  } catch (const TimedOut&) {
    throw h5::H5Error(name, "",
                      "the HDF5 library did not finish reading this file within " +
                          std::to_string(options.child_timeout.count()) +
                          " ms: the file is malformed or hostile (or raise H5ReadOptions::child_timeout)");
  } catch (const std::length_error& e) {
    bad_stream(name, e.what());
  }
  // Anything but a clean end: the reader is dropped (killed if still running, reaped).
  if (!received.complete) check_child_outcome(reader->wait(), name, received.error, received.unsafe, false);
  reader->count_served();
  if (options.reuse_reader) detail::reader_pool().release(std::move(reader));
  adopt_datasets(*owned, received.layout, data.get(), source.get(), name);
  return owned;
}

// Every dataset of an open file straight into the memory the store's tensors keep. `image`: the
// bytes the reader was opened on, if it was (plain contiguous datasets are then copied from it).
std::unique_ptr<InMemoryWeightsStore> read_in_process(const h5::WeightsReader& reader, const H5ReadOptions& options,
                                                      std::span<const std::byte> image, StringAttributes* attributes) {
  auto owned = std::make_unique<InMemoryWeightsStore>();
  InMemoryWeightsStore& store = *owned;
  h5::FileTree tree = reader.tree(attributes != nullptr);
  for (h5::FileTree::Group& group : tree.groups) {
    Group& added = detail::ensure_group(store.root(), group.path);
    if (group.vars_name) added.attributes.insert_or_assign("name", *group.vars_name);
    if (attributes && !group.attributes.empty()) (*attributes)[group.path] = std::move(group.attributes);
  }
  std::vector<std::uint64_t> slots;
  std::uint64_t end = 0;
  std::uint64_t total = 0;
  for (const h5::FileTree::Dataset& dataset : tree.datasets) {
    const std::uint64_t bytes = loaded_bytes(dataset.info);
    if (bytes > options.max_total_bytes - total) {
      throw h5::H5UnsafeError(reader.file_name(), dataset.info.path,
                              "the datasets exceed " + std::to_string(options.max_total_bytes) +
                                  " bytes in all (H5ReadOptions::max_total_bytes)");
    }
    total += bytes;
    slots.push_back(end);
    end = slot_end(end, bytes);
  }
  const std::shared_ptr<void> arena = end > 0 ? map_arena(end) : nullptr;
  for (std::size_t i = 0; i < tree.datasets.size(); ++i) {
    const h5::DatasetInfo& info = tree.datasets[i].info;
    const std::optional<std::uint64_t>& offset = tree.datasets[i].offset;
    Shape shape(info.shape.begin(), info.shape.end());
    const std::uint64_t bytes = loaded_bytes(info);
    if (bytes == 0) {
      detail::add_dataset(store.root(), info.path, Tensor::empty(std::move(shape), detail::loaded_dtype(info.dtype)));
      continue;
    }
    const std::span<std::byte> destination{at(arena, slots[i]), static_cast<std::size_t>(bytes)};
    if (!image.empty() && offset && loaded_h5_dtype(info.dtype) == info.dtype && *offset <= image.size() &&
        bytes <= image.size() - *offset) {
      std::memcpy(destination.data(), image.data() + *offset, destination.size());
    } else {
      read_loaded(reader, info, destination);
    }
    detail::add_dataset(store.root(), info.path,
                        Tensor::adopt(arena, at(arena, slots[i]), std::move(shape), detail::loaded_dtype(info.dtype)));
  }
  return owned;
}

// The file by path, or (fd >= 0) the open regular file `fd`, read as an in-memory image.
std::unique_ptr<InMemoryWeightsStore> read_file(const std::filesystem::path& file, int fd, const std::string& name,
                                                const H5ReadOptions& options, StringAttributes* attributes) {
  if (fd < 0) {
    if (options.isolate) return read_isolated(file, name, options, -1, attributes);
    return read_in_process(h5::WeightsReader::open(file, options.limits), options, {}, attributes);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    throw h5::H5Error(name, "", "not a regular file descriptor");
  }
  if (options.isolate) return read_isolated(name, name, options, fd, attributes);
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size == 0) throw h5::H5Error(name, "", "not an HDF5 file (empty)");
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) throw h5::H5Error(name, "", std::string("cannot map the file: ") + std::strerror(errno));
  const std::shared_ptr<void> mapping(p, [size](void* q) { ::munmap(q, size); });
  const std::span<const std::byte> image{static_cast<const std::byte*>(p), size};
  const h5::WeightsReader reader = h5::WeightsReader::open_image(image, name, options.limits);
  return read_in_process(reader, options, image, attributes);
}

}  // namespace

std::unique_ptr<InMemoryWeightsStore> read_weights_file(const std::filesystem::path& file,
                                                        const H5ReadOptions& options) {
  return read_file(file, -1, file.string(), options, nullptr);
}

std::unique_ptr<InMemoryWeightsStore> read_weights_fd(int fd, const std::string& name, const H5ReadOptions& options) {
  return read_file({}, fd, name, options, nullptr);
}

H5FileContents read_h5_file(const std::filesystem::path& file, int fd, const std::string& name,
                            const H5ReadOptions& options) {
  H5FileContents contents;
  contents.store = read_file(file, fd, name, options, &contents.attributes);
  return contents;
}

}  // namespace kplug::saving
