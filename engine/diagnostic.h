// User-facing findings about manifests. They accumulate: validation reports every problem at
// once, each with the file:line:column it came from (Terraform's tfdiags, ninja's explain).
#pragma once

#include <string>
#include <vector>

namespace keyward::engine {

struct SourceLocation {
  std::string file;  // as given on the command line, or relative to the manifest root
  int line = 0;      // 1-based; 0 = unknown
  int column = 0;    // 1-based; 0 = unknown

  std::string ToString() const;  // "file:line:column", omitting unknown parts
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation location;
  std::string message;

  // "manifests/a.yaml:3:5: error: unknown field 'lokation'"
  std::string ToString() const;
};

class Diagnostics {
 public:
  void Error(SourceLocation where, std::string message);
  void Warning(SourceLocation where, std::string message);
  void Append(const Diagnostics& other);

  bool HasErrors() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace keyward::engine
