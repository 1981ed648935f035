#include "engine/plan_index.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/resource_handler.h"

namespace keyward::engine {
namespace {

constexpr char kVault[] =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";

DesiredResource Desired(std::string kind, std::string address, std::string arm_id,
                        Json spec = Json::object()) {
  DesiredResource d;
  d.kind = std::move(kind);
  d.address = std::move(address);
  d.arm_id = std::move(arm_id);
  d.spec = std::move(spec);
  return d;
}

ObservedResource Observed(std::string kind, std::string arm_id) {
  ObservedResource o;
  o.kind = std::move(kind);
  o.arm_id = std::move(arm_id);
  return o;
}

// A small estate with the cases the index must answer like a scan: ids in other cases and with
// a trailing slash, the same id under two kinds, a sibling vault whose name extends this one's.
struct Estate {
  DesiredSet desired;
  ObservedSet observed;
  Estate() {
    desired.resources = {
        Desired("Vault", "Vault/kv", std::string(kVault) + "/"),
        Desired("Vault", "Vault/kv2", std::string(kVault) + "2"),
        Desired("AccessPolicy", "AccessPolicy/kv/a", std::string(kVault) + "/accessPolicies/t/a",
                {{"endpoint", "PE-1"}}),
        Desired("AccessPolicy", "AccessPolicy/kv2/b", std::string(kVault) + "2/accessPolicies/t/b",
                {{"endpoint", "pe-1"}}),
        Desired("Key", "Key/kv/k", std::string(kVault) + "/keys/k", {{"endpoint", "pe-2"}}),
    };
    observed.resources = {
        Observed("Vault",
                 "/SUBSCRIPTIONS/s1/resourceGroups/rg/providers/Microsoft.KeyVault/"
                 "vaults/KV"),
        Observed("AccessPolicy", std::string(kVault) + "/accesspolicies/t/a"),
        Observed("AccessPolicy", std::string(kVault) + "/accesspolicies/t/c"),
        Observed("AccessPolicy", std::string(kVault) + "2/accesspolicies/t/b"),
    };
  }
};

std::string EndpointKey(const DesiredResource& d) {
  return AsciiLower(d.spec.value("endpoint", std::string()));
}

template <typename T>
std::vector<T> Sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(PlanIndexTest, AnswersEveryLookupAsAScanOfTheSetsDoes) {
  const Estate estate;
  const PlanIndex index(estate.desired, estate.observed);
  PlanChangeRequest scan;
  scan.desired_set = &estate.desired;
  scan.observed_set = &estate.observed;
  PlanChangeRequest indexed = scan;
  indexed.index = &index;

  for (const PlanChangeRequest* r : {&scan, &indexed}) {
    SCOPED_TRACE(r->index ? "indexed" : "scan");
    EXPECT_EQ(FindDesired(*r, "Vault/kv2"), &estate.desired.resources[1]);
    EXPECT_EQ(FindDesired(*r, "Vault/none"), nullptr);
    EXPECT_EQ(FindDesiredById(*r, "Vault", AsciiLower(kVault)), &estate.desired.resources[0]);
    EXPECT_EQ(FindDesiredById(*r, "Key", kVault), nullptr);
    EXPECT_EQ(FindObservedById(*r, std::string(kVault)), &estate.observed.resources[0]);
    EXPECT_EQ(FindObservedById(*r, ""), nullptr);
    EXPECT_EQ(Sorted(FindObservedUnder(*r, "AccessPolicy", std::string(kVault) + "/")),
              Sorted(std::vector<const ObservedResource*>{&estate.observed.resources[1],
                                                          &estate.observed.resources[2]}));
    EXPECT_EQ(FindDesiredUnder(*r, "AccessPolicy", kVault),
              std::vector<const DesiredResource*>{&estate.desired.resources[2]});
    EXPECT_TRUE(FindDesiredUnder(*r, "Vault", kVault).empty());
    EXPECT_EQ(FindDesiredByKey(*r, "AccessPolicy", &EndpointKey, "pe-1"),
              (std::vector<const DesiredResource*>{&estate.desired.resources[2],
                                                   &estate.desired.resources[3]}));
    EXPECT_TRUE(FindDesiredByKey(*r, "AccessPolicy", &EndpointKey, "pe-2").empty());
  }
}

TEST(PlanIndexTest, WithoutSetsFindsNothing) {
  const PlanChangeRequest request;
  EXPECT_EQ(FindDesired(request, "Vault/kv"), nullptr);
  EXPECT_EQ(FindObservedById(request, kVault), nullptr);
  EXPECT_TRUE(FindObservedUnder(request, "AccessPolicy", kVault).empty());
  EXPECT_TRUE(FindDesiredByKey(request, "Key", &EndpointKey, "").empty());
}

}  // namespace
}  // namespace keyward::engine
