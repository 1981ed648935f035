#include "cli/process_hygiene.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#include "engine/scrubber.h"

namespace keyward::cli {
namespace {

// One scrubbed standard stream: the file descriptor it ends in and the stream state.
struct ScrubbedFd {
  explicit ScrubbedFd(int fd) : fd(fd) {}
  const int fd;
  std::mutex mu;
  engine::ScrubbingStream stream{engine::Scrubber::Process()};
};

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing stdout / stderr
    data.remove_prefix(static_cast<size_t>(n));
  }
}

ssize_t WriteScrubbed(void* cookie, const char* data, size_t size) {
  auto* out = static_cast<ScrubbedFd*>(cookie);
  std::lock_guard lock(out->mu);
  WriteAll(out->fd, out->stream.Write(std::string_view(data, size)));
  return static_cast<ssize_t>(size);
}

int CloseScrubbed(void* cookie) {
  auto* out = static_cast<ScrubbedFd*>(cookie);
  std::lock_guard lock(out->mu);
  WriteAll(out->fd, out->stream.Finish());
  return 0;
}

// Never destroyed: stdio is flushed through them at exit, after static destructors.
ScrubbedFd* const scrubbed_out = new ScrubbedFd(STDOUT_FILENO);
ScrubbedFd* const scrubbed_err = new ScrubbedFd(STDERR_FILENO);

// At exit: flush what stdio still buffers, then whatever a stream held back waiting to see
// whether it was the start of a value.
void FinishStreams() {
  std::fflush(stdout);
  std::fflush(stderr);
  CloseScrubbed(scrubbed_out);
  CloseScrubbed(scrubbed_err);
}

FILE* ScrubbedStream(ScrubbedFd* fd) {
  cookie_io_functions_t io{};
  io.write = WriteScrubbed;
  FILE* stream = fopencookie(fd, "w", io);
  // Line-buffered like a terminal: messages appear as they are written, not at exit.
  if (stream) std::setvbuf(stream, nullptr, _IOLBF, 1 << 16);
  return stream;
}

}  // namespace

void HardenProcess() {
  if (const char* allow = std::getenv("KEYWARD_ALLOW_CORE_DUMPS");
      allow && std::strcmp(allow, "1") == 0)
    return;
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
}

void ScrubStandardStreams() {
  FILE* out = ScrubbedStream(scrubbed_out);
  FILE* err = ScrubbedStream(scrubbed_err);
  if (!out || !err) return;  // keep the plain streams rather than lose output
  std::fflush(stdout);
  std::fflush(stderr);
  stdout = out;
  stderr = err;
  std::atexit(FinishStreams);
}

}  // namespace keyward::cli
