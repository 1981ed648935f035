#include "engine/file_reader.h"

#include <algorithm>
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

// ---------------------------------------------------------------------------------------------
// FakeFileReader

void FakeFileReader::AddFile(const std::string& path, std::string contents) {
  files_[Clean(path)] = std::move(contents);
}

void FakeFileReader::RemoveFile(const std::string& path) { files_.erase(Clean(path)); }

void FakeFileReader::MakeUnreadable(const std::string& path) { unreadable_[Clean(path)] = true; }

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
  const std::string clean = Clean(path);
  if (!clean.empty() && clean[0] == '/') return clean;
  return clean == "." ? "/fake" : "/fake/" + clean;
}

}  // namespace keyward::engine
