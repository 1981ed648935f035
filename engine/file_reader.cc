#include "engine/file_reader.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
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

std::string Describe(int error) {
  if (error == ENOENT) return "no such file";
  if (error == ELOOP) return "too many levels of symbolic links";
  return std::strerror(error);
}

ErrorCode CodeOf(int error) {
  if (error == ENOENT || error == ENOTDIR) return ErrorCode::kNotFound;
  if (error == EACCES || error == EPERM) return ErrorCode::kPermissionDenied;
  if (error == ELOOP) return ErrorCode::kInvalidArgument;
  return ErrorCode::kUnavailable;
}

std::string FileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

// "4 MiB, keyward's limit for one file" for manifests, "N bytes" for other limits.
tl::unexpected<Error> TooLarge(const std::string& path, size_t max_bytes) {
  return MakeError(ErrorCode::kInvalidArgument,
                   path + ": larger than " +
                       (max_bytes == kMaxReadBytes ? std::to_string(kMaxReadBytes >> 20) +
                                                         " MiB, keyward's limit for one file"
                                                   : std::to_string(max_bytes) + " bytes"));
}

// The one bounded read behind Read and ReadRegularFile: regular files only (the type is checked
// on the opened file, and O_NONBLOCK keeps the open of a FIFO from waiting for a writer), at most
// `max_bytes`. `follow_last_link` false: a symbolic link as the last component is refused.
// What was read of a refused file is wiped, since it may be a secret. The buffer grows by
// copying and wiping, never by a reallocation that would leave a copy behind; it starts at the
// size fstat reports, so a manifest is read into one allocation.
Result<std::string> ReadBounded(const std::string& path, size_t max_bytes, bool follow_last_link) {
  const int flags =
      O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow_last_link ? 0 : O_NOFOLLOW);
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    if (errno == ELOOP && !follow_last_link)
      return MakeError(ErrorCode::kInvalidArgument, path + ": is a symbolic link");
    return MakeError(CodeOf(errno), path + ": " + Describe(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return MakeError(ErrorCode::kUnavailable, path + ": " + Describe(errno));
  if (S_ISDIR(st.st_mode)) return MakeError(ErrorCode::kInvalidArgument, path + ": is a directory");
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": is " + FileTypeName(st.st_mode) +
                         ", not a regular file (keyward reads regular files only)");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return TooLarge(path, max_bytes);
  // One byte more than allowed tells a file that grew (or lies about its size, as /proc files
  // do) from one that fits.
  std::string out(static_cast<size_t>(st.st_size) + 1, '\0');
  auto wipe = [](std::string& text) { OPENSSL_cleanse(text.data(), text.size()); };
  size_t used = 0;
  for (;;) {
    if (used == out.size()) {
      if (used > max_bytes) {
        wipe(out);
        return TooLarge(path, max_bytes);
      }
      std::string bigger(std::min(out.size() * 2, max_bytes + 1), '\0');
      std::copy(out.begin(), out.end(), bigger.begin());
      wipe(out);
      out.swap(bigger);
    }
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string error = Describe(errno);
      wipe(out);
      return MakeError(ErrorCode::kUnavailable, path + ": read error: " + error);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  out.resize(used);
  return out;
}

// " (-> target)" for a symbolic link, so a loop error shows where the link points.
std::string LinkTarget(const std::string& path) {
  std::error_code ec;
  if (!fs::is_symlink(path, ec)) return "";
  const fs::path target = fs::read_symlink(path, ec);
  return ec ? "" : " (-> " + target.string() + ")";
}

}  // namespace

bool IsManifestFileName(const std::string& name) {
  return EndsWith(name, ".yaml") || EndsWith(name, ".yml");
}

// ---------------------------------------------------------------------------------------------
// RealFileReader

Result<std::string> RealFileReader::Read(const std::string& path) {
  return ReadBounded(path, kMaxReadBytes, /*follow_last_link=*/true);
}

Result<std::vector<std::string>> RealFileReader::ListManifestFiles(const std::string& dir) {
  struct stat root {};
  if (::stat(dir.c_str(), &root) != 0 || !S_ISDIR(root.st_mode))
    return MakeError(ErrorCode::kNotFound, dir + ": not a directory");
  std::vector<std::string> out;
  // Directories by identity, so a symbolic link back into the tree is caught however it is
  // spelled (`ln -s . x`, `ln -s .. up`, `ln -s /abs/path/to/root r`).
  std::set<std::pair<dev_t, ino_t>> visited = {{root.st_dev, root.st_ino}};
  // Walk by hand rather than with recursive_directory_iterator so that skipped directories are
  // never entered, and so that an unreadable subdirectory is an error rather than an exception.
  std::vector<std::pair<std::string, int>> pending = {{dir, 0}};  // (path, depth)
  std::error_code ec;
  while (!pending.empty()) {
    auto [current, depth] = pending.back();
    pending.pop_back();
    fs::directory_iterator it(current, ec);
    if (ec) return MakeError(ErrorCode::kPermissionDenied, current + ": " + ec.message());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) return MakeError(ErrorCode::kUnavailable, current + ": " + ec.message());
      const std::string name = it->path().filename().string();
      const std::string path = Join(current, name);
      struct stat st {};
      // stat follows symbolic links: a linked directory is walked, a linked file is read. A
      // dangling link named *.yaml is listed, so that reading it reports it.
      const bool exists = ::stat(path.c_str(), &st) == 0;
      if (exists && S_ISDIR(st.st_mode)) {
        if (SkipDirectory(name)) continue;
        if (!visited.insert({st.st_dev, st.st_ino}).second) {
          return MakeError(ErrorCode::kInvalidArgument,
                           path + LinkTarget(path) +
                               ": a directory that is already being read (a symbolic link "
                               "loop?); keyward reads each directory once");
        }
        if (depth + 1 > kMaxWalkDepth) {
          return MakeError(ErrorCode::kInvalidArgument,
                           path + ": more than " + std::to_string(kMaxWalkDepth) +
                               " directories deep; keyward stops there");
        }
        pending.emplace_back(path, depth + 1);
      } else if (!name.empty() && name[0] != '.' && IsManifestFileName(name)) {
        out.push_back(path);
        if (out.size() > kMaxListedFiles) {
          return MakeError(ErrorCode::kInvalidArgument, dir + ": more than " +
                                                            std::to_string(kMaxListedFiles) +
                                                            " manifest files; keyward stops there");
        }
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
  return ReadBounded(path, max_bytes, /*follow_last_link=*/false);
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
  if (it->second.size() > kMaxReadBytes) return TooLarge(path, kMaxReadBytes);
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
  KEYWARD_ASSIGN_OR_RETURN(auto status, Stat(path));
  if (!status.regular) return MakeError(ErrorCode::kInvalidArgument, path + ": not a regular file");
  if (status.size > max_bytes) return TooLarge(path, max_bytes);
  return Read(FakeKey(path));
}

}  // namespace keyward::engine
