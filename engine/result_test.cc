#include "engine/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace keyward {
namespace {

Status Check(bool ok) {
  if (!ok) return MakeError(ErrorCode::kFailedPrecondition, "check failed");
  return {};
}

Result<std::unique_ptr<int>> Make(bool ok, int value) {
  if (!ok) return MakeError(ErrorCode::kNotFound, "nothing to make");
  return std::make_unique<int>(value);
}

// Uses both macros the way handlers do; `steps` records how far it got.
Result<int> Sum(bool check_ok, bool make_ok, int* steps) {
  KEYWARD_RETURN_IF_ERROR(Check(check_ok));
  ++*steps;
  KEYWARD_ASSIGN_OR_RETURN(auto first, Make(make_ok, 2));
  ++*steps;
  KEYWARD_ASSIGN_OR_RETURN(std::unique_ptr<int> second, Make(true, 3));
  Status named = Check(true);
  KEYWARD_RETURN_IF_ERROR(named);
  return *first + *second;
}

TEST(ResultMacrosTest, AssignOrReturnHandsOverTheValueWhenEveryCallSucceeds) {
  int steps = 0;
  auto sum = Sum(true, true, &steps);
  ASSERT_TRUE(sum) << sum.error().ToString();
  EXPECT_EQ(*sum, 5);
  EXPECT_EQ(steps, 2);
}

// Sum's error when one of its calls fails, and how many steps it did before.
struct SumFailure {
  Error error;
  int steps = 0;
};
SumFailure FailedSum(bool check_ok, bool make_ok) {
  SumFailure failure;
  auto sum = Sum(check_ok, make_ok, &failure.steps);
  EXPECT_FALSE(sum) << "Sum succeeded";
  if (!sum) failure.error = sum.error();
  return failure;
}

TEST(ResultMacrosTest, ReturnIfErrorStopsAtTheFirstErrorAndKeepsIt) {
  const SumFailure failed = FailedSum(false, true);
  EXPECT_EQ(failed.error.code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(failed.error.message, "check failed");
  EXPECT_EQ(failed.steps, 0);
}

TEST(ResultMacrosTest, AssignOrReturnReturnsTheErrorOfAMoveOnlyResult) {
  const SumFailure failed = FailedSum(true, false);
  EXPECT_EQ(failed.error.code, ErrorCode::kNotFound);
  EXPECT_EQ(failed.steps, 1);
}

TEST(ResultTest, ChainsAcceptCallablesThatReturnAResult) {
  Result<int> doubled = Result<int>(4).and_then([](int x) -> Result<int> { return x * 2; });
  ASSERT_TRUE(doubled);
  EXPECT_EQ(*doubled, 8);
}

}  // namespace
}  // namespace keyward
