// Expectations on a planned engine::Change that the kinds' model tests and emulator tests share.
// Header-only and named *_test_util.h so the library glob never picks it up.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "engine/plan.h"

namespace keyward::azure {

// `change` changes exactly one field: `path`, from `before` to `after`.
inline void ExpectOnlyFieldChange(const engine::Change& change, const std::string& path,
                                  const Json& before, const Json& after) {
  ASSERT_EQ(change.field_changes.size(), 1u);
  EXPECT_EQ(change.field_changes[0].path, path);
  EXPECT_EQ(change.field_changes[0].before, before);
  EXPECT_EQ(change.field_changes[0].after, after);
}

}  // namespace keyward::azure
