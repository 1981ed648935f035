#include "engine/scrubber.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "engine/url.h"

namespace keyward::engine {
namespace {

std::string JsonEscaped(std::string_view text) {
  const std::string quoted = nlohmann::json(std::string(text))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

std::string_view Trimmed(std::string_view text) {
  const char* kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

void Cleanse(std::string& text) {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
}

}  // namespace

Scrubber::Scrubber(size_t min_length) : min_length_(std::max<size_t>(min_length, 1)) {}

Scrubber::~Scrubber() {
  for (std::string& fragment : fragments_) Cleanse(fragment);
}

Scrubber& Scrubber::Process() {
  // Deliberately leaked: see the header.
  static Scrubber* const process = new Scrubber();
  return *process;
}

bool Scrubber::empty() const {
  std::shared_lock lock(mu_);
  return fragments_.empty();
}

size_t Scrubber::Bucket(std::string_view text, size_t at) const {
  return std::hash<std::string_view>{}(text.substr(at, min_length_));
}

void Scrubber::AddFragment(std::string fragment) {
  if (fragment.size() < min_length_ || known_.count(fragment)) {
    Cleanse(fragment);
    return;
  }
  for (size_t length = 1; length < min_length_; ++length)
    short_prefixes_.insert(fragment.substr(0, length));
  longest_ = std::max(longest_, fragment.size());
  known_.insert(fragment);
  fragments_.push_back(std::move(fragment));
  const size_t index = fragments_.size() - 1;
  std::vector<size_t>& bucket = by_prefix_[Bucket(fragments_[index], 0)];
  bucket.push_back(index);
  std::stable_sort(bucket.begin(), bucket.end(),
                   [&](size_t a, size_t b) { return fragments_[a].size() > fragments_[b].size(); });
}

void Scrubber::Add(std::string_view value) {
  if (value.size() < min_length_) return;
  {
    // The common case for tokens, registered on every request: already known.
    std::shared_lock lock(mu_);
    if (known_.count(std::string(value))) return;
  }
  std::unique_lock lock(mu_);
  AddFragment(std::string(value));
  AddFragment(std::string(Trimmed(value)));
  AddFragment(JsonEscaped(value));
  AddFragment(PercentEncode(value));
  for (size_t start = 0; start < value.size();) {
    size_t end = value.find('\n', start);
    if (end == std::string_view::npos) end = value.size();
    if (start != 0 || end != value.size())
      AddFragment(std::string(Trimmed(value.substr(start, end - start))));
    start = end + 1;
  }
}

size_t Scrubber::ScrubInto(std::string_view text, size_t cut, std::string* out) const {
  std::shared_lock lock(mu_);
  if (fragments_.empty()) {
    out->append(text.substr(0, cut));
    return cut;
  }
  size_t i = 0;
  while (i < cut) {
    bool matched = false;
    if (text.size() - i >= min_length_) {
      if (auto it = by_prefix_.find(Bucket(text, i)); it != by_prefix_.end()) {
        for (size_t index : it->second) {
          const std::string& fragment = fragments_[index];
          if (text.size() - i >= fragment.size() &&
              text.compare(i, fragment.size(), fragment) == 0) {
            out->append(kScrubbed);
            i += fragment.size();
            matched = true;
            break;
          }
        }
      }
    }
    if (!matched) out->push_back(text[i++]);
  }
  return i;
}

std::string Scrubber::Scrub(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  ScrubInto(text, text.size(), &out);
  return out;
}

size_t Scrubber::HoldBack(std::string_view text) const {
  std::shared_lock lock(mu_);
  if (fragments_.empty() || longest_ < 2) return 0;
  const size_t newline = text.rfind('\n');
  const size_t tail = newline == std::string_view::npos ? text.size() : text.size() - newline - 1;
  for (size_t length = std::min(tail, longest_ - 1); length > 0; --length) {
    const std::string_view suffix = text.substr(text.size() - length);
    if (length < min_length_) {
      if (short_prefixes_.count(std::string(suffix))) return length;
      continue;
    }
    auto it = by_prefix_.find(Bucket(suffix, 0));
    if (it == by_prefix_.end()) continue;
    for (size_t index : it->second) {
      const std::string& fragment = fragments_[index];
      if (fragment.size() > length && fragment.compare(0, length, suffix) == 0) return length;
    }
  }
  return 0;
}

ScrubbingStream::~ScrubbingStream() { Cleanse(pending_); }

std::string ScrubbingStream::Write(std::string_view chunk) {
  pending_.append(chunk);
  std::string out;
  const size_t cut = pending_.size() - scrubber_.HoldBack(pending_);
  const size_t done = scrubber_.ScrubInto(pending_, cut, &out);
  std::string rest = pending_.substr(done);
  Cleanse(pending_);
  pending_ = std::move(rest);
  return out;
}

std::string ScrubbingStream::Finish() {
  std::string out = scrubber_.Scrub(pending_);
  Cleanse(pending_);
  pending_.clear();
  return out;
}

}  // namespace keyward::engine
