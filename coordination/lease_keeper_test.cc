#include "coordination/lease_keeper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

namespace keyward::coordination {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A monotonic clock that moves only when told; renewals answer from a script.
struct Harness {
  SteadyTime now{std::chrono::seconds(1000)};
  std::deque<Status> answers;
  std::vector<SteadyTime> sent;
  milliseconds renew_takes{0};

  std::unique_ptr<LeaseKeeper> Make(milliseconds ttl = milliseconds(3000)) {
    return std::make_unique<LeaseKeeper>(
        "test lease", LeaseTiming::ForTtl(ttl),
        [this]() -> Status {
          sent.push_back(now);
          now += renew_takes;  // the round trip
          Status answer = answers.empty() ? Status{} : answers.front();
          if (!answers.empty()) answers.pop_front();
          return answer;
        },
        [this] { return now; }, now);
  }
};

TEST(LeaseKeeperTest, TimingIsTtlOverThreeAndTtlOverFive) {
  const LeaseTiming t = LeaseTiming::ForTtl(milliseconds(15'000));
  EXPECT_EQ(t.renew_every, milliseconds(5'000));
  EXPECT_EQ(t.margin, milliseconds(3'000));
}

TEST(LeaseKeeperTest, HeldUntilTtlMinusMarginAfterTheLastAcknowledgedRenewal) {
  Harness h;
  auto keeper = h.Make();  // ttl 3 s, margin 600 ms: valid for 2.4 s after a renewal is sent
  EXPECT_TRUE(keeper->StillHeld());
  h.now += milliseconds(1000);
  keeper->RenewOnce();
  h.now += milliseconds(2399);
  EXPECT_TRUE(keeper->StillHeld());
  EXPECT_EQ(keeper->Remaining(), milliseconds(1));
  h.now += milliseconds(1);
  auto lost = keeper->CheckWrite();
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->code, ErrorCode::kAborted);
  EXPECT_THAT(lost->message, StartsWith("lock lost: test lease: no keep-alive acknowledged for"));
  EXPECT_TRUE(keeper->LostForGood());
}

TEST(LeaseKeeperTest, AValidityWindowStartsWhenTheRenewalWasSentNotWhenItWasAnswered) {
  Harness h;
  auto keeper = h.Make();
  h.now += milliseconds(1000);
  h.renew_takes = milliseconds(800);  // a slow round trip
  keeper->RenewOnce();                // sent at +1.0 s, answered at +1.8 s
  h.now = h.sent.back() + milliseconds(2399);
  EXPECT_TRUE(keeper->StillHeld());
  h.now = h.sent.back() + milliseconds(2400);
  EXPECT_FALSE(keeper->StillHeld());
}

TEST(LeaseKeeperTest, AFailedRoundStopsWritesAtOnceAndALaterRenewalResumesThem) {
  Harness h;
  auto keeper = h.Make();
  h.answers = {MakeError(ErrorCode::kUnavailable, "etcd: no member answered")};
  h.now += milliseconds(1000);
  keeper->RenewOnce();
  auto refused = keeper->CheckWrite();
  ASSERT_TRUE(refused);
  EXPECT_THAT(refused->message, HasSubstr("the last keep-alive failed (etcd: no member answered)"));
  EXPECT_FALSE(keeper->LostForGood());  // the lease itself may still be alive
  h.now += milliseconds(500);
  keeper->RenewOnce();  // etcd is back before the deadline
  EXPECT_TRUE(keeper->StillHeld());
}

TEST(LeaseKeeperTest, ALeaseTheServerNoLongerHasIsLostForGood) {
  Harness h;
  auto keeper = h.Make();
  h.answers = {MakeError(ErrorCode::kNotFound, "etcd lease 1f is gone (expired or revoked)")};
  keeper->RenewOnce();
  EXPECT_TRUE(keeper->LostForGood());
  h.answers.clear();
  keeper->RenewOnce();  // a later success cannot bring it back
  auto lost = keeper->CheckWrite();
  ASSERT_TRUE(lost);
  EXPECT_THAT(lost->message, HasSubstr("is gone"));
}

TEST(LeaseKeeperTest, APausedProcessSeesItsLeaseLapsedBeforeAnyRenewalRuns) {
  Harness h;
  auto keeper = h.Make();
  h.now += milliseconds(900);
  keeper->RenewOnce();
  // SIGSTOP for longer than the TTL: nothing ran meanwhile; the first check after SIGCONT
  // (an apply worker about to write) already refuses.
  h.now += milliseconds(5000);
  EXPECT_FALSE(keeper->StillHeld());
  // A renewal sent now, even if etcd said yes, proves nothing about the paused time.
  keeper->RenewOnce();
  EXPECT_FALSE(keeper->StillHeld());
  EXPECT_TRUE(keeper->LostForGood());
}

TEST(LeaseKeeperTest, TheThreadRenewsOnItsOwnWithTheRealClock) {
  std::atomic<int> renewals{0};
  LeaseKeeper keeper(
      "real", LeaseTiming::ForTtl(milliseconds(1500)),
      [&]() -> Status {
        ++renewals;
        return {};
      },
      nullptr, std::chrono::steady_clock::now());
  keeper.Start();
  std::this_thread::sleep_for(milliseconds(2600));  // ~5 renewal periods
  EXPECT_TRUE(keeper.StillHeld());
  keeper.Stop();
  EXPECT_GE(renewals.load(), 3);
  const int after_stop = renewals.load();
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(renewals.load(), after_stop);
}

}  // namespace
}  // namespace keyward::coordination
