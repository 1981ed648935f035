#include "engine/field_locations.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace keyward::engine {
namespace {

TEST(FieldLocationsTest, FindsWhatTheLoaderRecordedAndNothingElse) {
  const FieldLocations locations({{"spec.location", {"m/keyward.yaml", 5, 13}},
                                  {"spec.sku.name", {"m/vault.yaml", 6, 27}},
                                  {"spec.tags", {"m/vault.yaml", 8, 3}}});
  EXPECT_EQ(locations.size(), 3u);
  EXPECT_EQ(locations.at("spec.location").ToString(), "m/keyward.yaml:5:13");
  EXPECT_EQ(locations.at("spec.sku.name").ToString(), "m/vault.yaml:6:27");
  EXPECT_EQ(locations.at("spec.tags").ToString(), "m/vault.yaml:8:3");
  // A prefix of a recorded path, or a path between two, is not recorded.
  EXPECT_FALSE(locations.Find("spec"));
  EXPECT_FALSE(locations.Find("spec.sku"));
  EXPECT_FALSE(locations.Find("spec.sku.nam"));
  EXPECT_FALSE(locations.Find("spec.zzz"));
  EXPECT_TRUE(locations.Find("spec.tags"));
  EXPECT_FALSE(locations.Find("spec.tag"));
  EXPECT_THROW(locations.at("spec"), std::out_of_range);
}

TEST(FieldLocationsTest, AssignedPathsKeepTheirOrderAndALaterAssignmentReplaces) {
  FieldLocations locations;
  EXPECT_TRUE(locations.empty());
  locations["spec.vault"] = {"k.yaml", 7, 10};
  locations["spec.curveName"] = {"k.yaml", 10, 14};
  locations["spec.keySize"] = {"other.yaml", 9, 12};
  locations["spec.vault"] = {"k.yaml", 70, 1};
  EXPECT_EQ(locations.size(), 3u);
  EXPECT_EQ(locations.at("spec.curveName").ToString(), "k.yaml:10:14");
  EXPECT_EQ(locations.at("spec.keySize").ToString(), "other.yaml:9:12");
  EXPECT_EQ(locations.at("spec.vault").ToString(), "k.yaml:70:1");
}

TEST(FieldLocationsTest, EmptyFindsNothing) {
  const FieldLocations locations;
  EXPECT_FALSE(locations.Find(""));
  EXPECT_FALSE(locations.Find("spec"));
}

}  // namespace
}  // namespace keyward::engine
