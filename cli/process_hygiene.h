// What keyward does to its own process before anything else, so that secrets stay inside it
// (docs/security.md, "Process hygiene"):
//  - HardenProcess: no core dumps (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0: no core
//    file, no ptrace or /proc/<pid>/mem by other processes of the same user), since a dump would
//    hold the client secret, the keys and secret values. KEYWARD_ALLOW_CORE_DUMPS=1 keeps the
//    defaults, to debug a crash on a machine holding no production credentials.
//  - ScrubStandardStreams: stdout and stderr become streams that pass every byte through
//    engine::Scrubber::Process() (engine/scrubber.h), so no error, log line or rendered plan can
//    print a registered value, whoever writes it (keyward, spdlog, a library).
#pragma once

namespace keyward::cli {

void HardenProcess();
void ScrubStandardStreams();

}  // namespace keyward::cli
