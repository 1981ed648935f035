// keyward export (issue 5): an estate built through the official SDK (not through keyward) is
// exported by the real `keyward export` binary, and `keyward plan` over the exported manifests is
// a no-op except for the secrets, which are `blocked` on their value placeholders. With the
// placeholders set, the secrets plan as `update` (value_changed_outside_keyward): ARM never
// returns a value, so keyward cannot know whether the supplied one matches and writes it.
// Run through run.mjs (needs build/bin/keyward, or $KEYWARD_BIN_DIR).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, CLIENT_ID, CLIENT_SECRET } from './support/emulator.mjs';
import { repoRoot, certFile } from './support/tls.mjs';
import { privateEndpointId, putPrivateEndpoint } from './support/sdk-tests.mjs';

const LOCATION = 'westeurope';
const RG = 'kw-export-rg';
const SUFFIX = Date.now().toString(36).slice(-5);
const VAULTS = [`kwexa-${SUFFIX}`, `kwexb-${SUFFIX}`];
const HSM = `kwexhsm-${SUFFIX}`;
const POLL = { updateIntervalInMs: 100 };

let emu;
let dir;
let approvedConnection;

const rgPath = () => `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}`;
const endpointId = (name) => privateEndpointId(rgPath(), name);

function keywardBinary() {
  return path.join(process.env.KEYWARD_BIN_DIR || path.join(repoRoot, 'build', 'bin'), 'keyward');
}

function keyward(args, extraEnv = {}) {
  const r = spawnSync(keywardBinary(), args, {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      KEYWARD_ARM_ENDPOINT: emu.endpoint,
      AZURE_AUTHORITY_HOST: emu.endpoint,
      KEYWARD_CA_FILE: certFile,
      AZURE_TENANT_ID: emu.tenantId,
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_CLIENT_SECRET: CLIENT_SECRET,
      ...extraEnv,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// "  = Vault/name (no-op)" -> Map(address -> action)
function actions(planText) {
  const out = new Map();
  for (const line of planText.split('\n')) {
    const m = /^ {2}\S+ (\S+) \(([a-z-]+)\)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

before(async () => {
  emu = await startEmulator({ lroSeconds: 0.2 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyward-export-'));
  const kv = emu.client();
  await emu.resourcesClient().resourceGroups.createOrUpdate(RG, { location: LOCATION, tags: { team: 'payments' } });
  for (const [i, vault] of VAULTS.entries()) {
    await kv.vaults.beginCreateOrUpdateAndWait(RG, vault, {
      location: LOCATION,
      tags: { team: 'payments', index: String(i) },
      properties: {
        tenantId: emu.tenantId,
        sku: { family: 'A', name: i === 0 ? 'standard' : 'premium' },
        enablePurgeProtection: i === 1 ? true : undefined,
        networkAcls: i === 1 ? { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: [{ value: '203.0.113.0/24' }] } : undefined,
        accessPolicies: [{
          tenantId: emu.tenantId,
          objectId: emu.objectId,
          permissions: { keys: ['get', 'list', 'wrapKey'], secrets: ['get'] },
        }],
      },
    }, POLL);
    await kv.vaults.updateAccessPolicy(RG, vault, 'add', {
      properties: {
        accessPolicies: [{
          tenantId: emu.tenantId,
          objectId: '0a0a0a0a-1111-4222-8333-444444444444',
          permissions: { secrets: ['get', 'list'], certificates: ['get'] },
        }],
      },
    });
    await kv.keys.createIfNotExist(RG, vault, 'cmk', { properties: { kty: 'RSA', keySize: 3072, keyOps: ['wrapKey', 'unwrapKey'] } });
    await kv.keys.createIfNotExist(RG, vault, 'signing', { tags: { use: 'jwt' }, properties: { kty: 'EC', curveName: 'P-384' } });
    await kv.secrets.createOrUpdate(RG, vault, 'db-password', { properties: { value: 'sdk-written-value', contentType: 'text/plain' } });
  }
  // Private endpoints come from Microsoft.Network (the emulator's minimal surface); the vault
  // owner approves one through the SDK and leaves the other Pending.
  for (const pe of ['pe-approved', 'pe-pending']) {
    await putPrivateEndpoint(emu, rgPath(), pe, `${rgPath()}/providers/Microsoft.KeyVault/vaults/${VAULTS[0]}`,
                             { location: LOCATION, group: 'vault' });
  }
  const connections = [];
  for await (const c of kv.privateEndpointConnections.listByResource(RG, VAULTS[0])) connections.push(c);
  const approved = connections.find((c) => c.privateEndpoint?.id === endpointId('pe-approved'));
  await kv.privateEndpointConnections.put(RG, VAULTS[0], approved.name, {
    etag: approved.etag,
    privateLinkServiceConnectionState: { status: 'Approved', description: 'approved before keyward' },
  });
  approvedConnection = approved.name;

  await kv.managedHsms.beginCreateOrUpdateAndWait(RG, HSM, {
    location: LOCATION,
    sku: { family: 'B', name: 'Standard_B1' },
    properties: { tenantId: emu.tenantId, initialAdminObjectIds: [emu.objectId], softDeleteRetentionInDays: 7 },
  }, POLL);
  await kv.managedHsmKeys.createIfNotExist(RG, HSM, 'hsm-signing', { properties: { kty: 'EC-HSM', curveName: 'P-256' } });
});

after(async () => {
  if (emu) await emu.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('export writes one file per vault and HSM, then plan is a no-op except secret placeholders', () => {
  const out = path.join(dir, 'estate');
  const exported = keyward(['export', '--subscription', emu.subscriptionId, '--resource-group', RG, '--out', out]);
  assert.equal(exported.code, 0, exported.stderr + exported.stdout);
  const files = fs.readdirSync(out).sort();
  assert.deepEqual(files, ['keyward.yaml', `managed-hsm-${HSM}.yaml`, `resource-group-${RG}.yaml`,
    ...VAULTS.map((v) => `vault-${v}.yaml`)].sort());
  const config = fs.readFileSync(path.join(out, 'keyward.yaml'), 'utf8');
  assert.match(config, /# stack: <name>/);
  assert.doesNotMatch(config, /^stack:/m);
  // The Pending connection has no manifest form (a manifest approves or rejects): reported.
  assert.match(exported.stdout, /not exported .*PrivateEndpointConnection\//);
  assert.doesNotMatch(fs.readFileSync(path.join(out, `vault-${VAULTS[0]}.yaml`), 'utf8'), /sdk-written-value/);

  // Refuses a non-empty directory without --force.
  const again = keyward(['export', '--subscription', emu.subscriptionId, '--resource-group', RG, '--out', out]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /--force/);

  const plan = keyward(['plan', '--detailed-exitcode', '--show-no-ops', out]);
  assert.equal(plan.code, 2, plan.stderr + plan.stdout);  // the blocked secrets are changes
  const got = actions(plan.stdout);
  const expected = new Map([[`ResourceGroup/${RG}`, 'no-op'], [`ManagedHsm/${HSM}`, 'no-op'],
    [`ManagedHsmKey/${HSM}/hsm-signing`, 'no-op']]);
  for (const v of VAULTS) {
    expected.set(`Vault/${v}`, 'no-op');
    expected.set(`Key/${v}/cmk`, 'no-op');
    expected.set(`Key/${v}/signing`, 'no-op');
    expected.set(`Secret/${v}/db-password`, 'blocked');
  }
  expected.set(`PrivateEndpointConnection/${VAULTS[0]}/${approvedConnection}`, 'no-op');
  for (const [address, action] of expected) assert.equal(got.get(address), action, `${address}\n${plan.stdout}`);
  const policies = [...got].filter(([a]) => a.startsWith('AccessPolicy/'));
  assert.equal(policies.length, 4, plan.stdout);
  for (const [address, action] of policies) assert.equal(action, 'no-op', address);
  for (const [address, action] of got) {
    if (!address.startsWith('Secret/')) assert.equal(action, 'no-op', `${address}\n${plan.stdout}`);
  }
  assert.match(plan.stdout, /KEYWARD_SECRET_/);
  assert.doesNotMatch(plan.stdout + plan.stderr, /sdk-written-value/);
});

test('with the placeholders set, secrets plan as update: ARM cannot compare values', () => {
  const out = path.join(dir, 'estate');
  const env = { KEYWARD_FINGERPRINT_KEY: 'conformance-fingerprint-key' };
  for (const v of VAULTS) env[`KEYWARD_SECRET_${v.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DB_PASSWORD`] = 'supplied-value';
  const plan = keyward(['plan', '--detailed-exitcode', '--show-no-ops', out], env);
  assert.equal(plan.code, 2, plan.stderr + plan.stdout);
  const got = actions(plan.stdout);
  for (const v of VAULTS) assert.equal(got.get(`Secret/${v}/db-password`), 'update', plan.stdout);
  for (const [address, action] of got) {
    if (!address.startsWith('Secret/')) assert.equal(action, 'no-op', address);
  }
  assert.doesNotMatch(plan.stdout + plan.stderr, /supplied-value/);
});

test('export --stack takes ownership: plan shows adopt', () => {
  const out = path.join(dir, 'owned');
  const exported = keyward(['export', '--subscription', emu.subscriptionId, '--resource-group', RG,
    '--stack', 'payments', '--out', out]);
  assert.equal(exported.code, 0, exported.stderr + exported.stdout);
  assert.match(fs.readFileSync(path.join(out, 'keyward.yaml'), 'utf8'), /^stack: payments$/m);
  const plan = keyward(['plan', '--detailed-exitcode', out]);
  assert.equal(plan.code, 2, plan.stderr + plan.stdout);
  const got = actions(plan.stdout);
  for (const v of VAULTS) {
    assert.equal(got.get(`Vault/${v}`), 'adopt', plan.stdout);
    assert.equal(got.get(`Key/${v}/cmk`), 'unsupported', plan.stdout);  // ARM cannot tag a key
  }
  assert.equal(got.get(`ManagedHsm/${HSM}`), 'adopt', plan.stdout);
});

test('a whole-subscription export names resource groups per resource and plans the same', () => {
  const out = path.join(dir, 'subscription');
  const exported = keyward(['export', '--subscription', emu.subscriptionId, '--out', out]);
  assert.equal(exported.code, 0, exported.stderr + exported.stdout);
  const files = fs.readdirSync(out);
  assert.ok(!files.some((f) => f.startsWith('resource-group-')), files.join(' '));
  for (const v of VAULTS) assert.ok(files.includes(`vault-${v}.yaml`), files.join(' '));
  assert.match(fs.readFileSync(path.join(out, `vault-${VAULTS[0]}.yaml`), 'utf8'), new RegExp(`resourceGroup: ${RG}`));
  const plan = keyward(['plan', '--detailed-exitcode', '--show-no-ops', out]);
  assert.equal(plan.code, 2, plan.stderr + plan.stdout);
  const got = actions(plan.stdout);
  // 2 x (vault, 2 access policies, 2 keys, secret) + connection + HSM + HSM key
  assert.ok(got.size >= 15, plan.stdout);
  for (const [address, action] of got) {
    assert.equal(action, address.startsWith('Secret/') ? 'blocked' : 'no-op', `${address}\n${plan.stdout}`);
  }
});
