// POSIX implementation of the disk seam. Errors become storage::errc with the
// strerror text and the path in the message; nothing throws.

#include "storage/file_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace caudal::storage {

namespace {

error_info os_error(std::string_view what, const std::string& path, int err) {
  errc code = errc::io_error;
  if (err == ENOENT)
    code = errc::not_found;
  else if (err == EEXIST)
    code = errc::already_exists;
  else if (err == ENOSPC || err == EDQUOT)
    code = errc::no_space;
  return make_error(code, fmt::format("{} {}: {}", what, path, std::strerror(err)));
}

class posix_file final : public file {
public:
  posix_file(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~posix_file() override { ::close(fd_); }
  posix_file(const posix_file&) = delete;
  posix_file& operator=(const posix_file&) = delete;

  result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return os_error("pread", path_, errno);
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  status append(std::span<const uint8_t> data) override { return write_at(size_, data); }

  status write_at(uint64_t offset, std::span<const uint8_t> data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        size_ = std::max(size_, offset + done);
        return os_error("pwrite", path_, errno);
      }
      done += static_cast<size_t>(n);
    }
    size_ = std::max(size_, offset + data.size());
    return ok();
  }

  status sync() override {
    if (::fsync(fd_) != 0) return os_error("fsync", path_, errno);
    return ok();
  }

  status truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return os_error("ftruncate", path_, errno);
    size_ = size;
    return ok();
  }

  uint64_t size() const override { return size_; }

private:
  int fd_;
  std::string path_;
  uint64_t size_;
};

} // namespace

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

result<std::unique_ptr<file>> posix_filesystem::open(const std::string& path, open_mode mode) {
  int flags = O_RDWR | O_CLOEXEC;
  if (mode == open_mode::create) flags |= O_CREAT;
  if (mode == open_mode::create_truncate) flags |= O_CREAT | O_TRUNC;
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return os_error("open", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return os_error("fstat", path, err);
  }
  return std::unique_ptr<file>(
      std::make_unique<posix_file>(fd, path, static_cast<uint64_t>(st.st_size)));
}

status posix_filesystem::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return os_error("unlink", path, errno);
  return ok();
}

status posix_filesystem::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return os_error("rename", from + " -> " + to, errno);
  return ok();
}

result<bool> posix_filesystem::exists(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return os_error("stat", path, errno);
}

result<std::vector<std::string>> posix_filesystem::list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return os_error("opendir", path, errno);
  std::vector<std::string> names;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

status posix_filesystem::create_dirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return os_error("mkdir", prefix, errno);
  }
  return ok();
}

result<uint64_t> posix_filesystem::file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return os_error("stat", path, errno);
  return static_cast<uint64_t>(st.st_size);
}

status posix_filesystem::sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("open dir", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return os_error("fsync dir", dir, err);
  return ok();
}

} // namespace caudal::storage
