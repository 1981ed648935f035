// File access for the engine, behind a seam named for tests (ninja's DiskInterface /
// RealDiskInterface / VirtualFileSystem). Engine logic never opens files itself: the loader gets a
// FileReader, so tests run on FakeFileReader without touching the disk.
//
// Paths are plain strings joined with '/'. ListManifestFiles returns paths that start with the
// directory exactly as given ("manifests" -> "manifests/a.yaml"), so diagnostics show the paths
// the user typed.
//
// Bounded, because a manifest directory is input like any other (docs/reliability.md):
//  * Read reads regular files only (following symbolic links): a FIFO, a device such as
//    /dev/zero or a socket is an error, never a read that waits or never ends. A file larger
//    than kMaxReadBytes is an error.
//  * ListManifestFiles follows symbolic links to directories, but reads each directory once: a
//    link back to a directory being read (`ln -s . x`) is an error naming the link, not an
//    endless walk. It stops with an error deeper than kMaxWalkDepth directories or past
//    kMaxListedFiles manifests.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/result.h"

namespace keyward::engine {

inline constexpr size_t kMaxReadBytes = size_t{4} << 20;  // 4 MiB per file
inline constexpr int kMaxWalkDepth = 32;
inline constexpr size_t kMaxListedFiles = 200000;

struct FileStatus {
  bool regular = false;  // a regular file, after following symlinks (not a directory, FIFO, device)
  uint64_t size = 0;
};

class FileReader {
 public:
  virtual ~FileReader() = default;

  // Whole file contents. kNotFound when it does not exist; kInvalidArgument when it is not a
  // regular file or is larger than kMaxReadBytes; kPermissionDenied / kUnavailable on other
  // failures. Messages name the path, never contents.
  virtual Result<std::string> Read(const std::string& path) = 0;

  // Every *.yaml and *.yml file under `dir`, recursively, sorted by path (byte order), skipping
  // hidden directories (".git") and node_modules. Hidden files are skipped too.
  virtual Result<std::vector<std::string>> ListManifestFiles(const std::string& dir) = 0;

  virtual bool IsDirectory(const std::string& path) = 0;
  virtual bool IsFile(const std::string& path) = 0;

  // Absolute form of `path`, normalized, with the symlinks of its existing part resolved: names a
  // stack after its directory, and tells whether a secret source stays inside the manifests.
  virtual std::string AbsolutePath(const std::string& path) = 0;

  // What is at `path`, following symlinks. kNotFound when nothing is.
  virtual Result<FileStatus> Stat(const std::string& path) = 0;

  // The contents of a regular file of at most `max_bytes` bytes, for secret values: a symlink as
  // the last component is not followed, and the type is checked on the opened file, so a FIFO or
  // a device is never read. kInvalidArgument when it is not a regular file or is larger.
  virtual Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) = 0;
};

class RealFileReader : public FileReader {
 public:
  Result<std::string> Read(const std::string& path) override;
  Result<std::vector<std::string>> ListManifestFiles(const std::string& dir) override;
  bool IsDirectory(const std::string& path) override;
  bool IsFile(const std::string& path) override;
  std::string AbsolutePath(const std::string& path) override;
  Result<FileStatus> Stat(const std::string& path) override;
  Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) override;
};

// In-memory files for tests. Directories exist implicitly: "a/b.yaml" makes "a" a directory.
// Paths are compared after stripping a leading "./" and trailing '/'; relative paths live under
// "/fake" (AbsolutePath), so "/fake/a/b.yaml" names "a/b.yaml" too.
class FakeFileReader : public FileReader {
 public:
  void AddFile(const std::string& path, std::string contents);
  void RemoveFile(const std::string& path);
  // Makes Read(path) fail with kPermissionDenied, to test unreadable files.
  void MakeUnreadable(const std::string& path);
  // A FIFO, device or socket: Stat says it is not a regular file.
  void AddSpecialFile(const std::string& path);

  Result<std::string> Read(const std::string& path) override;
  Result<std::vector<std::string>> ListManifestFiles(const std::string& dir) override;
  bool IsDirectory(const std::string& path) override;
  bool IsFile(const std::string& path) override;
  std::string AbsolutePath(const std::string& path) override;
  Result<FileStatus> Stat(const std::string& path) override;
  Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) override;

  int reads() const { return reads_; }

 private:
  std::map<std::string, std::string> files_;
  std::map<std::string, bool> unreadable_;
  std::set<std::string> special_;
  int reads_ = 0;
};

// True for "*.yaml" and "*.yml" (case-sensitive, as on Linux).
bool IsManifestFileName(const std::string& name);

}  // namespace keyward::engine
