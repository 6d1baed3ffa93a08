#include "file_image.hpp"

#include "kplug/saving/h5_error.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kplug::saving::detail {
namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw h5::H5Error(name, "", what + ": " + std::strerror(errno));
}

std::shared_ptr<const std::byte> read_whole(int fd, std::size_t size, const std::string& name) {
  const auto data = std::make_shared_for_overwrite<std::byte[]>(size);  // every byte is read over
  for (std::size_t done = 0; done < size;) {
    const ssize_t n = ::pread(fd, data.get() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(name, "cannot read the file");
    if (n == 0) throw h5::H5Error(name, "", "the file was truncated while being read");
    done += static_cast<std::size_t>(n);
  }
  return {data, data.get()};
}

std::shared_ptr<const std::byte> map_whole(int fd, std::size_t size, const std::string& name) {
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) fail(name, "cannot map the file");
  return {static_cast<const std::byte*>(p), [size](const std::byte* q) { ::munmap(const_cast<std::byte*>(q), size); }};
}

}  // namespace

FileImage FileImage::load(int fd, const std::string& name) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) fail(name, "cannot read the file size");
  FileImage image;
  image.size_ = static_cast<std::size_t>(info.st_size);
  if (image.size_ == 0) throw h5::H5Error(name, "", "not an HDF5 file (empty)");
  image.data_ = image.size_ < kReadBelow ? read_whole(fd, image.size_, name) : map_whole(fd, image.size_, name);
  return image;
}

}  // namespace kplug::saving::detail
