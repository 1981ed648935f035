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

#include <map>
#include <string>
#include <vector>

#include "engine/result.h"

namespace keyward::engine {

inline constexpr size_t kMaxReadBytes = size_t{4} << 20;  // 4 MiB per file
inline constexpr int kMaxWalkDepth = 32;
inline constexpr size_t kMaxListedFiles = 200000;

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

  // Absolute form of `path`, used only to name a stack after its directory when the user
  // passed "." and there is no keyward.yaml.
  virtual std::string AbsolutePath(const std::string& path) = 0;
};

class RealFileReader : public FileReader {
 public:
  Result<std::string> Read(const std::string& path) override;
  Result<std::vector<std::string>> ListManifestFiles(const std::string& dir) override;
  bool IsDirectory(const std::string& path) override;
  bool IsFile(const std::string& path) override;
  std::string AbsolutePath(const std::string& path) override;
};

// In-memory files for tests. Directories exist implicitly: "a/b.yaml" makes "a" a directory.
// Paths are compared after stripping a leading "./" and trailing '/'.
class FakeFileReader : public FileReader {
 public:
  void AddFile(const std::string& path, std::string contents);
  void RemoveFile(const std::string& path);
  // Makes Read(path) fail with kPermissionDenied, to test unreadable files.
  void MakeUnreadable(const std::string& path);

  Result<std::string> Read(const std::string& path) override;
  Result<std::vector<std::string>> ListManifestFiles(const std::string& dir) override;
  bool IsDirectory(const std::string& path) override;
  bool IsFile(const std::string& path) override;
  std::string AbsolutePath(const std::string& path) override;

  int reads() const { return reads_; }

 private:
  std::map<std::string, std::string> files_;
  std::map<std::string, bool> unreadable_;
  int reads_ = 0;
};

// True for "*.yaml" and "*.yml" (case-sensitive, as on Linux).
bool IsManifestFileName(const std::string& name);

}  // namespace keyward::engine
