#include "engine/field_locations.h"

#include <algorithm>
#include <stdexcept>

namespace keyward::engine {

FieldLocations::FieldLocations(const std::map<std::string, SourceLocation>& locations) {
  size_t bytes = 0;
  for (const auto& [path, where] : locations) bytes += path.size();
  paths_.reserve(bytes);
  entries_.reserve(locations.size());
  // The map is sorted by path already, so appending keeps entries_ sorted.
  for (const auto& [path, where] : locations) entries_.push_back(MakeEntry(path, where));
}

std::optional<SourceLocation> FieldLocations::Find(std::string_view path) const {
  auto it = LowerBound(path);
  if (it == entries_.end() || PathOf(*it) != path) return std::nullopt;
  return SourceLocation{files_[it->file], it->line, it->column};
}

SourceLocation FieldLocations::at(std::string_view path) const {
  if (auto where = Find(path)) return *where;
  throw std::out_of_range("no location recorded for " + std::string(path));
}

std::string_view FieldLocations::PathOf(const Entry& e) const {
  return std::string_view(paths_).substr(e.path_offset, e.path_size);
}

std::vector<FieldLocations::Entry>::const_iterator FieldLocations::LowerBound(
    std::string_view path) const {
  return std::lower_bound(entries_.begin(), entries_.end(), path,
                          [this](const Entry& e, std::string_view p) { return PathOf(e) < p; });
}

FieldLocations::Entry FieldLocations::MakeEntry(std::string_view path,
                                                const SourceLocation& where) {
  Entry e;
  e.path_offset = static_cast<uint32_t>(paths_.size());
  e.path_size = static_cast<uint32_t>(path.size());
  paths_.append(path);
  auto file = std::find(files_.begin(), files_.end(), where.file);
  e.file = static_cast<uint32_t>(file - files_.begin());
  if (file == files_.end()) files_.push_back(where.file);
  e.line = where.line;
  e.column = where.column;
  return e;
}

void FieldLocations::Set(const std::string& path, const SourceLocation& where) {
  const auto index = LowerBound(path) - entries_.begin();
  const bool present =
      index < static_cast<std::ptrdiff_t>(entries_.size()) && PathOf(entries_[index]) == path;
  const Entry e = MakeEntry(path, where);  // a replaced path's old bytes stay, unused
  if (present) {
    entries_[index] = e;
  } else {
    entries_.insert(entries_.begin() + index, e);
  }
}

}  // namespace keyward::engine
