// URLs as text: percent-encoding, and keeping the credentials a URL may carry out of output
// (docs/security.md). Userinfo ("https://user:token@host") and query strings ("?sig=...") are
// where credentials travel; paths and hosts are what a message needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace keyward::engine {

// RFC 3986 percent-encoding: every byte but the unreserved ones (ALPHA DIGIT - . _ ~) becomes
// %XX (uppercase hex). Safe for a path segment, a query value and a form value alike.
std::string PercentEncode(std::string_view text);

// `url` without userinfo, query and fragment: "https://user:token@host/r.git?x=1" ->
// "https://host/r.git". Text without "://" is returned unchanged.
std::string RedactUrl(std::string_view url);

// `text` with every URL in it ("scheme://" up to whitespace or a quote) reduced by RedactUrl, for
// messages of other programs (git) that may quote a URL with its credentials.
std::string RedactUrls(std::string_view text);

// The credentials of `url` ("user:password" and "password"), for Scrubber::Add; empty when none.
std::vector<std::string> UrlCredentials(std::string_view url);

}  // namespace keyward::engine
