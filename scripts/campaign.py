#!/usr/bin/env python3
"""The fault and crash campaigns of docs/reliability.md, run by scripts/campaign-faults.sh and
scripts/campaign-kill.sh (which build keyward, generate the estate and start the emulator).

    campaign.py faults --seeds N [--first-seed S] [--rate R] [--lro-fail-rate R] [--within N]
                       [--max-applies N]
    campaign.py kill --iterations N [--seed S]

Common arguments: --dir DIR (manifests, logs, results), --endpoint URL, --ca FILE, --state FILE
(the emulator's SQLite state), --keyward BIN.

faults: for each seed, a fresh emulator state, a fault spec seeded with it (each ARM request has
probability R of an injected 500, 502, 503, 504, 429 or connection reset, equally likely, and each
request that starts a long-running operation has probability --lro-fail-rate of making it end
Failed), then `keyward apply` of the estate in DIR/v1 until it converges, at most --max-applies
(5) times: a seed passes if it converges within --within (3). After every apply the emulator's
own state (its SQLite file) and request log are checked: no duplicate (an access policy entry twice
for one identity, a second key version, a secret version more than the manifests explain), no
delete (no DELETE request, no access policy removal, no soft-deleted vault, nothing missing that
an earlier apply created), no resource the manifests do not name. The seed converged after the
first apply whose exit status is 0 and after which the state equals the manifests; then, with
faults off, `keyward plan --detailed-exitcode` must report no change.

kill: each iteration applies DIR/v1 to a fresh state, then starts `keyward apply` of DIR/v2 (v1
changed: tags, permissions added and removed, new secret values, a new vault with children) and
sends it SIGKILL once the emulator has answered K write requests, K uniform in [1, W] where W is
the write count of an uninterrupted v2 apply (measured first). Right after the kill nothing of v1
may be lost (every resource present, every access policy entry with at least the permissions v1
and v2 both grant) and nothing duplicated; one re-run of the v2 apply must exit 0 and leave the
state equal to v2.

Results: one JSON line per seed / iteration in DIR/faults.jsonl or DIR/kill.jsonl, a summary on
stdout; the exit status is 1 if any seed or iteration failed.
"""
import argparse
import hashlib
import json
import os
import random
import signal
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.request

import yaml

WRITE_METHODS = {"PUT", "PATCH", "POST", "DELETE"}
FAULT_STATUSES = [500, 502, 503, 504, 429]
KEYWARD_TIMEOUT = 600  # seconds; an apply that takes longer is a hang, reported as a failure


class Emulator:
    """The emulator's admin surface (/_emulator/) and its SQLite state file."""

    def __init__(self, endpoint, ca_file, state_file):
        self.endpoint = endpoint.rstrip("/")
        self.context = ssl.create_default_context(cafile=ca_file)
        self.state_file = state_file

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.endpoint + path, data=data, method=method)
        with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def reset(self, faults=None):
        self.admin("POST", "/_emulator/reset")
        if faults:
            self.admin("PUT", "/_emulator/faults", faults)
        else:
            self.admin("DELETE", "/_emulator/faults")

    def requests(self, since=1):
        """ARM requests logged from sequence number `since`, and the next sequence number."""
        out = []
        while True:
            page = self.admin("GET", f"/_emulator/requests?since={since}")
            if page.get("dropped"):
                raise RuntimeError(f"the emulator's request log dropped {page['dropped']} entries")
            out += page["requests"]
            if page["next"] == since or not page["requests"]:
                return out, page["next"]
            since = page["next"]

    def rows(self):
        """Every stored resource, as (type, lowercased key, body)."""
        db = sqlite3.connect(f"file:{self.state_file}?mode=ro", uri=True, timeout=30)
        try:
            return [(t, k, json.loads(b))
                    for t, k, b in db.execute("SELECT type, key, body FROM resources")]
        finally:
            db.close()


def is_write(entry):
    return entry["method"] in WRITE_METHODS and entry["operation"] not in ("Token", "_emulator")


def fault_spec(seed, rate, lro_fail_rate):
    """Each request draws the rules in order and the first that fires wins: rule i fires with
    probability (rate / n) / (1 - i * rate / n), so every kind ends up with rate / n overall."""
    kinds = [{"status": s, "retryAfter": 1} if s == 429 else {"status": s}
             for s in FAULT_STATUSES] + [{"reset": True}]
    each = rate / len(kinds)
    rules = []
    for i, action in enumerate(kinds):
        rules.append(dict(action, rate=min(1.0, each / (1 - i * each))))
    if lro_fail_rate > 0:
        rules.append({"lroFail": True, "rate": lro_fail_rate})
    return {"seed": seed, "rules": rules}


# ---- what the manifests ask for ----------------------------------------------------------------

def lower_set(items):
    return {str(i).lower() for i in items or []}


class Desired:
    """The estate a manifest directory declares, in the terms the emulator stores."""

    def __init__(self, directory, secret_value):
        with open(os.path.join(directory, "keyward.yaml")) as f:
            config = yaml.safe_load(f)
        defaults = config.get("defaults", {})
        self.subscription = defaults["subscription"].lower()
        self.group = defaults["resourceGroup"]
        self.tenant = defaults["tenantId"].lower()
        self.groups, self.vaults, self.policies, self.keys, self.secrets = {}, {}, {}, {}, {}
        for name in sorted(os.listdir(directory)):
            if name == "keyward.yaml" or not name.endswith(".yaml"):
                continue
            with open(os.path.join(directory, name)) as f:
                for doc in yaml.safe_load_all(f):
                    self._add(doc, secret_value)

    def group_key(self):
        return f"/subscriptions/{self.subscription}/resourcegroups/{self.group.lower()}"

    def vault_key(self, vault):
        return f"{self.group_key()}/providers/microsoft.keyvault/vaults/{vault.lower()}"

    def _add(self, doc, secret_value):
        kind, name, spec = doc["kind"], doc["metadata"]["name"], doc.get("spec", {})
        if kind == "ResourceGroup":
            self.groups[self.group_key()] = spec
        elif kind == "Vault":
            self.vaults[self.vault_key(name)] = spec
        elif kind == "AccessPolicy":
            identity = (self.vault_key(spec["vault"]), spec.get("tenantId", self.tenant).lower(),
                        spec["objectId"].lower(), str(spec.get("applicationId", "")).lower())
            self.policies[identity] = {k: lower_set(v) for k, v in spec["permissions"].items()}
        elif kind == "Key":
            self.keys[f"{self.vault_key(spec['vault'])}/keys/{name.lower()}"] = spec
        elif kind == "Secret":
            self.secrets[f"{self.vault_key(spec['vault'])}/secrets/{name.lower()}"] = dict(
                spec, value=secret_value)
        else:
            raise ValueError(f"campaign.py does not check {kind}")


# ---- what the emulator holds --------------------------------------------------------------------

PERMISSION_KINDS = ("keys", "secrets", "certificates", "storage")


class Live:
    def __init__(self, rows, now):
        self.groups, self.vaults, self.keys, self.secrets = {}, {}, {}, {}
        self.key_versions, self.deleted_vaults, self.other = {}, [], []
        self.policies = {}  # identity -> list of permission dicts (more than one = duplicate)
        for type_, key, body in rows:
            t = type_.lower()
            if t == "microsoft.resources/resourcegroups":
                self.groups[key] = body
            elif t == "microsoft.keyvault/vaults":
                internal = body.get("_internal", {})
                ready = now >= internal.get("readyAt", 0)
                body["state"] = ("Failed" if internal.get("provisioningFailed") else
                                 "Succeeded") if ready else "RegisteringDns"
                self.vaults[key] = body
                for entry in body.get("properties", {}).get("accessPolicies") or []:
                    identity = (key, entry.get("tenantId", "").lower(),
                                entry.get("objectId", "").lower(),
                                str(entry.get("applicationId") or "").lower())
                    perms = entry.get("permissions", {})
                    self.policies.setdefault(identity, []).append(
                        {k: lower_set(perms.get(k)) for k in PERMISSION_KINDS if perms.get(k)})
            elif t == "microsoft.keyvault/vaults/keys":
                self.keys[key] = body
            elif t == "microsoft.keyvault/vaults/keys/versions":
                parent = key.rsplit("/versions/", 1)[0]
                self.key_versions[parent] = self.key_versions.get(parent, 0) + 1
            elif t == "microsoft.keyvault/vaults/secrets":
                self.secrets[key] = body
            elif t == "microsoft.keyvault/deletedvaults":
                self.deleted_vaults.append(key)
            else:
                self.other.append(key)


def secret_matches(body, value):
    internal = body.get("_internal", {})
    digest = hashlib.sha256((internal.get("salt", "") + value).encode()).hexdigest()
    return internal.get("valueHash") == digest


def invariant_problems(live, known, max_secret_versions, floor_policies=None):
    """Duplicates, deletes and strangers: what must never happen, converged or not.
    `known` = every resource key seen so far (must still exist), `floor_policies` = identity ->
    the permissions an entry must keep at least (nothing lost)."""
    problems = []
    for identity, entries in live.policies.items():
        if len(entries) > 1:
            problems.append(f"duplicate: {len(entries)} access policy entries for {identity[2]} "
                            f"in {identity[0].rsplit('/', 1)[1]}")
    for key, count in live.key_versions.items():
        if count > 1:
            problems.append(f"duplicate: key {key.rsplit('/', 1)[1]} has {count} versions")
    for key, body in live.secrets.items():
        versions = body.get("_internal", {}).get("versions", 0)
        if versions > max_secret_versions.get(key, 1):
            problems.append(f"duplicate: secret {key.rsplit('/', 3)[1]}/{key.rsplit('/', 1)[1]} "
                            f"has {versions} versions, at most {max_secret_versions.get(key, 1)} "
                            f"expected")
    for key in live.deleted_vaults:
        problems.append(f"delete: soft-deleted vault {key.rsplit('/', 1)[1]}")
    present = set(live.groups) | set(live.vaults) | set(live.keys) | set(live.secrets)
    for key in sorted(known - present):
        problems.append(f"delete: {key} existed and is gone")
    for identity, floor in (floor_policies or {}).items():
        entries = live.policies.get(identity)
        if not entries:
            problems.append(f"lost: access policy entry for {identity[2]} is gone")
            continue
        for kind, perms in floor.items():
            if not perms <= entries[0].get(kind, set()):
                problems.append(f"lost: access policy {identity[2]} {kind} lacks "
                                f"{sorted(perms - entries[0].get(kind, set()))}")
    return problems


def convergence_problems(live, desired):
    """How the state differs from the manifests (empty = converged)."""
    problems = []

    def tags_differ(want, body):
        have = body.get("tags") or {}
        return {k: v for k, v in (want or {}).items() if have.get(k) != str(v)}

    for key, spec in desired.groups.items():
        if key not in live.groups:
            problems.append(f"missing resource group {key}")
        elif tags_differ(spec.get("tags"), live.groups[key]):
            problems.append(f"resource group tags differ: {tags_differ(spec.get('tags'), live.groups[key])}")
    for key, spec in desired.vaults.items():
        name = key.rsplit("/", 1)[1]
        body = live.vaults.get(key)
        if body is None:
            problems.append(f"missing vault {name}")
            continue
        props = body.get("properties", {})
        if body["state"] != "Succeeded":
            problems.append(f"vault {name} is {body['state']}")
        if tags_differ(spec.get("tags"), body):
            problems.append(f"vault {name} tags differ: {tags_differ(spec.get('tags'), body)}")
        if props.get("softDeleteRetentionInDays") != spec.get("softDeleteRetentionInDays"):
            problems.append(f"vault {name} softDeleteRetentionInDays differs")
        if str(props.get("sku", {}).get("name", "")).lower() != spec["sku"]["name"].lower():
            problems.append(f"vault {name} sku differs")
    for identity, want in desired.policies.items():
        entries = live.policies.get(identity)
        if not entries:
            problems.append(f"missing access policy {identity[2]} in {identity[0].rsplit('/', 1)[1]}")
        elif {k: v for k, v in entries[0].items() if v} != {k: v for k, v in want.items() if v}:
            problems.append(f"access policy {identity[2]} permissions {entries[0]} != {want}")
    for identity in set(live.policies) - set(desired.policies):
        if identity[0] in desired.vaults:
            problems.append(f"access policy entry {identity[2]} is not in the manifests")
    for key, spec in desired.keys.items():
        body = live.keys.get(key)
        if body is None:
            problems.append(f"missing key {key}")
        elif str(body.get("properties", {}).get("kty", "")).upper() != spec["kty"].upper():
            problems.append(f"key {key} kty differs")
    for key, spec in desired.secrets.items():
        body = live.secrets.get(key)
        if body is None:
            problems.append(f"missing secret {key}")
            continue
        if not secret_matches(body, spec["value"]):
            problems.append(f"secret {key} does not hold the manifests' value")
        if body.get("properties", {}).get("contentType") != spec.get("contentType"):
            problems.append(f"secret {key} contentType differs")
    wanted = (set(desired.groups) | set(desired.vaults) | set(desired.keys) |
              set(desired.secrets))
    for key in sorted((set(live.vaults) | set(live.keys) | set(live.secrets)) - wanted):
        problems.append(f"unexpected resource {key}")
    problems += [f"unexpected resource {key}" for key in live.other]
    return problems


# ---- running keyward ----------------------------------------------------------------------------

class Keyward:
    def __init__(self, binary, env, log_dir):
        self.binary, self.env, self.log_dir = binary, env, log_dir

    def command(self, args, secret_value):
        return [self.binary] + args, dict(self.env, BENCH_SECRET_VALUE=secret_value)

    def run(self, args, secret_value, log_name):
        argv, env = self.command(args, secret_value)
        start = time.monotonic()
        with open(os.path.join(self.log_dir, log_name), "w") as log:
            try:
                rc = subprocess.run(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, timeout=KEYWARD_TIMEOUT).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
        return rc, time.monotonic() - start


def apply_args(directory):
    return ["apply", directory, "--auto-approve"]


def plan_args(directory):
    return ["plan", directory, "--detailed-exitcode"]


# ---- the campaigns ------------------------------------------------------------------------------

class Results:
    """One JSON line per seed / iteration in DIR/NAME.jsonl, and a line on stdout."""

    def __init__(self, directory, name):
        self.file = open(os.path.join(directory, name + ".jsonl"), "w")
        self.all = []

    def add(self, result, line, summary):
        self.all.append(result)
        self.file.write(json.dumps(result) + "\n")
        self.file.flush()
        print(f"{line}: {'ok' if result['ok'] else 'FAILED'}, {summary}" +
              "".join(f"\n    {p}" for p in result["problems"][:10]), flush=True)

    def failed(self):
        return sum(not r["ok"] for r in self.all)

def faults_campaign(args, emulator, keyward):
    desired = Desired(os.path.join(args.dir, "v1"), args.value)
    v1 = os.path.join(args.dir, "v1")
    results = Results(args.dir, "faults")
    started = time.monotonic()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        emulator.reset(fault_spec(seed, args.rate, args.lro_fail_rate))
        known, problems, converged_after, codes, seconds = set(), [], None, [], 0.0
        for attempt in range(1, args.max_applies + 1):
            rc, took = keyward.run(apply_args(v1), args.value, f"faults-{seed}-apply{attempt}.log")
            codes.append(rc)
            seconds += took
            live = Live(emulator.rows(), time.time())
            problems += [f"apply {attempt}: {p}" for p in invariant_problems(live, known, {})]
            known |= set(live.groups) | set(live.vaults) | set(live.keys) | set(live.secrets)
            if rc == 0 and not convergence_problems(live, desired):
                converged_after = attempt
                break
        log, _ = emulator.requests()
        for entry in log:
            if entry["method"] == "DELETE" or "/accesspolicies/remove" in entry["path"].lower():
                problems.append(f"delete: {entry['method']} {entry['path']}")
        stats = emulator.admin("GET", "/_emulator/stats")
        emulator.admin("DELETE", "/_emulator/faults")
        plan_rc = None
        if converged_after is None or converged_after > args.within:
            live = Live(emulator.rows(), time.time())
            bar = f"not converged after {args.within} applies (exit {codes[:args.within]})"
            problems += [f"{bar}: {p}" for p in convergence_problems(live, desired)[:10]]
            if converged_after:
                problems.append(f"{bar}; converged after {converged_after}")
            elif not convergence_problems(live, desired):
                problems.append(f"not converged after {len(codes)} applies: exit {codes}")
        if converged_after is not None:
            plan_rc, _ = keyward.run(plan_args(v1), args.value, f"faults-{seed}-plan.log")
            if plan_rc != 0:
                problems.append(f"plan after convergence (faults off) exited {plan_rc}, not 0")
        arm = sum(1 for e in log if e["operation"] not in ("Token", "OpenIdConfiguration"))
        faults = {k: v for k, v in stats["faults"].items() if k != "total"}
        result = {"seed": seed, "ok": not problems, "applies": converged_after,
                  "exit": codes, "seconds": round(seconds, 1), "armRequests": arm,
                  "faults": faults, "faultsTotal": stats["faults"]["total"],
                  "planAfter": plan_rc, "problems": problems}
        summary = (f"applies {converged_after}, exit {codes}, {arm} ARM requests, faults "
                   f"{faults}, {seconds:.1f}s")
        results.add(result, f"seed {seed}", summary)
    summarize_faults(results.all, time.monotonic() - started)
    return 1 if results.failed() else 0


def summarize_faults(results, elapsed):
    n = len(results)
    applies = {}
    for r in results:
        applies[r["applies"]] = applies.get(r["applies"], 0) + 1
    kinds = {}
    for r in results:
        for k, v in r["faults"].items():
            kinds[k] = kinds.get(k, 0) + v
    arm = sum(r["armRequests"] for r in results)
    injected = sum(v for k, v in kinds.items() if k not in ("latency", "lroFail"))
    print(f"\nfault campaign: {n} seeds, {sum(r['ok'] for r in results)} ok, "
          f"{n - sum(r['ok'] for r in results)} failed")
    print("applies needed: " + ", ".join(f"{k if k else 'not converged'}: {v}"
                                           for k, v in sorted(applies.items(),
                                                              key=lambda kv: kv[0] or 9)))
    print(f"ARM requests {arm}, faults injected {sum(kinds.values())} "
          f"({injected / max(arm, 1):.1%} of requests answered by a fault): "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"keyward apply time per seed: total {sum(r['seconds'] for r in results):.0f}s, "
          f"max {max((r['seconds'] for r in results), default=0):.1f}s; campaign {elapsed:.0f}s")


def kill_campaign(args, emulator, keyward):
    v1, v2 = os.path.join(args.dir, "v1"), os.path.join(args.dir, "v2")
    desired1 = Desired(v1, args.value)
    desired2 = Desired(v2, args.value2)
    # Permissions neither version takes away: what no kill may lose.
    floor = {identity: {k: perms & desired2.policies.get(identity, {}).get(k, set())
                        for k, perms in want.items()}
             for identity, want in desired1.policies.items()}
    # A v1 secret may get one more version (the v2 value), a v2-only secret one.
    max_versions = {key: 2 for key in desired1.secrets}

    def baseline():
        emulator.reset()
        rc, _ = keyward.run(apply_args(v1), args.value, "kill-v1.log")
        live = Live(emulator.rows(), time.time())
        if rc != 0 or convergence_problems(live, desired1):
            sys.exit(f"the v1 apply did not converge (exit {rc}): "
                     f"{convergence_problems(live, desired1)[:5]}")
        _, since = emulator.requests()
        return live, since

    # Calibration: how many writes an uninterrupted v2 apply makes.
    live, since = baseline()
    rc, took = keyward.run(apply_args(v2), args.value2, "kill-calibration.log")
    log, _ = emulator.requests(since)
    writes = sum(1 for e in log if is_write(e))
    live = Live(emulator.rows(), time.time())
    if rc != 0 or convergence_problems(live, desired2):
        sys.exit(f"the uninterrupted v2 apply did not converge (exit {rc})")
    print(f"calibration: an uninterrupted v2 apply makes {writes} writes in {took:.1f}s", flush=True)

    rng = random.Random(args.seed)
    results = Results(args.dir, "kill")
    started = time.monotonic()
    for i in range(args.iterations):
        target = rng.randint(1, writes)
        live, since = baseline()
        known = set(live.groups) | set(live.vaults) | set(live.keys) | set(live.secrets)
        argv, env = keyward.command(apply_args(v2), args.value2)
        log_path = os.path.join(args.dir, f"kill-{i}-apply.log")
        with open(log_path, "w") as log_file:
            process = subprocess.Popen(argv, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
            seen, killed, cursor = 0, False, since
            deadline = time.monotonic() + KEYWARD_TIMEOUT
            while process.poll() is None and time.monotonic() < deadline:
                entries, cursor = emulator.requests(cursor)
                seen += sum(1 for e in entries if is_write(e))
                if seen >= target:
                    process.send_signal(signal.SIGKILL)
                    killed = True
                    break
                time.sleep(0.005)
            process.wait()
        # Requests in flight when keyward died still finish in the emulator.
        time.sleep(0.5)
        log, _ = emulator.requests(since)
        writes_before = sum(1 for e in log if is_write(e))
        live = Live(emulator.rows(), time.time())
        problems = [f"after kill: {p}"
                    for p in invariant_problems(live, known, max_versions, floor)]
        known |= set(live.groups) | set(live.vaults) | set(live.keys) | set(live.secrets)
        rc, took = keyward.run(apply_args(v2), args.value2, f"kill-{i}-rerun.log")
        live = Live(emulator.rows(), time.time())
        problems += [f"after re-run: {p}"
                     for p in invariant_problems(live, known, max_versions, floor)]
        problems += [f"after re-run (exit {rc}): {p}"
                     for p in convergence_problems(live, desired2)[:10]]
        if rc != 0:
            problems.append(f"re-run exited {rc}")
        plan_rc, _ = keyward.run(plan_args(v2), args.value2, f"kill-{i}-plan.log")
        if plan_rc != 0:
            problems.append(f"plan after the re-run exited {plan_rc}, not 0")
        result = {"iteration": i, "ok": not problems and killed, "killed": killed,
                  "killAfterWrites": target, "writesBeforeRerun": writes_before,
                  "exitBeforeKill": None if killed else process.returncode,
                  "rerunExit": rc, "rerunSeconds": round(took, 1), "problems": problems}
        if not killed:
            result["problems"].append(f"keyward exited {process.returncode} before {target} "
                                      f"writes: not a kill")
        summary = (f"killed after write {target}/{writes} ({writes_before} writes reached the "
                   f"emulator), re-run exit {rc} in {took:.1f}s")
        results.add(result, f"iteration {i}", summary)
    results = results.all
    ok = sum(r["ok"] for r in results)
    print(f"\nkill campaign: {len(results)} kill -9 during the write phase ({writes} writes), "
          f"{ok} converged on one re-run with nothing lost or duplicated, {len(results) - ok} "
          f"failed; kill points: writes {min(r['killAfterWrites'] for r in results)}-"
          f"{max(r['killAfterWrites'] for r in results)}; re-run time max "
          f"{max(r['rerunSeconds'] for r in results):.1f}s; campaign "
          f"{time.monotonic() - started:.0f}s")
    return 1 if ok < len(results) else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("campaign", choices=["faults", "kill"])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--keyward", required=True)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=0.10)
    parser.add_argument("--lro-fail-rate", type=float, default=0.10)
    # A seed must converge within --within applies; up to --max-applies are run to see when it
    # does.
    parser.add_argument("--within", type=int, default=3)
    parser.add_argument("--max-applies", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    # The secret values the manifests read from $BENCH_SECRET_VALUE (v1, and v2 for kill).
    args.value = os.environ["BENCH_SECRET_VALUE"]
    args.value2 = args.value + "-v2"
    emulator = Emulator(args.endpoint, args.ca, args.state)
    keyward = Keyward(args.keyward, dict(os.environ), args.dir)
    if args.campaign == "faults":
        return faults_campaign(args, emulator, keyward)
    return kill_campaign(args, emulator, keyward)


if __name__ == "__main__":
    sys.exit(main())
