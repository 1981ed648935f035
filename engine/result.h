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

// A value or an Error. [[nodiscard]]: dropping a Result drops an error on the floor, so the
// compiler refuses it (-Werror=unused-result); write `(void)` where ignoring one is the point,
// with a comment that says why. A thin subclass because tl::expected itself carries no such
// attribute; it converts both ways, so and_then / map chains keep working.
template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result() = default;
  Result(const Base& value) : Base(value) {}
  Result(Base&& value) : Base(std::move(value)) {}
};

// Status for effectful calls that return nothing.
using Status = Result<void>;

}  // namespace keyward

// tl's and_then / or_else check that the callable returns an expected; a Result is one.
template <class T>
struct tl::detail::is_expected_impl<keyward::Result<T>> : std::true_type {};

namespace keyward {

// Early return of an error, the one thing a function cannot do for its caller; hence macros, in
// the shape Abseil's status macros made familiar.
//   KEYWARD_RETURN_IF_ERROR(Write(...));             // a Status or a Result whose value is unused
//   KEYWARD_ASSIGN_OR_RETURN(auto vault, Get(...));  // vault is the value, not the Result
#define KEYWARD_RETURN_IF_ERROR(...)                                                           \
  do {                                                                                         \
    if (auto&& keyward_result_ = (__VA_ARGS__); !keyward_result_)                              \
      return tl::unexpected(std::forward<decltype(keyward_result_)>(keyward_result_).error()); \
  } while (false)

#define KEYWARD_ASSIGN_OR_RETURN(lhs, ...) \
  KEYWARD_ASSIGN_OR_RETURN_IMPL(KEYWARD_RESULT_NAME(__LINE__), lhs, __VA_ARGS__)
#define KEYWARD_RESULT_NAME(line) KEYWARD_RESULT_NAME_JOIN(keyward_result_, line)
#define KEYWARD_RESULT_NAME_JOIN(a, b) a##b
#define KEYWARD_ASSIGN_OR_RETURN_IMPL(result, lhs, ...)          \
  auto result = (__VA_ARGS__);                                   \
  if (!result) return tl::unexpected(std::move(result).error()); \
  lhs = std::move(*result)

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message,
                                       std::string detail = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(detail)});
}

}  // namespace keyward
