#include "engine/guardrails/estate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/testing_fake_handler_test_util.h"

namespace keyward::engine::guardrails {
namespace {

using ::testing::ElementsAre;
using testing::FakeArmId;
using testing::FakeHandler;

// Exports the live object's "spec" member as the manifest spec (the Azure kinds export ARM).
class ExportingHandler : public FakeHandler {
 public:
  using FakeHandler::FakeHandler;
  std::optional<Json> ExportManifest(const ObservedResource& observed,
                                     const ExportContext&) const override {
    if (!observed.live.contains("spec")) return std::nullopt;
    return Json{{"spec", observed.live["spec"]}};
  }
};

TEST(MergeSpecTest, ManifestWinsObjectsMergeListsAndWholeFieldsReplace) {
  const Json live = {{"a", 1},
                     {"b", {{"x", 1}, {"y", 2}}},
                     {"list", {1, 2, 3}},
                     {"perms", {{"keys", {"all"}}, {"secrets", {"get"}}}}};
  const Json desired = {{"b", {{"y", 20}}}, {"list", {9}}, {"perms", {{"secrets", {"list"}}}}};
  EXPECT_EQ(MergeSpec(live, desired, {"perms"}), (Json{{"a", 1},
                                                       {"b", {{"x", 1}, {"y", 20}}},
                                                       {"list", {9}},
                                                       {"perms", {{"secrets", {"list"}}}}}));
  // A whole field the manifest leaves out is absent, not borrowed from live.
  EXPECT_FALSE(MergeSpec(live, Json::object(), {"perms"}).contains("perms"));
  EXPECT_EQ(MergeSpec(Json(), desired, {}), desired);
}

class PlannedEstateTest : public ::testing::Test {
 protected:
  void SetUp() override { handlers_.Register(std::make_unique<ExportingHandler>("Widget")); }

  DesiredResource Desired(const std::string& name, Json spec, ReconcilePolicy policy) {
    DesiredResource r;
    r.kind = "Widget";
    r.name = name;
    r.address = "Widget/" + name;
    r.arm_id = FakeArmId("Widget", name);
    r.spec = std::move(spec);
    r.policy = policy;
    return r;
  }
  ObservedResource Live(const std::string& name, Json spec) {
    ObservedResource o;
    o.kind = "Widget";
    o.address = "Widget/" + name;
    o.arm_id = FakeArmId("Widget", name);
    o.live = {{"spec", std::move(spec)}};
    return o;
  }

  HandlerRegistry handlers_;
  RuleRegistry rules_;
};

TEST_F(PlannedEstateTest, DesiredMergedOverLiveUndeclaredAsContextDeletedAndSkippedLeftOut) {
  DesiredSet desired;
  desired.resources.push_back(Desired("a", {{"color", "red"}}, ReconcilePolicy::kManage));
  desired.resources.push_back(Desired("new", {{"color", "blue"}}, ReconcilePolicy::kObserve));
  desired.resources.push_back(Desired("skipped", Json::object(), ReconcilePolicy::kSkip));
  ObservedSet observed;
  observed.resources.push_back(Live("a", {{"color", "green"}, {"size", 3}}));
  observed.resources.push_back(Live("other", {{"color", "black"}}));
  observed.resources.push_back(Live("pruned", {{"color", "white"}}));
  Plan plan;
  Change prune;
  prune.address = "Widget/pruned";
  prune.action = Action::kDelete;
  plan.changes.push_back(prune);

  const Estate estate = PlannedEstate(desired, observed, plan, handlers_, rules_);
  std::vector<std::string> addresses;
  for (const Subject& s : estate.subjects()) addresses.push_back(s.address);
  EXPECT_THAT(addresses, ElementsAre("Widget/a", "Widget/new", "Widget/other"));
  const Subject& a = estate.subjects()[0];
  EXPECT_EQ(a.spec, (Json{{"color", "red"}, {"size", 3}}));
  EXPECT_EQ(a.source, FindingSource::kPlanned);
  EXPECT_EQ(a.desired, &desired.resources[0]);
  EXPECT_FALSE(a.context_only);
  EXPECT_EQ(estate.subjects()[1].spec, (Json{{"color", "blue"}})) << "absent live: manifest only";
  EXPECT_TRUE(estate.subjects()[2].context_only);
  EXPECT_EQ(estate.subjects()[2].desired, nullptr);
  EXPECT_EQ(estate.FindById(AsciiLower(FakeArmId("Widget", "other"))), &estate.subjects()[2]);
}

TEST_F(PlannedEstateTest, LiveEstateHasEveryExportableResource) {
  ObservedSet observed;
  observed.resources.push_back(Live("a", {{"color", "green"}}));
  ObservedResource unexportable;
  unexportable.kind = "Widget";
  unexportable.address = "Widget/pending";
  observed.resources.push_back(unexportable);
  ObservedResource unknown_kind = Live("x", Json::object());
  unknown_kind.kind = "Gizmo";
  observed.resources.push_back(unknown_kind);
  const Estate estate = LiveEstate(observed, handlers_);
  ASSERT_EQ(estate.subjects().size(), 1u);
  EXPECT_EQ(estate.subjects()[0].source, FindingSource::kLive);
  EXPECT_FALSE(estate.subjects()[0].context_only);
}

}  // namespace
}  // namespace keyward::engine::guardrails
