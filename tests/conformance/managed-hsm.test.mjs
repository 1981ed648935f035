// Managed HSMs (issue 3): the official Azure SDK for JavaScript drives the managed HSM surface
// against the emulator over HTTPS with its own Location poller and pagers: create / update / delete
// LROs (202 + Location on .../managedHsmOperationResults), get, list paging, deleted HSMs, purge,
// checkMhsmNameAvailability, geo-replication regions and managed HSM keys. Run through run.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './support/emulator.mjs';
import { collect, expectOnlyVersion, trafficRecorder } from './support/sdk-tests.mjs';

const LOCATION = 'westus';
const RG = 'kw-mhsm-rg';
const SUFFIX = Date.now().toString(36).slice(-5);
const HSM = `kwhsm-${SUFFIX}`;
const PURGEABLE = `kwhsmp-${SUFFIX}`;
const PAGING = [1, 2].map((i) => `kwhsmpg${i}-${SUFFIX}`);
const POLL = { updateIntervalInMs: 100 };

let emu;
let kv;
const traffic = [];

function hsmBody(extra = {}) {
  return {
    location: LOCATION,
    sku: { family: 'B', name: 'Standard_B1' },
    tags: { suite: 'mhsm' },
    properties: {
      tenantId: emu.tenantId,
      initialAdminObjectIds: [emu.objectId],
      softDeleteRetentionInDays: 7,
      ...extra,
    },
  };
}

before(async () => {
  emu = await startEmulator({ lroSeconds: 0.5 });
  kv = emu.client({ additionalPolicies: [trafficRecorder(traffic)] });
  await emu.resourcesClient().resourceGroups.createOrUpdate(RG, { location: LOCATION });
});

after(async () => {
  if (emu) await emu.stop();
});

test('managedHsms.beginCreateOrUpdateAndWait: 202 + Location, polled to the final ManagedHsm', async () => {
  const start = traffic.length;
  const hsm = await kv.managedHsms.beginCreateOrUpdateAndWait(RG, HSM, hsmBody(), POLL);
  assert.equal(hsm.name, HSM);
  assert.equal(hsm.type, 'Microsoft.KeyVault/managedHSMs');
  assert.equal(hsm.properties.provisioningState, 'Succeeded');
  assert.equal(hsm.properties.statusMessage, 'ManagedHsm is functional.');
  assert.equal(hsm.properties.hsmUri, `https://${HSM}.managedhsm.azure.net/`);
  assert.equal(hsm.properties.enablePurgeProtection, true);
  assert.equal(hsm.sku.name, 'Standard_B1');
  const ours = traffic.slice(start);
  const put = ours.find((t) => t.method === 'PUT');
  assert.equal(put.status, 202);
  assert.equal(put.state, 'Provisioning');
  assert.match(put.location, /\/providers\/Microsoft\.KeyVault\/locations\/westus\/managedHsmOperationResults\//);
  const polls = ours.filter((t) => t.method === 'GET' && t.url.includes('/managedHsmOperationResults/'));
  assert.ok(polls.length >= 1, 'the SDK polled the Location URL');
  assert.equal(polls.at(-1).status, 200);
});

test('managedHsms.get', async () => {
  const hsm = await kv.managedHsms.get(RG, HSM);
  assert.equal(hsm.name, HSM);
  assert.equal(hsm.properties.provisioningState, 'Succeeded');
  assert.equal(hsm.properties.securityDomainProperties?.activationStatus, 'NotActivated');
  assert.deepEqual(hsm.tags, { suite: 'mhsm' });
});

test('managedHsms.listByResourceGroup / listBySubscription page with top', async () => {
  await Promise.all(PAGING.map((name) => kv.managedHsms.beginCreateOrUpdateAndWait(RG, name, hsmBody(), POLL)));
  const expected = [HSM, ...PAGING].sort();
  const pages = [];
  for await (const page of kv.managedHsms.listByResourceGroup(RG, { top: 2 }).byPage()) pages.push(page.map((h) => h.name));
  assert.equal(pages.length, 2, JSON.stringify(pages));
  assert.deepEqual(pages.flat().sort(), expected);
  const all = (await collect(kv.managedHsms.listBySubscription({ top: 1 }))).map((h) => h.name).sort();
  assert.deepEqual(all, expected);
});

test('managedHsms.beginUpdateAndWait: PATCH as a Location LRO', async () => {
  const start = traffic.length;
  const hsm = await kv.managedHsms.beginUpdateAndWait(RG, HSM, { tags: { suite: 'mhsm', slice: 'A' } }, POLL);
  assert.equal(hsm.properties.provisioningState, 'Succeeded');
  assert.deepEqual(hsm.tags, { suite: 'mhsm', slice: 'A' });
  const patch = traffic.slice(start).find((t) => t.method === 'PATCH');
  assert.equal(patch.status, 202);
  assert.equal(patch.state, 'Updating');
});

test('checkMhsmNameAvailability', async () => {
  assert.equal((await kv.managedHsms.checkMhsmNameAvailability({ name: `kwfree-${SUFFIX}` })).nameAvailable, true);
  const taken = await kv.managedHsms.checkMhsmNameAvailability({ name: HSM });
  assert.equal(taken.nameAvailable, false);
  assert.equal(taken.reason, 'AlreadyExists');
  const invalid = await kv.managedHsms.checkMhsmNameAvailability({ name: '-x' });
  assert.equal(invalid.reason, 'AccountNameInvalid');
});

test('mhsmRegions.listByResource: the primary region', async () => {
  const regions = await collect(kv.mhsmRegions.listByResource(RG, HSM));
  assert.deepEqual(regions, [{ name: LOCATION, isPrimary: true, provisioningState: 'Succeeded' }]);
  const added = await kv.managedHsms.beginUpdateAndWait(RG, HSM, { properties: { regions: [{ name: LOCATION, isPrimary: true }, { name: 'eastus' }] } }, POLL);
  assert.equal(added.properties.regions.length, 2);
  const after = await collect(kv.mhsmRegions.listByResource(RG, HSM));
  assert.deepEqual(after.map((r) => [r.name, r.isPrimary, r.provisioningState]), [[LOCATION, true, 'Succeeded'], ['eastus', false, 'Succeeded']]);
  await kv.managedHsms.beginUpdateAndWait(RG, HSM, { properties: { regions: [{ name: LOCATION }] } }, POLL);
});

test('managedHsmKeys: createIfNotExist twice, get, list, getVersion, listVersions', async () => {
  // The SDK flattens `properties` (x-ms-client-flatten) in some versions; read either shape.
  const props = (k) => k.properties ?? k;
  const first = await kv.managedHsmKeys.createIfNotExist(RG, HSM, 'key1', { properties: { kty: 'RSA', keySize: 3072 } });
  assert.equal(first.type, 'Microsoft.KeyVault/managedHSMs/keys');
  assert.equal(props(first).keySize, 3072);
  const again = await kv.managedHsmKeys.createIfNotExist(RG, HSM, 'key1', { properties: { kty: 'EC' } });
  assert.deepEqual(again, first, 'the existing key comes back unchanged');
  await kv.managedHsmKeys.createIfNotExist(RG, HSM, 'key2', { properties: { kty: 'EC-HSM', curveName: 'P-384' } });
  assert.deepEqual(await kv.managedHsmKeys.get(RG, HSM, 'key1'), first);
  const keys = (await collect(kv.managedHsmKeys.list(RG, HSM))).map((k) => k.name).sort();
  assert.deepEqual(keys, ['key1', 'key2']);
  const version = props(first).keyUriWithVersion.split('/').pop();
  await expectOnlyVersion(kv.managedHsmKeys, RG, HSM, 'key1', version, 'Microsoft.KeyVault/managedHSMs/keys/versions');
});

test('beginDeleteAndWait → listDeleted / getDeleted → beginPurgeDeletedAndWait', async () => {
  await kv.managedHsms.beginCreateOrUpdateAndWait(RG, PURGEABLE, hsmBody({ enablePurgeProtection: false }), POLL);
  const start = traffic.length;
  await kv.managedHsms.beginDeleteAndWait(RG, PURGEABLE, POLL);
  const del = traffic.slice(start).find((t) => t.method === 'DELETE');
  assert.equal(del.status, 202);
  const deleted = await collect(kv.managedHsms.listDeleted());
  assert.ok(deleted.some((d) => d.name === PURGEABLE), JSON.stringify(deleted.map((d) => d.name)));
  const d = await kv.managedHsms.getDeleted(PURGEABLE, LOCATION);
  assert.equal(d.type, 'Microsoft.KeyVault/deletedManagedHSMs');
  assert.equal(d.properties.purgeProtectionEnabled, false);
  assert.match(d.properties.mhsmId, new RegExp(`/managedHSMs/${PURGEABLE}$`, 'i'));
  assert.ok(d.properties.scheduledPurgeDate instanceof Date || typeof d.properties.scheduledPurgeDate === 'string');
  await kv.managedHsms.beginPurgeDeletedAndWait(PURGEABLE, LOCATION, POLL);
  await assert.rejects(kv.managedHsms.getDeleted(PURGEABLE, LOCATION), (e) => e.statusCode === 404);
});

test('purge protection (default on) refuses purge with 409 PurgeProtectionEnabled', async () => {
  await kv.managedHsms.beginDeleteAndWait(RG, PAGING[0], POLL);
  await assert.rejects(kv.managedHsms.beginPurgeDeletedAndWait(PAGING[0], LOCATION, POLL),
    (e) => e.statusCode === 409 && e.code === 'PurgeProtectionEnabled');
  await assert.rejects(kv.managedHsms.get(RG, PAGING[0]), (e) => e.statusCode === 404 && e.code === 'ResourceNotFound');
});
