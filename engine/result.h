// Errors at module boundaries are values (STYLE.md). The code says what the caller should do
// next, in the Abseil sense: kUnavailable = retry the call, kAborted = re-read and re-plan,
// kFailedPrecondition = don't retry until something changes.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace keyward {

enum class ErrorCode {
  kInvalidArgument,     // bad input: manifest, flag, request body (ARM 400)
  kNotFound,            // ARM 404
  kAlreadyExists,       // name conflicts (ARM 409)
  kUnauthenticated,     // ARM 401, token endpoint failures
  kPermissionDenied,    // ARM 403
  kFailedPrecondition,  // state forbids it (412 is kAborted, see ToErrorCode in providers)
  kAborted,             // re-read and re-plan (412, conflicting operation, stale plan)
  kUnavailable,         // transient: retries exhausted, transport failure
  kDeadlineExceeded,
  kCancelled,
  kInternal,  // malformed response, bug
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // for humans; never contains secret values
  std::string detail;   // e.g. "ARM code=ConflictError request-id=..."; may be empty

  std::string ToString() const;
};

template <class T>
using Result = tl::expected<T, Error>;

// Status for effectful calls that return nothing.
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message,
                                       std::string detail = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(detail)});
}

}  // namespace keyward
