// Smoke test (issue 2): the official Azure SDK for JavaScript drives the vault lifecycle against the
// emulator over HTTPS, with tokens from @azure/identity's ClientSecretCredential, using the SDK's own
// poller and pager. Run through run.mjs (it sets NODE_EXTRA_CA_CERTS before node starts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from './support/emulator.mjs';
import { collect, expectRestError, trafficRecorder } from './support/sdk-tests.mjs';

const LOCATION = 'westus';
const RG = 'kw-smoke-rg';
// Vault names are global and live for the whole run; a run-unique suffix keeps reruns on a reused
// state file apart.
const SUFFIX = Date.now().toString(36).slice(-5);
const VAULT = `kwsmoke-${SUFFIX}`;
const PAGING_VAULTS = [1, 2, 3, 4].map((i) => `kwpage${i}-${SUFFIX}`);
const RECOVER_VAULT = `kwrecover-${SUFFIX}`;
const POLL = { updateIntervalInMs: 100 };

let emu;
let kv;
// Every request the key vault client sends, with the response status and provisioningState.
const traffic = [];

function vaultBody(extra = {}) {
  return {
    location: LOCATION,
    tags: { suite: 'smoke' },
    properties: {
      tenantId: emu.tenantId,
      sku: { family: 'A', name: 'standard' },
      accessPolicies: [],
      ...extra,
    },
  };
}

before(async () => {
  emu = await startEmulator({ lroSeconds: 0.5 });
  kv = emu.client({ additionalPolicies: [trafficRecorder(traffic)] });
});

after(async () => {
  if (emu) await emu.stop();
});

test('resource group: created through @azure/arm-resources', async () => {
  const rg = await emu.resourcesClient().resourceGroups.createOrUpdate(RG, { location: LOCATION, tags: { suite: 'smoke' } });
  assert.equal(rg.name, RG);
  assert.equal(rg.location, LOCATION);
  assert.equal(rg.properties?.provisioningState, 'Succeeded');
});

test('vaults.beginCreateOrUpdateAndWait: body polling from RegisteringDns to Succeeded', async () => {
  const start = traffic.length;
  const vault = await kv.vaults.beginCreateOrUpdateAndWait(RG, VAULT, vaultBody(), POLL);
  assert.equal(vault.name, VAULT);
  assert.equal(vault.type, 'Microsoft.KeyVault/vaults');
  assert.equal(vault.location, LOCATION);
  assert.equal(vault.properties.provisioningState, 'Succeeded');
  assert.equal(vault.properties.vaultUri, `https://${VAULT}.vault.azure.net/`);
  assert.equal(vault.properties.tenantId, emu.tenantId);
  assert.deepEqual(vault.tags, { suite: 'smoke' });
  const ours = traffic.slice(start);
  const put = ours.find((t) => t.method === 'PUT');
  assert.ok(put, 'the SDK sent a PUT');
  assert.ok([200, 201].includes(put.status), `PUT status ${put.status}`);
  assert.equal(put.state, 'RegisteringDns', 'fresh vault PUT answers provisioningState RegisteringDns (ARM-NOTES §1.8)');
  const polls = ours.filter((t) => t.method === 'GET' && t.url.includes(`/vaults/${VAULT}`));
  assert.ok(polls.length >= 1, 'the SDK polled the vault with GET');
  assert.equal(polls.at(-1).state, 'Succeeded');
});

test('vaults.get', async () => {
  const vault = await kv.vaults.get(RG, VAULT);
  assert.equal(vault.name, VAULT);
  assert.match(vault.id, new RegExp(`/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}$`, 'i'));
  assert.equal(vault.properties.sku.name, 'standard');
  assert.equal(vault.properties.provisioningState, 'Succeeded');
});

test('vaults.listByResourceGroup({top: 2}) pages through every vault', async () => {
  await Promise.all(PAGING_VAULTS.map((name) => kv.vaults.beginCreateOrUpdateAndWait(RG, name, vaultBody(), POLL)));
  const expected = [VAULT, ...PAGING_VAULTS].sort();
  const pages = [];
  for await (const page of kv.vaults.listByResourceGroup(RG, { top: 2 }).byPage()) pages.push(page.map((v) => v.name));
  assert.ok(pages.length >= 3, `5 vaults with $top=2 come in at least 3 pages, got ${JSON.stringify(pages)}`);
  for (const p of pages) assert.ok(p.length <= 2, `page larger than $top: ${JSON.stringify(p)}`);
  assert.deepEqual(pages.flat().sort(), expected);
  // The plain iterator follows nextLink too.
  const all = (await collect(kv.vaults.listByResourceGroup(RG, { top: 2 }))).map((v) => v.name).sort();
  assert.deepEqual(all, expected);
});

test('vaults.listBySubscription({top: 2}) pages through every vault', async () => {
  const names = [];
  let pages = 0;
  for await (const page of kv.vaults.listBySubscription({ top: 2 }).byPage()) {
    pages += 1;
    assert.ok(page.length <= 2);
    names.push(...page.map((v) => v.name));
  }
  assert.ok(pages >= 3);
  for (const n of [VAULT, ...PAGING_VAULTS]) assert.ok(names.includes(n), `${n} listed`);
  assert.equal(new Set(names).size, names.length, 'no vault listed twice');
});

test('vaults.update (PATCH) merges properties and replaces tags', async () => {
  const vault = await kv.vaults.update(RG, VAULT, {
    tags: { suite: 'smoke', updated: 'yes' },
    properties: { enabledForDeployment: true },
  });
  assert.deepEqual(vault.tags, { suite: 'smoke', updated: 'yes' });
  assert.equal(vault.properties.enabledForDeployment, true);
  assert.equal(vault.properties.sku.name, 'standard', 'PATCH keeps the other properties');
  const again = await kv.vaults.get(RG, VAULT);
  assert.equal(again.properties.enabledForDeployment, true);
  assert.deepEqual(again.tags, { suite: 'smoke', updated: 'yes' });
});

test('vaults.checkNameAvailability', async () => {
  const taken = await kv.vaults.checkNameAvailability({ name: VAULT, type: 'Microsoft.KeyVault/vaults' });
  assert.equal(taken.nameAvailable, false);
  assert.equal(taken.reason, 'AlreadyExists');
  const free = await kv.vaults.checkNameAvailability({ name: `kwfree-${SUFFIX}`, type: 'Microsoft.KeyVault/vaults' });
  assert.equal(free.nameAvailable, true);
});

test('vaults.delete soft-deletes: get 404, listDeleted and getDeleted show it', async () => {
  await kv.vaults.delete(RG, VAULT);
  await expectRestError(kv.vaults.get(RG, VAULT), 404, 'ResourceNotFound');
  const deleted = await collect(kv.vaults.listDeleted());
  const entry = deleted.find((d) => d.name === VAULT);
  assert.ok(entry, `listDeleted contains ${VAULT}: ${JSON.stringify(deleted.map((d) => d.name))}`);
  const d = await kv.vaults.getDeleted(VAULT, LOCATION);
  assert.equal(d.name, VAULT);
  assert.equal(d.type, 'Microsoft.KeyVault/deletedVaults');
  assert.match(d.properties.vaultId, new RegExp(`/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}$`, 'i'));
  assert.equal(d.properties.location, LOCATION);
  assert.ok(d.properties.deletionDate instanceof Date || typeof d.properties.deletionDate === 'string');
  const deletion = new Date(d.properties.deletionDate).getTime();
  const purge = new Date(d.properties.scheduledPurgeDate).getTime();
  assert.ok(Number.isFinite(deletion) && Number.isFinite(purge));
  assert.equal(Math.round((purge - deletion) / 86400000), 90, 'scheduledPurgeDate = deletionDate + 90 days');
});

test('re-creating a soft-deleted name: 409 ConflictError', async () => {
  await expectRestError(kv.vaults.beginCreateOrUpdateAndWait(RG, VAULT, vaultBody(), POLL), 409, 'ConflictError');
});

test('createMode recover brings a soft-deleted vault back', async () => {
  await kv.vaults.beginCreateOrUpdateAndWait(RG, RECOVER_VAULT, vaultBody(), POLL);
  await kv.vaults.delete(RG, RECOVER_VAULT);
  await expectRestError(kv.vaults.get(RG, RECOVER_VAULT), 404, 'ResourceNotFound');
  const recovered = await kv.vaults.beginCreateOrUpdateAndWait(RG, RECOVER_VAULT, {
    location: LOCATION,
    properties: { tenantId: emu.tenantId, sku: { family: 'A', name: 'standard' }, createMode: 'recover' },
  }, POLL);
  assert.equal(recovered.name, RECOVER_VAULT);
  assert.equal(recovered.properties.provisioningState, 'Succeeded');
  assert.equal((await kv.vaults.get(RG, RECOVER_VAULT)).name, RECOVER_VAULT);
  await expectRestError(kv.vaults.getDeleted(RECOVER_VAULT, LOCATION), 404, 'ResourceNotFound');
});

test('vaults.beginPurgeDeletedAndWait purges: getDeleted 404, gone from listDeleted, name free', async () => {
  const start = traffic.length;
  await kv.vaults.beginPurgeDeletedAndWait(VAULT, LOCATION, POLL);
  const post = traffic.slice(start).find((t) => t.method === 'POST');
  assert.ok(post && [200, 202].includes(post.status), `purge POST status ${post?.status}`);
  if (post.status === 202) {
    assert.ok(post.location, 'a 202 purge carries a Location header (ARM-NOTES §1.8)');
    assert.ok(traffic.slice(start).some((t) => t.method === 'GET' && t.url === post.location), 'the SDK polled the Location URL');
  }
  await expectRestError(kv.vaults.getDeleted(VAULT, LOCATION), 404, 'ResourceNotFound');
  const deleted = await collect(kv.vaults.listDeleted());
  assert.ok(!deleted.some((d) => d.name === VAULT), 'purged vault no longer listed');
  const check = await kv.vaults.checkNameAvailability({ name: VAULT, type: 'Microsoft.KeyVault/vaults' });
  assert.equal(check.nameAvailable, true);
});

test('404 ResourceNotFound for a vault that does not exist', async () => {
  await expectRestError(kv.vaults.get(RG, `kwmissing-${SUFFIX}`), 404, 'ResourceNotFound');
});

test('400 on a bad vault name', async () => {
  // Underscore and too short: both break ^[a-zA-Z0-9-]{3,24}$ (ARM-NOTES §5.1, code per §2.3).
  await expectRestError(kv.vaults.beginCreateOrUpdateAndWait(RG, 'bad_name', vaultBody(), POLL), 400, 'VaultNameNotValid');
  await expectRestError(kv.vaults.beginCreateOrUpdateAndWait(RG, 'ab', vaultBody(), POLL), 400, 'VaultNameNotValid');
});

test('wrong api-version: 400 InvalidApiVersionParameter', async () => {
  const old = emu.client({ apiVersion: '2019-01-01' });
  await expectRestError(old.vaults.get(RG, PAGING_VAULTS[0]), 400, 'InvalidApiVersionParameter');
});
