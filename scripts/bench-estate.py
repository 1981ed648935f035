#!/usr/bin/env python3
"""Writes the benchmark estate of scripts/bench.sh (docs/benchmarks.md).

    bench-estate.py N MANIFEST_DIR ESTATE_JSON

N resources in one stack: one resource group, then vaults, each with 4 access policies, 3 keys
and 4 secrets (11 children). The default N = 3,001 is 250 vaults, 1,000 access policies, 750 keys
and 1,000 secrets. Other N keep the mix: (N - 1) // 12 vaults with their 11 children, the rest as
extra secrets spread over the vaults. Every secret reads its value from $BENCH_SECRET_VALUE.

MANIFEST_DIR gets keyward.yaml and one file per vault holding the vault and its children;
ESTATE_JSON lists every resource for the per-resource peer (tests/conformance/bench/peer.mjs) and
holds the list-page lower bound of a refresh (one resource group list, the vault list pages, one
keys list and one secrets list per vault).
"""
import json
import math
import os
import sys
import uuid

SUBSCRIPTION = "5d0c7e21-6a8f-4b3e-9c1d-2e4f6a8b0c13"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
RESOURCE_GROUP = "rg-fleet"
STACK = "fleet"
# The lower bound counts vault list pages of 1,000 (the largest page it assumes ARM gives). keyward
# sends no $top (ARM's spec states no maximum), so the emulator's default of 200 a page applies and
# the extra pages show in the runs' Vaults_ListByResourceGroup counts.
VAULT_PAGE = 1000
POLICIES, KEYS, SECRETS = 4, 3, 4


def object_id(vault, policy):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"keyward-bench/{vault}/{policy}"))


def main():
    if len(sys.argv) != 4 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 13:
        sys.exit("usage: bench-estate.py N MANIFEST_DIR ESTATE_JSON   (N >= 13)")
    n = int(sys.argv[1])
    out, estate_file = sys.argv[2], sys.argv[3]
    per_vault = 1 + POLICIES + KEYS + SECRETS
    vaults = (n - 1) // per_vault
    extra = n - 1 - vaults * per_vault
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "keyward.yaml"), "w") as f:
        f.write(f"stack: {STACK}\ndefaults:\n  subscription: {SUBSCRIPTION}\n"
                f"  resourceGroup: {RESOURCE_GROUP}\n  location: westeurope\n"
                f"  tenantId: {TENANT}\n")
    with open(os.path.join(out, "resource-group.yaml"), "w") as f:
        f.write("apiVersion: keyward.dev/v1alpha1\nkind: ResourceGroup\n"
                f"metadata:\n  name: {RESOURCE_GROUP}\nspec:\n  location: westeurope\n"
                "  tags: { team: fleet }\n")
    resources = [{"kind": "ResourceGroup", "resourceGroup": RESOURCE_GROUP,
                  "name": RESOURCE_GROUP}]
    for v in range(vaults):
        vault = f"fleet-kv-{v:05d}"
        secrets = SECRETS + extra // vaults + (1 if v < extra % vaults else 0)
        docs = [
            "apiVersion: keyward.dev/v1alpha1\nkind: Vault\n"
            f"metadata:\n  name: {vault}\nspec:\n  sku: {{ family: A, name: standard }}\n"
            "  enableRbacAuthorization: false\n  softDeleteRetentionInDays: 7\n"
            "  tags: { team: fleet, cost-center: \"42\" }\n"]
        resources.append({"kind": "Vault", "resourceGroup": RESOURCE_GROUP, "name": vault})
        for p in range(POLICIES):
            name = f"app-{p}"
            docs.append(
                "apiVersion: keyward.dev/v1alpha1\nkind: AccessPolicy\n"
                f"metadata:\n  name: {vault}-{name}\nspec:\n  vault: {vault}\n"
                f"  objectId: {object_id(vault, p)}\n"
                "  permissions:\n    secrets: [get, list]\n    keys: [get, wrapKey, unwrapKey]\n")
            resources.append({"kind": "AccessPolicy", "resourceGroup": RESOURCE_GROUP,
                              "vault": vault, "name": f"{vault}-{name}"})
        for k in range(KEYS):
            name = f"cmk-{k}"
            docs.append(
                "apiVersion: keyward.dev/v1alpha1\nkind: Key\n"
                f"metadata:\n  name: {name}\nspec:\n  vault: {vault}\n  kty: RSA\n"
                "  keySize: 2048\n  keyOps: [wrapKey, unwrapKey]\n"
                "  attributes:\n    enabled: true\n  tags: { team: fleet }\n")
            resources.append({"kind": "Key", "resourceGroup": RESOURCE_GROUP, "vault": vault,
                              "name": name})
        for s in range(secrets):
            name = f"secret-{s}"
            docs.append(
                "apiVersion: keyward.dev/v1alpha1\nkind: Secret\n"
                f"metadata:\n  name: {name}\nspec:\n  vault: {vault}\n"
                "  valueFrom:\n    env: BENCH_SECRET_VALUE\n  contentType: text/plain\n"
                "  tags: { team: fleet }\n")
            resources.append({"kind": "Secret", "resourceGroup": RESOURCE_GROUP, "vault": vault,
                              "name": name})
        with open(os.path.join(out, f"{vault}.yaml"), "w") as f:
            f.write("---\n".join(docs))
    assert len(resources) == n, (len(resources), n)
    lower_bound = 1 + max(1, math.ceil(vaults / VAULT_PAGE)) + 2 * vaults
    with open(estate_file, "w") as f:
        json.dump({"subscription": SUBSCRIPTION, "resourceGroup": RESOURCE_GROUP,
                   "stack": STACK, "vaults": vaults, "lower_bound": lower_bound,
                   "resources": resources}, f)
    print(f"{n} resources: 1 resource group, {vaults} vaults, {vaults * POLICIES} access "
          f"policies, {vaults * KEYS} keys, {vaults * SECRETS + extra} secrets; list-page lower "
          f"bound {lower_bound} reads")


if __name__ == "__main__":
    main()
