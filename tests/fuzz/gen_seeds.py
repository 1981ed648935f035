#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from what the
repository already holds: the example manifests, the bad-manifest corpus (tests/corpus/manifests),
the API specification's examples (tests/conformance/arm-spec) and hand-written misbehaving ARM
answers and HTTP requests. Run it from anywhere; it rewrites the generated seeds (files named
gen-*) and leaves other files (regressions found by fuzzing, saved plans) alone.

Seeds are starting points, not expectations: each fuzz target checks its own properties.
"""
import glob
import json
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX_SEED = 16 * 1024
CONFIG_MARKER = "\n#@@keyward.yaml@@\n"
SEPARATOR = "\n%%\n"


def clean(target):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    for path in glob.glob(os.path.join(CORPUS, target, "gen-*")):
        os.remove(path)


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > MAX_SEED:
        return
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    with open(os.path.join(CORPUS, target, "gen-" + name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


def manifest_seeds():
    clean("manifest_fuzz")
    examples = os.path.join(ROOT, "manifests", "examples", "payments")
    config = read(os.path.join(examples, "keyward.yaml"))
    for path in sorted(glob.glob(os.path.join(examples, "*.yaml"))):
        if os.path.basename(path) != "keyward.yaml":
            write("manifest_fuzz", "example-" + os.path.basename(path),
                  read(path) + CONFIG_MARKER + config)
    for case in sorted(glob.glob(os.path.join(ROOT, "tests", "corpus", "manifests", "*"))):
        manifest = os.path.join(case, "v.yaml")
        if not os.path.isfile(manifest):
            continue
        text = read(manifest)
        for name in ("keyward.yaml", "keyward.yml"):
            if os.path.isfile(os.path.join(case, name)):
                text += CONFIG_MARKER + read(os.path.join(case, name))
                break
        write("manifest_fuzz", "corpus-" + os.path.basename(case), text)


def response(status, headers=None, body=""):
    lines = [str(status)] + ["%s: %s" % kv for kv in (headers or {}).items()]
    if not isinstance(body, str):
        body = json.dumps(body, indent=1)
    return "\n".join(lines) + "\n\n" + body


def arm_seeds():
    clean("arm_response_fuzz")
    spec = os.path.join(ROOT, "tests", "conformance", "arm-spec", "2024-11-01", "examples")
    lists = []
    for path in sorted(glob.glob(os.path.join(spec, "*.json"))):
        name = os.path.basename(path)[:-5]
        lower = name.lower()
        example = json.loads(read(path))
        if "list" in lower:
            mode = "list"
        elif "purge" in lower:
            mode = "post"
        elif "delete" in lower:
            mode = "delete"
        elif "update" in lower and "createorupdate" not in lower:
            mode = "patch"
        elif "create" in lower or lower.startswith("put") or "put" in lower:
            mode = "put"
        else:
            mode = "get"
        answers = [response(int(code), r.get("headers"), r.get("body", ""))
                   for code, r in sorted(example.get("responses", {}).items()) if code.isdigit()]
        for i, answer in enumerate(answers):
            write("arm_response_fuzz", "spec-%s-%d" % (name, i), mode + "\n" + answer)
        if mode == "list":
            ok = [r for code, r in example.get("responses", {}).items() if code == "200"]
            if ok:
                lists.append(response(200, {}, ok[0].get("body", {})))
        if mode in ("put", "patch", "delete", "post") and len(answers) > 1:
            write("arm_response_fuzz", "spec-%s-all" % name, mode + "\n" + SEPARATOR.join(answers))
    # Refresh reads every kind: the spec's list answers in turn, then more of the same.
    write("arm_response_fuzz", "refresh-spec-lists", "refresh\n" + SEPARATOR.join(lists))
    host = "https://management.azure.com"
    op = host + "/subscriptions/s/providers/Microsoft.KeyVault/locations/westeurope/operationResults/op1?api-version=2024-11-01"
    vault = {"id": "/subscriptions/6f1d3b6a-0c55-4a8e-9d5b-2a4c1e7f9b01/resourceGroups/rg-fuzz/providers/Microsoft.KeyVault/vaults/kv-fuzz",
             "name": "kv-fuzz", "type": "Microsoft.KeyVault/vaults", "location": "westeurope",
             "tags": {"keyward-stack": "fuzz"},
             "properties": {"tenantId": "3c1a5d2e-8f4b-4e6a-9b7c-0d2e4f6a8b10",
                            "sku": {"family": "A", "name": "premium"}, "accessPolicies": [],
                            "provisioningState": "Succeeded"}}
    hand = {
        "put-async-operation": ("put", [
            response(201, {"Azure-AsyncOperation": op, "Retry-After": "1"},
                     dict(vault, properties=dict(vault["properties"], provisioningState="Creating"))),
            response(200, {}, {"status": "InProgress"}),
            response(200, {}, {"status": "Succeeded"}),
            response(200, {}, vault)]),
        "put-async-failed": ("put", [
            response(201, {"Azure-AsyncOperation": op}, vault),
            response(200, {}, {"status": "Failed", "error": {"code": "Conflict", "message": "no"}})]),
        "put-body-polling": ("put", [
            response(201, {}, dict(vault, properties=dict(vault["properties"], provisioningState="Creating"))),
            response(200, {}, vault)]),
        "delete-location": ("delete", [
            response(202, {"Location": op, "Retry-After": "5"}), response(202, {"Location": op}),
            response(204)]),
        "delete-202-no-header": ("delete", [response(202)]),
        "post-operation-location": ("post", [
            response(202, {"Operation-Location": op}), response(200, {}, {"status": "Canceled"})]),
        "put-foreign-async-host": ("put", [
            response(201, {"Azure-AsyncOperation": "https://evil.example.com/op"}, vault)]),
        "list-paged": ("list", [
            response(200, {}, {"value": [vault], "nextLink": host + "/page2?api-version=2024-11-01"}),
            response(200, {}, {"value": [], "nextLink": host + "/page3"}),
            response(200, {}, {"value": [vault]})]),
        "list-foreign-nextlink": ("list", [
            response(200, {}, {"value": [], "nextLink": "https://evil.example.com/x"})]),
        "list-null-item": ("list", [response(200, {}, {"value": [None, 1, "x", vault]})]),
        "list-html-200": ("list", [response(200, {"Content-Type": "text/html"},
                                            "<html><body>Sign in</body></html>")]),
        "list-truncated": ("list", [response(200, {}, '{"value": [{"id": "/subscriptions/')]),
        "list-deep": ("list", [response(200, {}, "[" * 2000 + "]" * 2000)]),
        "get-429-retry-after": ("get", [
            response(429, {"Retry-After": "99999999999999999999"}), response(429, {"Retry-After": "-1"}),
            response(429, {"retry-after-ms": "1e309", "x-ms-retry-after-ms": "abc"}),
            response(200, {}, vault)]),
        "get-429-date": ("get", [
            response(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), response(200, {}, vault)]),
        "get-reset-then-500": ("get", ["reset", response(500, {}, "oops"), response(503)]),
        "get-error-body": ("get", [response(404, {"x-ms-request-id": "r1"}, {
            "error": {"code": "ResourceNotFound", "message": "gone", "target": "t",
                      "details": [{"code": "Inner"}], "innererror": {"code": "X"}}})]),
        "error-oauth": ("error", [response(400, {}, {"error": "invalid_client",
                                                     "error_description": "AADSTS7000215"})]),
        "error-top-level-code": ("error", [response(409, {}, {"code": "Conflict", "message": "m"})]),
        "error-not-json": ("error", [response(502, {}, "<html>Bad gateway</html>")]),
        "refresh-vault-only": ("refresh", [
            response(200, {}, {"value": []}), response(200, {}, {"value": [vault]}),
            response(404, {}, {"error": {"code": "ResourceGroupNotFound", "message": "m"}})]),
        "refresh-null-items": ("refresh", [response(200, {}, {"value": [None]})] * 12),
        "refresh-wrong-types": ("refresh", [response(200, {}, {"value": [{"id": 5, "name": [],
                                                                          "properties": "x", "tags": 1}]})] * 12),
    }
    for name, (mode, answers) in hand.items():
        write("arm_response_fuzz", "hand-" + name, mode + "\n" + SEPARATOR.join(answers))
    for name, body in {
        "ok": {"access_token": "eyJ0eXAi.x.y", "expires_in": 3599, "token_type": "Bearer"},
        "string-expiry": {"access_token": "a", "expires_in": "3599"},
        "expires-on-epoch": {"access_token": "a", "expires_on": 1900000000},
        "expires-on-rfc1123": {"access_token": "a", "expires_on": "Wed, 21 Oct 2025 07:28:00 GMT"},
        "expires-on-rfc3339": {"access_token": "a", "expires_on": "2025-10-21T07:28:00Z"},
        "huge-expiry": {"access_token": "a", "expires_in": 1e300},
        "error": {"error": "invalid_client", "error_description": "bad secret"},
    }.items():
        write("arm_response_fuzz", "token-" + name, "token\n" + json.dumps(body))


def http_seeds():
    clean("daemon_http_fuzz")
    push = json.dumps({"ref": "refs/heads/main", "after": "0" * 40})
    requests = {
        "healthz": "GET /healthz\n\n",
        "readyz": "GET /readyz\n\n",
        "metrics": "GET /metrics\n\n",
        "status": "GET /status\n\n",
        "unknown": "GET /nope\n\n",
        "hook-signed": "POST /hooks/git\nContent-Type: application/json\nX-GitHub-Event: push\n"
                       "X-Hub-Signature-256: @sign@\n\n" + push,
        "hook-bad-signature": "POST /hooks/git\nContent-Type: application/json\n"
                              "X-Hub-Signature-256: sha256=" + "0" * 64 + "\n\n" + push,
        "hook-no-signature": "POST /hooks/git\nContent-Type: application/json\n\n" + push,
        "hook-form": "POST /hooks/git\nContent-Type: application/x-www-form-urlencoded\n"
                     "X-Hub-Signature-256: @sign@\n\npayload=x",
        "hook-get": "GET /hooks/git\n\n",
        "hook-charset": "POST /hooks/git\nContent-Type: Application/JSON; charset=utf-8\n"
                        "X-Hub-Signature-256: @sign@\n\n{}",
        "hook-sha1": "POST /hooks/git\nContent-Type: application/json\nX-Hub-Signature-256: sha1=abc\n\n{}",
    }
    for name, text in requests.items():
        write("daemon_http_fuzz", name, text)


if __name__ == "__main__":
    manifest_seeds()
    arm_seeds()
    http_seeds()
