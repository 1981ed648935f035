// Where each field of one manifest document is written: "spec.location" -> file:line:column
// (DesiredResource::field_locations). Compact because the loaded desired set keeps one per
// resource for as long as a plan lives: as a std::map with its own copy of the file name per
// field it was half of a 100,000-resource estate's loaded memory (docs/benchmarks.md). Here the
// file names are stored once per document, the paths back to back in one buffer, and the
// entries in one vector sorted by path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/diagnostic.h"

namespace keyward::engine {

class FieldLocations {
 public:
  // What `locations[path] = where` assigns through (tests build resources by hand this way).
  class Slot {
   public:
    Slot& operator=(const SourceLocation& where) {
      owner_->Set(path_, where);
      return *this;
    }

   private:
    friend class FieldLocations;
    Slot(FieldLocations* owner, std::string path) : owner_(owner), path_(std::move(path)) {}
    FieldLocations* owner_;
    std::string path_;
  };

  FieldLocations() = default;
  // The loader's path -> location map (engine/schema.h SourceMap::TakeValueLocations).
  explicit FieldLocations(const std::map<std::string, SourceLocation>& locations);

  std::optional<SourceLocation> Find(std::string_view path) const;
  // Throws std::out_of_range when `path` has no location, as std::map::at does.
  SourceLocation at(std::string_view path) const;
  Slot operator[](std::string path) { return Slot(this, std::move(path)); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    uint32_t path_offset = 0;  // into paths_
    uint32_t path_size = 0;
    uint32_t file = 0;  // index into files_
    int line = 0;
    int column = 0;
  };

  std::string_view PathOf(const Entry& e) const;
  std::vector<Entry>::const_iterator LowerBound(std::string_view path) const;
  // Appends `path` to the buffer and interns the file name; the caller places the entry.
  Entry MakeEntry(std::string_view path, const SourceLocation& where);
  void Set(const std::string& path, const SourceLocation& where);

  std::string paths_;               // every path, back to back
  std::vector<Entry> entries_;      // sorted by path
  std::vector<std::string> files_;  // usually one: the manifest (or keyward.yaml for defaults)
};

}  // namespace keyward::engine
