// libFuzzer target: a saved plan file (`keyward show FILE`, `keyward apply FILE`) -> the reader,
// the signature check, and what `show` prints (text, JSON, Markdown).
//
// Beyond "no crash, no sanitizer report, no escaped exception", two properties are checked for
// every file the reader accepts: what keyward writes back is a file it reads again (the reader
// and writer agree), and a plan compared with itself has no stale change (apply would otherwise
// refuse a plan it was given unchanged). Seeds in corpus/saved_plan_fuzz/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/render_json.h"
#include "engine/render_markdown.h"
#include "engine/render_text.h"
#include "engine/saved_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyward::engine;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto saved = ParseSavedPlan(text, "plan.json");
  if (!saved) {
    (void)saved.error().ToString();
    return 0;
  }
  (void)VerifySavedPlanSignature(*saved, "fuzz-plan-key");
  (void)RenderPlanText(saved->plan);
  (void)RenderPlanJson(saved->plan);
  (void)RenderPlanMarkdown(saved->plan);

  const std::string written = SerializeSavedPlan(*saved, "fuzz-plan-key", "KEYWARD_PLAN_KEY");
  auto again = ParseSavedPlan(written, "rewritten.json");
  if (!again) {
    std::fprintf(stderr, "a plan keyward wrote does not read back: %s\n",
                 again.error().ToString().c_str());
    std::abort();
  }
  if (!VerifySavedPlanSignature(*again, "fuzz-plan-key")) {
    std::fprintf(stderr, "a plan keyward signed does not verify\n");
    std::abort();
  }
  if (auto stale = FindStaleChanges(saved->plan, saved->plan); !stale.empty()) {
    std::fprintf(stderr, "a plan differs from itself: %s: %s\n", stale.front().address.c_str(),
                 stale.front().why.c_str());
    std::abort();
  }
  return 0;
}
