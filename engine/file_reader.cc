#include "engine/file_reader.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace keyward::engine {

namespace fs = std::filesystem;

namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Directories that never hold manifests and can be huge.
bool SkipDirectory(const std::string& name) {
  return (!name.empty() && name[0] == '.') || name == "node_modules";
}

std::string Clean(std::string path) {
  while (path.size() > 2 && path.compare(0, 2, "./") == 0) path.erase(0, 2);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// "/fake/a/../b/./c" -> "b/c": the key of a FakeFileReader file, from any spelling of its path.
constexpr char kFakeRoot[] = "/fake";

std::string FakeKey(const std::string& path) {
  std::vector<std::string> parts;
  const bool absolute = !path.empty() && path[0] == '/';
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    const std::string part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  const std::string root = std::string(kFakeRoot) + "/";
  if (out.compare(0, root.size(), root) == 0) return out.substr(root.size());
  if (out == kFakeRoot) return ".";
  return out.empty() ? "." : out;
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace

bool IsManifestFileName(const std::string& name) {
  return EndsWith(name, ".yaml") || EndsWith(name, ".yml");
}

// ---------------------------------------------------------------------------------------------
// RealFileReader

Result<std::string> RealFileReader::Read(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return MakeError(ErrorCode::kNotFound, path + ": no such file");
  if (fs::is_directory(path, ec))
    return MakeError(ErrorCode::kInvalidArgument, path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kPermissionDenied, path + ": cannot open file");
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return MakeError(ErrorCode::kUnavailable, path + ": read error");
  return out.str();
}

Result<std::vector<std::string>> RealFileReader::ListManifestFiles(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return MakeError(ErrorCode::kNotFound, dir + ": not a directory");
  std::vector<std::string> out;
  // Walk by hand rather than with recursive_directory_iterator so that skipped directories are
  // never entered, and so that an unreadable subdirectory is an error rather than an exception.
  std::vector<std::string> pending = {dir};
  while (!pending.empty()) {
    std::string current = pending.back();
    pending.pop_back();
    fs::directory_iterator it(current, ec);
    if (ec) return MakeError(ErrorCode::kPermissionDenied, current + ": " + ec.message());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) return MakeError(ErrorCode::kUnavailable, current + ": " + ec.message());
      const std::string name = it->path().filename().string();
      const std::string path = Join(current, name);
      std::error_code type_ec;
      if (it->is_directory(type_ec)) {
        if (!SkipDirectory(name)) pending.push_back(path);
      } else if (!name.empty() && name[0] != '.' && IsManifestFileName(name)) {
        out.push_back(path);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool RealFileReader::IsDirectory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool RealFileReader::IsFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

std::string RealFileReader::AbsolutePath(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : abs.string();
}

Result<FileStatus> RealFileReader::Stat(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return MakeError(ErrorCode::kNotFound, path + ": no such file");
    return MakeError(ErrorCode::kPermissionDenied, path + ": " + std::strerror(errno));
  }
  return FileStatus{S_ISREG(st.st_mode), static_cast<uint64_t>(st.st_size)};
}

Result<std::string> RealFileReader::ReadRegularFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, path + ": no such file");
    if (errno == ELOOP)
      return MakeError(ErrorCode::kInvalidArgument, path + ": is a symbolic link");
    return MakeError(ErrorCode::kPermissionDenied, path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kInvalidArgument, path + ": not a regular file");
  }
  std::string out;
  // A refused file may be a secret too: wipe what was read of it.
  auto wipe = [&] { OPENSSL_cleanse(out.data(), out.size()); };
  auto too_large = [&] {
    wipe();
    ::close(fd);
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": larger than " + std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
  // One byte more than allowed tells a file that grew (or lies about its size, as /proc files
  // do) from one that fits. `out` is sized once: no reallocation leaves a copy of the bytes.
  out.resize(max_bytes + 1);
  size_t used = 0;
  while (used < out.size()) {
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string error = std::strerror(errno);
      wipe();
      ::close(fd);
      return MakeError(ErrorCode::kUnavailable, path + ": read error: " + error);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > max_bytes) return too_large();
  ::close(fd);
  out.resize(used);
  return out;
}

// ---------------------------------------------------------------------------------------------
// FakeFileReader

void FakeFileReader::AddFile(const std::string& path, std::string contents) {
  files_[Clean(path)] = std::move(contents);
}

void FakeFileReader::RemoveFile(const std::string& path) { files_.erase(Clean(path)); }

void FakeFileReader::MakeUnreadable(const std::string& path) { unreadable_[Clean(path)] = true; }

void FakeFileReader::AddSpecialFile(const std::string& path) { special_.insert(FakeKey(path)); }

Result<std::string> FakeFileReader::Read(const std::string& path) {
  ++reads_;
  const std::string key = Clean(path);
  auto it = files_.find(key);
  if (it == files_.end()) return MakeError(ErrorCode::kNotFound, path + ": no such file");
  if (unreadable_.count(key))
    return MakeError(ErrorCode::kPermissionDenied, path + ": permission denied");
  return it->second;
}

Result<std::vector<std::string>> FakeFileReader::ListManifestFiles(const std::string& dir) {
  if (!IsDirectory(dir)) return MakeError(ErrorCode::kNotFound, dir + ": not a directory");
  const std::string root = Clean(dir);
  const std::string prefix = (root == "." || root == "/") ? (root == "/" ? "/" : "") : root + "/";
  std::vector<std::string> out;
  for (const auto& [path, contents] : files_) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = path.substr(prefix.size());
    // Every component but the last is a directory; the last is the file name.
    bool skipped = false;
    size_t start = 0;
    for (size_t slash; (slash = rest.find('/', start)) != std::string::npos; start = slash + 1) {
      if (SkipDirectory(rest.substr(start, slash - start))) skipped = true;
    }
    const std::string name = rest.substr(start);
    if (skipped || name.empty() || name[0] == '.' || !IsManifestFileName(name)) continue;
    out.push_back(Join(dir, rest));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool FakeFileReader::IsDirectory(const std::string& path) {
  const std::string root = Clean(path);
  if (root == "." || root == "/") return !files_.empty();
  const std::string prefix = root + "/";
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

bool FakeFileReader::IsFile(const std::string& path) { return files_.count(Clean(path)) > 0; }

std::string FakeFileReader::AbsolutePath(const std::string& path) {
  const std::string key = FakeKey(path);
  if (key[0] == '/') return key;
  return key == "." ? kFakeRoot : std::string(kFakeRoot) + "/" + key;
}

Result<FileStatus> FakeFileReader::Stat(const std::string& path) {
  const std::string key = FakeKey(path);
  if (special_.count(key)) return FileStatus{false, 0};
  if (auto it = files_.find(key); it != files_.end()) return FileStatus{true, it->second.size()};
  if (IsDirectory(key)) return FileStatus{false, 0};
  return MakeError(ErrorCode::kNotFound, path + ": no such file");
}

Result<std::string> FakeFileReader::ReadRegularFile(const std::string& path, size_t max_bytes) {
  auto status = Stat(path);
  if (!status) return tl::unexpected(status.error());
  if (!status->regular)
    return MakeError(ErrorCode::kInvalidArgument, path + ": not a regular file");
  if (status->size > max_bytes)
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": larger than " + std::to_string(max_bytes) + " bytes");
  return Read(FakeKey(path));
}

}  // namespace keyward::engine
