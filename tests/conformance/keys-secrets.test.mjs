// Keys, secrets, access policies, operations and private link resources (issue 3) driven by the
// official Azure SDK for JavaScript (@azure/arm-keyvault) against the emulator over HTTPS, with the
// SDK's own pagers. Run through run.mjs (it sets NODE_EXTRA_CA_CERTS before node starts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './support/emulator.mjs';
import { collect, expectOnlyVersion, recordingPolicy } from './support/sdk-tests.mjs';

const LOCATION = 'westus';
const RG = 'kw-keys-rg';
const SUFFIX = Date.now().toString(36).slice(-5);
const VAULT = `kwkeys-${SUFFIX}`;
const CANARY = `canary-${SUFFIX}-never-echo`;
const OTHER_OBJECT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const POLL = { updateIntervalInMs: 100 };

let emu;
let kv;
const bodies = [];  // every raw response body the client saw

before(async () => {
  emu = await startEmulator({ lroSeconds: 0.3 });
  kv = emu.client({ additionalPolicies: [recordingPolicy('body-recorder', (_request, response) => bodies.push(response.bodyAsText || ''))] });
  await emu.resourcesClient().resourceGroups.createOrUpdate(RG, { location: LOCATION });
  await kv.vaults.beginCreateOrUpdateAndWait(RG, VAULT, {
    location: LOCATION,
    properties: {
      tenantId: emu.tenantId,
      sku: { family: 'A', name: 'standard' },
      accessPolicies: [{
        tenantId: emu.tenantId,
        objectId: emu.objectId,
        permissions: { keys: ['get', 'list', 'create'], secrets: ['get'] },
      }],
    },
  }, POLL);
});

after(async () => {
  if (emu) await emu.stop();
});

test('keys.createIfNotExist twice keeps the first key', async () => {
  const first = await kv.keys.createIfNotExist(RG, VAULT, 'cmk', { properties: { kty: 'RSA', keySize: 3072 } });
  assert.equal(first.name, 'cmk');
  assert.equal(first.type, 'Microsoft.KeyVault/vaults/keys');
  assert.equal(first.kty, 'RSA');
  assert.equal(first.keySize, 3072);
  assert.match(first.keyUriWithVersion, /\/keys\/cmk\/[0-9a-f]{32}$/);
  assert.equal(first.attributes.recoveryLevel, 'Recoverable+Purgeable');
  assert.ok(Number.isInteger(first.attributes.created), 'created is unix seconds');
  const second = await kv.keys.createIfNotExist(RG, VAULT, 'cmk', { properties: { kty: 'EC', curveName: 'P-384' } });
  assert.equal(second.kty, 'RSA');
  assert.equal(second.keySize, 3072);
  assert.equal(second.keyUriWithVersion, first.keyUriWithVersion);
  const got = await kv.keys.get(RG, VAULT, 'cmk');
  assert.equal(got.keyUriWithVersion, first.keyUriWithVersion);
  assert.deepEqual(got.keyOps, ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']);
});

test('keys.list pages through nextLink; getVersion and listVersions', async () => {
  const names = Array.from({ length: 27 }, (_, i) => `pk-${String(i).padStart(2, '0')}`);
  for (const name of names) await kv.keys.createIfNotExist(RG, VAULT, name, { properties: { kty: 'EC' } });
  const pages = [];
  for await (const page of kv.keys.list(RG, VAULT).byPage()) pages.push(page.map((k) => k.name));
  assert.ok(pages.length >= 2, `expected several pages, got ${pages.length}`);
  assert.deepEqual(pages.flat().sort(), ['cmk', ...names].sort());
  const key = await kv.keys.get(RG, VAULT, 'pk-03');
  assert.equal(key.curveName, 'P-256');
  const version = key.keyUriWithVersion.split('/').pop();
  await expectOnlyVersion(kv.keys, RG, VAULT, 'pk-03', version, 'Microsoft.KeyVault/vaults/keys/versions');
});

test('secrets.createOrUpdate / update / get / list never return the value', async () => {
  const created = await kv.secrets.createOrUpdate(RG, VAULT, 'db-password', { properties: { value: CANARY, contentType: 'text/plain' } });
  assert.equal(created.type, 'Microsoft.KeyVault/vaults/secrets');
  assert.equal(created.properties.value, undefined);
  assert.match(created.properties.secretUriWithVersion, /\/secrets\/db-password\/[0-9a-f]{32}$/);
  const same = await kv.secrets.createOrUpdate(RG, VAULT, 'db-password', { properties: { value: CANARY, contentType: 'text/plain' } });
  assert.equal(same.properties.secretUriWithVersion, created.properties.secretUriWithVersion, 'identical re-PUT: no new version');
  const changed = await kv.secrets.createOrUpdate(RG, VAULT, 'db-password', { properties: { value: `${CANARY}-2`, contentType: 'text/plain' } });
  assert.notEqual(changed.properties.secretUriWithVersion, created.properties.secretUriWithVersion);
  const patched = await kv.secrets.update(RG, VAULT, 'db-password', { tags: { env: 'dev' }, properties: { contentType: 'application/json' } });
  assert.deepEqual(patched.tags, { env: 'dev' });
  assert.equal(patched.properties.contentType, 'application/json');
  const got = await kv.secrets.get(RG, VAULT, 'db-password');
  assert.equal(got.properties.contentType, 'application/json');
  assert.equal(got.properties.value, undefined);
  await kv.secrets.createOrUpdate(RG, VAULT, 'api-key', { properties: { value: CANARY } });
  await kv.secrets.createOrUpdate(RG, VAULT, 'conn-string', { properties: { value: CANARY } });
  const pages = [];
  for await (const page of kv.secrets.list(RG, VAULT, { top: 2 }).byPage()) pages.push(page.map((s) => s.name));
  assert.equal(pages.length, 2);
  assert.deepEqual(pages.flat().sort(), ['api-key', 'conn-string', 'db-password']);
  const leaks = bodies.filter((b) => b.includes(CANARY));
  assert.deepEqual(leaks, [], 'no response body contains the secret value');
});

test('vaults.updateAccessPolicy add merges, replace overwrites, remove subtracts', async () => {
  const policy = (objectId, permissions) => ({ tenantId: emu.tenantId, objectId, permissions });
  const added = await kv.vaults.updateAccessPolicy(RG, VAULT, 'add', { properties: { accessPolicies: [policy(emu.objectId, { keys: ['encrypt'] })] } });
  assert.equal(added.type, 'Microsoft.KeyVault/vaults/accessPolicies');
  assert.deepEqual(added.properties.accessPolicies[0].permissions.keys, ['get', 'list', 'create', 'encrypt']);
  let vault = await kv.vaults.get(RG, VAULT);
  assert.deepEqual(vault.properties.accessPolicies[0].permissions.keys, ['get', 'list', 'create', 'encrypt']);
  await kv.vaults.updateAccessPolicy(RG, VAULT, 'add', { properties: { accessPolicies: [policy(OTHER_OBJECT, { secrets: ['get', 'list'] })] } });
  const replaced = await kv.vaults.updateAccessPolicy(RG, VAULT, 'replace', { properties: { accessPolicies: [policy(OTHER_OBJECT, { certificates: ['get'] })] } });
  const other = replaced.properties.accessPolicies.find((p) => p.objectId === OTHER_OBJECT);
  assert.deepEqual(other.permissions.certificates, ['get']);
  assert.equal(other.permissions.secrets, undefined);
  const removed = await kv.vaults.updateAccessPolicy(RG, VAULT, 'remove', { properties: { accessPolicies: [policy(OTHER_OBJECT, { certificates: ['get'] })] } });
  assert.equal(removed.properties.accessPolicies.length, 1);
  vault = await kv.vaults.get(RG, VAULT);
  assert.equal(vault.properties.accessPolicies.length, 1);
  assert.equal(vault.properties.accessPolicies[0].objectId, emu.objectId);
});

test('operations.list', async () => {
  const ops = await collect(kv.operations.list());
  const names = ops.map((o) => o.name);
  for (const n of ['Microsoft.KeyVault/vaults/read', 'Microsoft.KeyVault/vaults/keys/write', 'Microsoft.KeyVault/vaults/accessPolicies/write']) {
    assert.ok(names.includes(n), n);
  }
  assert.ok(ops.every((o) => o.display?.provider === 'Microsoft Key Vault'));
  assert.ok(ops.some((o) => o.serviceSpecification?.logSpecifications?.length > 0), 'log specifications present');
});

test('privateLinkResources.listByVault', async () => {
  const res = await kv.privateLinkResources.listByVault(RG, VAULT);
  assert.equal(res.value.length, 1);
  assert.equal(res.value[0].groupId, 'vault');
  assert.deepEqual(res.value[0].requiredZoneNames, ['privatelink.vaultcore.azure.net']);
});
