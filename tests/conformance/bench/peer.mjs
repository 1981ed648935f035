// The per-resource peer of scripts/bench.sh: a Terraform-shaped refresh of the benchmark estate
// through the official Azure SDK for JavaScript. Every resource is read with its own GET, ten at a
// time (Terraform's default parallelism): a resource group with ResourceGroups_Get, a vault with
// Vaults_Get, an access policy with Vaults_Get of its vault (ARM has no GET for one entry), a key
// with Keys_Get and a secret with Secrets_Get. The SDK's own retry policy handles 429s.
//
// Usage: node peer.mjs ESTATE_JSON [--parallelism 10]
// Environment: KEYWARD_ARM_ENDPOINT (the emulator), AZURE_TENANT_ID, AZURE_CLIENT_ID,
// AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST; NODE_EXTRA_CA_CERTS trusting the emulator.
// Prints one JSON line: {"resources", "ok", "failed", "wall_ms", "first_error"}.
import fs from 'node:fs';
import { ClientSecretCredential } from '@azure/identity';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { ResourceManagementClient } from '@azure/arm-resources';

const ARM_SCOPE = 'https://management.azure.com/.default';

function parseArgs(argv) {
  const args = { estate: null, parallelism: 10 };
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--parallelism') args.parallelism = Number(argv[++i]);
    else args.estate = argv[i];
  }
  if (!args.estate || !(args.parallelism >= 1)) {
    console.error('usage: node peer.mjs ESTATE_JSON [--parallelism N]');
    process.exit(2);
  }
  return args;
}

function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`peer.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const estate = JSON.parse(fs.readFileSync(args.estate, 'utf8'));
  const endpoint = requireEnv('KEYWARD_ARM_ENDPOINT');
  const credential = new ClientSecretCredential(
    requireEnv('AZURE_TENANT_ID'), requireEnv('AZURE_CLIENT_ID'), requireEnv('AZURE_CLIENT_SECRET'),
    { authorityHost: requireEnv('AZURE_AUTHORITY_HOST'), disableInstanceDiscovery: true });
  const keyvault = new KeyVaultManagementClient(credential, estate.subscription, {
    endpoint, apiVersion: '2024-11-01', credentials: { scopes: [ARM_SCOPE] },
  });
  const resources = new ResourceManagementClient(credential, estate.subscription, {
    endpoint, $host: endpoint, apiVersion: '2021-04-01', credentialScopes: [ARM_SCOPE],
  });

  const read = {
    ResourceGroup: (r) => resources.resourceGroups.get(r.resourceGroup),
    Vault: (r) => keyvault.vaults.get(r.resourceGroup, r.name),
    AccessPolicy: (r) => keyvault.vaults.get(r.resourceGroup, r.vault),
    Key: (r) => keyvault.keys.get(r.resourceGroup, r.vault, r.name),
    Secret: (r) => keyvault.secrets.get(r.resourceGroup, r.vault, r.name),
  };
  const start = performance.now();
  let next = 0, ok = 0, failed = 0, firstError = null;
  async function worker() {
    while (next < estate.resources.length) {
      const r = estate.resources[next++];
      try {
        await read[r.kind](r);
        ++ok;
      } catch (e) {
        ++failed;
        firstError ??= `${r.kind} ${r.name}: ${e.statusCode ?? ''} ${e.code ?? ''} ${e.message}`;
      }
    }
  }
  await Promise.all(Array.from({ length: args.parallelism }, worker));
  const wallMs = Math.round(performance.now() - start);
  console.log(JSON.stringify({
    resources: estate.resources.length, ok, failed, wall_ms: wallMs, first_error: firstError,
  }));
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`peer.mjs: ${e.stack || e}`);
  process.exit(1);
});
