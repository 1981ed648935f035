// Whether this build runs under AddressSanitizer (scripts/sanitize.sh builds the whole suite with
// clang-16 and -fsanitize=address): a few tests measure what ASan itself changes (resident memory,
// the core-file limit) and must say what they check instead.
#pragma once

namespace keyward::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace keyward::testing
