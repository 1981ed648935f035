#!/usr/bin/env python3
"""Runs and measures the fleet benchmark of scripts/bench.sh (docs/benchmarks.md).

    bench-run.py ESTATE_JSON MANIFEST_DIR

Environment (set by scripts/bench.sh): KEYWARD_BIN, KEYWARD_ARM_ENDPOINT, KEYWARD_CA_FILE, the
AZURE_* credentials, BENCH_LATENCY_MS, BENCH_PARALLELISM, BENCH_PEER (peer.mjs).

1. Applies the estate with the emulator's throttling off (setup, not measured).
2. Turns throttling on and adds BENCH_LATENCY_MS of latency to every ARM request.
3. Runs, one after the other and each with full throttling buckets: keyward's no-change plan
   twice (cold, then warm), the per-resource peer (unless BENCH_SKIP_PEER=1) and the daemon in
   observe mode for one loop and for three (each with a state directory of its own, so both
   start cold). Each run is measured as a child process (wall, user+system CPU and max RSS from
   wait4) and by the emulator's request counters (/_emulator/stats before and after). The
   daemon's steady state is the difference: (three loops - one loop) / 2 reads per loop, and
   its share of the reads ARM refills in a 5-minute interval (25/s).
4. Prints the tables (Markdown) and exits non-zero if a run failed or a plan was not a no-op.
"""
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request

# Identity calls, not ARM reads: every client makes one or two, whatever the estate's size.
IDENTITY_OPERATIONS = {"Token", "OpenIdConfiguration", "ManagedIdentity_Imds",
                       "ManagedIdentity_AppService"}
# ARM's read refill per subscription (the emulator's default budget), and the daemon interval
# the steady-state target is stated for.
READS_PER_SECOND = 25
DAEMON_INTERVAL_S = 300


def admin(method, path, body=None):
    endpoint = os.environ["KEYWARD_ARM_ENDPOINT"]
    context = ssl.create_default_context(cafile=os.environ["KEYWARD_CA_FILE"])
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, context=context) as response:
        text = response.read()
        return json.loads(text) if text else None


def measured(argv, env=None, stdout_file=None):
    """Runs argv; returns (exit status, wall s, CPU s, max RSS MB, stdout)."""
    start = time.monotonic()
    with open(stdout_file or os.devnull, "w+") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read() if stdout_file else ""
    return (process.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
            text)


def diff(after, before):
    ops = {}
    for name, n in after["operations"].items():
        d = n - before["operations"].get(name, 0)
        if d:
            ops[name] = d
    codes = {c: n - before["statusCodes"].get(c, 0) for c, n in after["statusCodes"].items()}
    return ops, codes.get("429", 0)


def run(name, argv, env, log_dir):
    # Full buckets for every run. Changing the scale refills every bucket (docs/emulator.md), but
    # setting the scale it already has changes nothing: step away from 1 and back. (Until
    # 2026-12-08 this set 1 only, so every run after the first started on the buckets the run
    # before had drained.)
    admin("PUT", "/_emulator/throttling", {"enabled": True, "scale": 2})
    admin("PUT", "/_emulator/throttling", {"enabled": True, "scale": 1})
    before = admin("GET", "/_emulator/stats")
    log = os.path.join(log_dir, name.replace(" ", "-").replace("(", "").replace(")", "") + ".log")
    status, wall, cpu, rss, output = measured(argv, env, log)
    after = admin("GET", "/_emulator/stats")
    ops, throttled = diff(after, before)
    arm = {op: n for op, n in ops.items() if op not in IDENTITY_OPERATIONS}
    return {"name": name, "status": status, "wall": wall, "cpu": cpu, "rss": rss,
            "ops": arm, "requests": sum(arm.values()), "throttled": throttled, "log": log,
            "output": output}


def daemon_argv(keyward, manifests, loops, log_dir):
    # A state directory of its own: the daemon starts with no key read cache, as after a restart.
    state = os.path.join(log_dir, f"daemon-state-{loops}")
    return [keyward, "daemon", manifests, "--mode", "observe", "--interval", "1s",
            "--jitter", "0%", "--max-loops", str(loops), "--listen", "127.0.0.1:0",
            "--state-dir", state]


def print_daemon(daemon_runs, bound):
    one, three = daemon_runs
    steady = (three["requests"] - one["requests"]) / 2
    budget = READS_PER_SECOND * DAEMON_INTERVAL_S
    print()
    print(f"Daemon (observe): reads per loop, and their share of the {budget} reads ARM refills "
          f"in a {DAEMON_INTERVAL_S // 60}-minute interval at {READS_PER_SECOND}/s.")
    print()
    print("| daemon loop | ARM reads | × lower bound | share of the 5-minute read budget |")
    print("|---|---|---|---|")
    print(f"| first (cold) | {one['requests']} | {one['requests'] / bound:.2f} | "
          f"{100 * one['requests'] / budget:.1f} % |")
    print(f"| each later loop (steady state) | {steady:.0f} | {steady / bound:.2f} | "
          f"{100 * steady / budget:.1f} % |")
    print(f"| the list-page lower bound | {bound} | 1.00 | {100 * bound / budget:.1f} % |")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench-run.py ESTATE_JSON MANIFEST_DIR")
    estate = json.load(open(sys.argv[1]))
    manifests = sys.argv[2]
    keyward = os.environ["KEYWARD_BIN"]
    latency = int(os.environ.get("BENCH_LATENCY_MS", "20"))
    parallelism = os.environ.get("BENCH_PARALLELISM", "10")
    log_dir = os.path.dirname(os.path.abspath(sys.argv[1]))
    env = dict(os.environ)

    admin("PUT", "/_emulator/throttling", {"enabled": False, "scale": 1})
    admin("DELETE", "/_emulator/faults")
    print(f"setup: keyward apply of {len(estate['resources'])} resources (throttling off) ...",
          flush=True)
    status, wall, _, _, _ = measured([keyward, "apply", manifests, "--auto-approve"], env,
                                     os.path.join(log_dir, "apply.log"))
    if status != 0:
        sys.exit(f"setup apply failed (exit {status}); see {log_dir}/apply.log")
    print(f"setup: applied in {wall:.1f} s", flush=True)
    if latency > 0:
        admin("PUT", "/_emulator/faults", {"rules": [{"latencyMs": latency, "rate": 1.0}]})

    plan = [keyward, "plan", manifests, "--detailed-exitcode"]
    peer_env = dict(env, NODE_EXTRA_CA_CERTS=os.environ["KEYWARD_CA_FILE"])
    measures = [("keyward plan (cold)", plan, env), ("keyward plan (warm)", plan, env)]
    with_peer = os.environ.get("BENCH_SKIP_PEER", "0") != "1"
    if with_peer:
        measures.append((f"peer (JS SDK, {parallelism} at a time)",
                         ["node", os.environ["BENCH_PEER"], sys.argv[1], "--parallelism",
                          parallelism], peer_env))
    runs = []
    for name, argv, run_env in measures:
        print(f"measuring: {name} ...", flush=True)
        runs.append(run(name, argv, run_env, log_dir))
    daemon_runs = []
    for loops in (1, 3):
        name = f"keyward daemon ({loops} loop{'s' if loops > 1 else ''})"
        print(f"measuring: {name} ...", flush=True)
        daemon_runs.append(run(name, daemon_argv(keyward, manifests, loops, log_dir), env,
                               log_dir))

    failed = [r for r in runs + daemon_runs if r["status"] != 0]
    bound = estate["lower_bound"]
    print()
    print(f"Estate: {len(estate['resources'])} resources ({estate['vaults']} vaults); "
          f"list-page lower bound {bound} reads; latency {latency} ms per ARM request; "
          "emulator throttling on (reads 250 burst, 25/s).")
    print()
    print("| run | ARM requests | × lower bound | 429s | wall s | CPU s | max RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['name']} | {r['requests']} | {r['requests'] / bound:.2f} | "
              f"{r['throttled']} | {r['wall']:.1f} | {r['cpu']:.2f} | {r['rss']:.0f} |")
    peer = runs[-1] if with_peer else None
    for r in runs[:-1] if peer else []:
        print(f"| {r['name']} ÷ peer | {r['requests'] / max(peer['requests'], 1):.2f} | | | "
              f"{r['wall'] / peer['wall']:.3f} | {r['cpu'] / max(peer['cpu'], 1e-9):.2f} | "
              f"{r['rss'] / max(peer['rss'], 1e-9):.2f} |")
    print()
    operations = sorted({op for r in runs for op in r["ops"]})
    print("| operation | " + " | ".join(r["name"] for r in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for op in operations:
        print(f"| {op} | " + " | ".join(str(r["ops"].get(op, 0)) for r in runs) + " |")
    print_daemon(daemon_runs, bound)
    for r in runs + daemon_runs:
        if r["status"] not in (0,):
            detail = "changes planned (exit 2): not a no-op" if r["status"] == 2 else "failed"
            print(f"\n{r['name']}: exit {r['status']}, {detail}; log: {r['log']}")
            print(r["output"][-2000:])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
