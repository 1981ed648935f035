#include "engine/url.h"

#include <gtest/gtest.h>

namespace keyward::engine {
namespace {

TEST(UrlTest, PercentEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(PercentEncode("a-Z_0.9~"), "a-Z_0.9~");
  EXPECT_EQ(PercentEncode("rg (prod)/x&y=é"), "rg%20%28prod%29%2Fx%26y%3D%C3%A9");
}

TEST(UrlTest, RedactUrlDropsUserinfoQueryAndFragment) {
  EXPECT_EQ(RedactUrl("https://user:ghp_token123@github.com/org/repo.git?ref=x#frag"),
            "https://github.com/org/repo.git");
  EXPECT_EQ(RedactUrl("https://x-access-token:tok@host:8443"), "https://host:8443");
  EXPECT_EQ(RedactUrl("file:///srv/git/repo"), "file:///srv/git/repo");
  EXPECT_EQ(RedactUrl("git@github.com:org/repo.git"), "git@github.com:org/repo.git")
      << "scp-like ssh addresses carry no password";
}

TEST(UrlTest, CredentialsInFreeTextAreRemovedAndCanBeRegistered) {
  EXPECT_EQ(RedactUrls("fatal: unable to access 'https://bot:s3cr3t-t0ken@git.example/"
                       "r.git/?access_token=q1': Could not resolve host; https://ok.example/x"),
            "fatal: unable to access 'https://git.example/r.git/': Could not resolve host; "
            "https://ok.example/x");
  EXPECT_EQ(RedactUrls("no url here"), "no url here");
  EXPECT_EQ(UrlCredentials("https://bot:s3cr3t-t0ken@git.example/r.git"),
            (std::vector<std::string>{"bot:s3cr3t-t0ken", "s3cr3t-t0ken"}));
  EXPECT_TRUE(UrlCredentials("https://git.example/r.git").empty());
}

}  // namespace
}  // namespace keyward::engine
