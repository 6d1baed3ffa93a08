// The host's side of reader_protocol.hpp: a request sent to a reader process (from the pool, or
// a fresh one), its records checked one by one, and the datasets adopted as tensors over the
// shared buffer or read from the file at the offsets the reader vouched for.
#include "reader_client.hpp"

#include "kplug/saving/h5_error.hpp"
#include "reader_process.hpp"
#include "reader_protocol.hpp"
#include "record_reader.hpp"
#include "tensor_convert.hpp"
#include "unique_fd.hpp"
#include "weights_arena.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace kplug::saving::detail {
namespace {

static_assert(kSlotAlignment % Tensor::kAlignment == 0, "tensors adopt the slots of the shared buffer");

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
  layout.datasets.push_back(
      {path, Shape(array.shape.begin(), array.shape.end()), loaded_dtype(array.dtype), offset, bytes, in_file, slot});
}

// The child's end: killed by a signal, its own failure record, or anything but a clean finish.
void check_child_outcome(int status, const std::string& name, const std::filesystem::path& executable,
                         const std::optional<h5::H5Error>& child_error, bool child_unsafe, bool complete) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == kExitWrongProtocol) {
    throw h5::H5Error(name, "",
                      "the isolated HDF5 reader '" + executable.string() +
                          "' is from another kplug build (install the one built with this libkplug_saving)");
  }
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

// Plain datasets less than kRunGap apart are read from the file together, up to kMaxRun bytes.
constexpr std::uint64_t kRunGap = std::uint64_t{64} << 10;
constexpr std::uint64_t kMaxRun = std::uint64_t{4} << 20;

// The plain datasets' bytes, from the file into their slots of `arena`: neighbours are read with
// one system call into a scratch buffer and copied out (a small file costs one read, not one per
// dataset); a dataset alone in its run is read straight into its slot.
void read_plain_datasets(int fd, const std::string& name, const std::vector<Pending>& datasets,
                         const std::shared_ptr<void>& arena) {
  std::vector<const Pending*> plain;
  for (const Pending& d : datasets) {
    if (d.in_file && d.bytes > 0) plain.push_back(&d);
  }
  std::sort(plain.begin(), plain.end(), [](const Pending* a, const Pending* b) { return a->offset < b->offset; });
  std::vector<std::byte> scratch;
  for (std::size_t first = 0; first < plain.size();) {
    const std::uint64_t start = plain[first]->offset;
    std::uint64_t end = start + plain[first]->bytes;  // read_dataset_record checked it lies in the file
    std::size_t last = first + 1;
    for (; last < plain.size() && plain[last]->offset <= end + kRunGap; ++last) {
      const std::uint64_t next_end = std::max(end, plain[last]->offset + plain[last]->bytes);
      if (next_end - start > kMaxRun) break;
      end = next_end;
    }
    if (last == first + 1) {
      const Pending& d = *plain[first];
      read_file_range(fd, name, d.path, d.offset, {at(arena, d.slot), static_cast<std::size_t>(d.bytes)});
    } else {
      scratch.resize(static_cast<std::size_t>(end - start));
      read_file_range(fd, name, plain[first]->path, start, scratch);
      for (std::size_t i = first; i < last; ++i) {
        std::memcpy(at(arena, plain[i]->slot), scratch.data() + (plain[i]->offset - start), plain[i]->bytes);
      }
    }
    first = last;
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
  read_plain_datasets(source_fd, name, layout.datasets, arena);
  for (Pending& d : layout.datasets) {
    Tensor value;
    if (d.bytes == 0) {
      value = Tensor::empty(std::move(d.shape), d.dtype);
    } else if (d.in_file) {
      value = Tensor::adopt(arena, at(arena, d.slot), std::move(d.shape), d.dtype);
    } else {
      value = Tensor::adopt(mapping, at(mapping, d.offset), std::move(d.shape), d.dtype);
    }
    add_dataset(store.root(), d.path, std::move(value));
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
// Why a reader could not be started, naming its executable.
[[noreturn]] void cannot_start(const std::string& name, const std::filesystem::path& executable,
                               const std::system_error& e) {
  std::string message = "cannot start the isolated HDF5 reader '" + executable.string() + "': " + e.code().message();
  if (e.code() == std::errc::no_such_file_or_directory || e.code() == std::errc::permission_denied) {
    message +=
        " (kplug-h5-reader is built and installed next to libkplug_saving; H5ReadOptions::reader_executable "
        "names another, H5ReadOptions::isolate = false reads in this process)";
  }
  throw h5::H5Error(name, "", message);
}

// A reader with the request sent: an idle one from the pool, or (when that one died meanwhile,
// or `reuse` is off) a fresh one.
std::unique_ptr<ReaderProcess> start_request(const RequestHeader& header, const std::string& path, int source_fd,
                                             int data_fd, const std::string& name, const H5ReadOptions& options) {
  const std::filesystem::path& executable =
      options.reader_executable.empty() ? default_reader_executable() : options.reader_executable;
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<ReaderProcess> reader;
    try {
      reader = options.reuse_reader ? reader_pool().acquire(executable) : ReaderProcess::start(executable);
    } catch (const std::system_error& e) {
      cannot_start(name, executable, e);
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
      case kGroup: ensure_group(store.root(), in.get_string(1 << 16)); break;
      case kName: {
        const std::string path = in.get_string(1 << 16);
        ensure_group(store.root(), path).attributes.insert_or_assign("name", in.get_string(1 << 20));
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

}  // namespace

// `name` is what messages call the file (an archive member read through /proc/self/fd/N).
// `image_fd` >= 0: read that open file (not `file`) as an in-memory image.
// `attributes`: where every group's string attributes go (null: not read).
IsolatedRead::IsolatedRead(const std::filesystem::path& file, std::string name, const H5ReadOptions& options,
                           int image_fd, bool with_attributes)
    : name_(std::move(name)),
      options_(options),
      deadline_(std::chrono::steady_clock::now() + options.child_timeout),
      with_attributes_(with_attributes) {
  // The reader writes the datasets' bytes into this anonymous file; this process maps them.
  data_ = UniqueFd(::memfd_create("kplug-weights", MFD_CLOEXEC));
  if (data_.get() < 0) throw h5::H5Error(name_, "", std::string("memfd_create failed: ") + std::strerror(errno));
  // Plain contiguous datasets are read from here once the reader has vouched for their place.
  source_ =
      UniqueFd(image_fd >= 0 ? ::fcntl(image_fd, F_DUPFD_CLOEXEC, 0) : ::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (source_.get() < 0) throw h5::H5Error(name_, "", std::string("cannot open: ") + std::strerror(errno));
  struct stat source_info {};
  if (::fstat(source_.get(), &source_info) != 0 || source_info.st_size < 0) {
    throw h5::H5Error(name_, "", std::string("cannot read the file size: ") + std::strerror(errno));
  }
  file_size_ = static_cast<std::uint64_t>(source_info.st_size);
  std::error_code cwd_error;
  const std::string path = image_fd >= 0 ? name_ : std::filesystem::absolute(file, cwd_error).string();
  if (cwd_error) throw h5::H5Error(name_, "", "cannot resolve the path: " + cwd_error.message());
  const RequestHeader header{kProtocol,
                             options.limits,
                             options.child_memory_bytes,
                             options.max_total_bytes,
                             static_cast<std::int64_t>(options.child_timeout.count()),
                             static_cast<std::uint32_t>(path.size()),
                             static_cast<std::uint8_t>(image_fd >= 0),
                             static_cast<std::uint8_t>(with_attributes)};
  reader_ = start_request(header, path, source_.get(), data_.get(), name_, options);
}

IsolatedRead::IsolatedRead(IsolatedRead&&) noexcept = default;
IsolatedRead::~IsolatedRead() = default;

std::unique_ptr<InMemoryWeightsStore> IsolatedRead::finish(StringAttributes* attributes) {
  if (!reader_) throw std::logic_error("IsolatedRead::finish called twice");
  if ((attributes != nullptr) != with_attributes_) throw std::logic_error("IsolatedRead: attributes not asked for");
  std::unique_ptr<ReaderProcess> reader = std::move(reader_);
  auto owned = std::make_unique<InMemoryWeightsStore>();
  StreamReader in(reader->socket(), deadline_);
  Received received;
  try {
    receive_records(in, name_, options_, file_size_, *owned, attributes, received);
  } catch (const StreamEnded&) {
  } catch (const TimedOut&) {
    throw h5::H5Error(name_, "",
                      "the HDF5 library did not finish reading this file within " +
                          std::to_string(options_.child_timeout.count()) +
                          " ms: the file is malformed or hostile (or raise H5ReadOptions::child_timeout)");
  } catch (const std::length_error& e) {
    bad_stream(name_, e.what());
  }
  // Anything but a clean end: the reader is dropped (killed if still running, reaped).
  if (!received.complete) {
    check_child_outcome(reader->wait(), name_, reader->executable(), received.error, received.unsafe, false);
  }
  reader->count_served();
  if (options_.reuse_reader) reader_pool().release(std::move(reader));
  adopt_datasets(*owned, received.layout, data_.get(), source_.get(), name_);
  return owned;
}

std::unique_ptr<InMemoryWeightsStore> read_isolated(const std::filesystem::path& file, const std::string& name,
                                                    const H5ReadOptions& options, int image_fd,
                                                    StringAttributes* attributes) {
  return IsolatedRead(file, name, options, image_fd, attributes != nullptr).finish(attributes);
}

}  // namespace kplug::saving::detail
