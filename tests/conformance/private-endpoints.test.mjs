// Private endpoint connections with the official Azure SDK for JavaScript (issue 3). Connections
// only come into being through Microsoft.Network, so each scenario first creates a private endpoint
// with a direct authenticated request, then drives client.privateEndpointConnections.* and
// client.mhsmPrivateEndpointConnections.* (the SDK's own pager and Location poller).
// Run through run.mjs (it sets NODE_EXTRA_CA_CERTS before node starts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, RG_API_VERSION } from './support/emulator.mjs';
import { NETWORK_API_VERSION } from './support/fixtures.mjs';
import { collect, expectRestError, privateEndpointId, putPrivateEndpoint } from './support/sdk-tests.mjs';

const LOCATION = 'westus';
const RG = 'kw-pe-rg';
// Vault and HSM names are global; a run-unique suffix keeps reruns on a reused state file apart.
const SUFFIX = Date.now().toString(36).slice(-5);
const VAULT = `kwpe-${SUFFIX}`;
const HSM = `kwpehsm-${SUFFIX}`;
const POLL = { updateIntervalInMs: 100 };

let emu;
let kv;

const rgPath = () => `/subscriptions/${emu.subscriptionId}/resourceGroups/${RG}`;
const vaultId = () => `${rgPath()}/providers/Microsoft.KeyVault/vaults/${VAULT}`;
const hsmId = () => `${rgPath()}/providers/Microsoft.KeyVault/managedHSMs/${HSM}`;
const endpointId = (name) => privateEndpointId(rgPath(), name);

// A Microsoft.Network private endpoint to `target`; returns the endpoint body.
function createEndpoint(name, target, { manual, group }) {
  return putPrivateEndpoint(emu, rgPath(), name, target, { location: LOCATION, group, manual, requestMessage: 'please approve' });
}

// The connection a given endpoint created, found through the SDK's pager.
async function connectionOf(pager, endpointName) {
  const all = await collect(pager);
  const found = all.find((c) => c.privateEndpoint?.id === endpointId(endpointName));
  assert.ok(found, `no connection for ${endpointName} in ${JSON.stringify(all)}`);
  return found;
}

before(async () => {
  emu = await startEmulator({ lroSeconds: 0.5 });
  kv = emu.client();
  const rg = await emu.request('PUT', rgPath(), { query: { 'api-version': RG_API_VERSION }, body: { location: LOCATION } });
  assert.ok([200, 201].includes(rg.status), JSON.stringify(rg.body));
  await kv.vaults.beginCreateOrUpdateAndWait(RG, VAULT, {
    location: LOCATION,
    properties: { tenantId: emu.tenantId, sku: { family: 'A', name: 'standard' }, accessPolicies: [] },
  }, POLL);
});

after(async () => {
  if (emu) await emu.stop();
});

test('vault: manual endpoint => Pending; put approves (new etag, stale etag 412); delete LRO', async () => {
  await createEndpoint('pe-manual', vaultId(), { manual: true, group: 'vault' });
  const listed = await connectionOf(kv.privateEndpointConnections.listByResource(RG, VAULT), 'pe-manual');
  assert.equal(listed.privateLinkServiceConnectionState.status, 'Pending');
  assert.equal(listed.type, 'Microsoft.KeyVault/vaults/privateEndpointConnections');

  const got = await kv.privateEndpointConnections.get(RG, VAULT, listed.name);
  assert.equal(got.id, `${vaultId()}/privateEndpointConnections/${listed.name}`);
  assert.equal(got.provisioningState, 'Succeeded');
  assert.equal(got.privateLinkServiceConnectionState.description, 'please approve');
  assert.ok(got.etag);

  const approved = await kv.privateEndpointConnections.put(RG, VAULT, listed.name, {
    etag: got.etag,
    privateLinkServiceConnectionState: { status: 'Approved', description: 'approved by the conformance suite' },
  });
  assert.equal(approved.privateLinkServiceConnectionState.status, 'Approved');
  assert.equal(approved.privateLinkServiceConnectionState.actionsRequired, 'None');
  assert.notEqual(approved.etag, got.etag, 'the etag changes on every state change');
  await expectRestError(kv.privateEndpointConnections.put(RG, VAULT, listed.name, {
    etag: got.etag,
    privateLinkServiceConnectionState: { status: 'Rejected' },
  }), 412, 'PreconditionFailed');

  const vault = await kv.vaults.get(RG, VAULT);
  const summary = vault.properties.privateEndpointConnections;
  assert.equal(summary.length, 1);
  assert.equal(summary[0].id, got.id);
  assert.equal(summary[0].etag, approved.etag);
  assert.equal(summary[0].privateLinkServiceConnectionState.status, 'Approved');

  const deleted = await kv.privateEndpointConnections.beginDeleteAndWait(RG, VAULT, listed.name, POLL);
  assert.equal(deleted.id, got.id);
  assert.equal(deleted.privateLinkServiceConnectionState.status, 'Disconnected');
  assert.deepEqual(await collect(kv.privateEndpointConnections.listByResource(RG, VAULT)), []);
  await expectRestError(kv.privateEndpointConnections.get(RG, VAULT, listed.name), 404, 'ResourceNotFound');
  const vaultAfter = await kv.vaults.get(RG, VAULT);
  assert.equal(vaultAfter.properties.privateEndpointConnections, undefined);
});

test('vault: auto-approved endpoint => Approved; deleting the endpoint => Disconnected', async () => {
  const pe = await createEndpoint('pe-auto', vaultId(), { manual: false, group: 'vault' });
  assert.equal(pe.properties.privateLinkServiceConnections[0].properties.privateLinkServiceConnectionState.status, 'Approved');
  const conn = await connectionOf(kv.privateEndpointConnections.listByResource(RG, VAULT), 'pe-auto');
  assert.equal(conn.privateLinkServiceConnectionState.status, 'Approved');
  assert.equal(conn.privateLinkServiceConnectionState.description, 'Auto-Approved');

  const del = await emu.request('DELETE', endpointId('pe-auto'), { query: { 'api-version': NETWORK_API_VERSION } });
  assert.equal(del.status, 200);
  const after = await kv.privateEndpointConnections.get(RG, VAULT, conn.name);
  assert.equal(after.privateLinkServiceConnectionState.status, 'Disconnected');
  assert.notEqual(after.etag, conn.etag);
  // The owner cleans it up.
  await kv.privateEndpointConnections.beginDeleteAndWait(RG, VAULT, conn.name, POLL);
  assert.deepEqual(await collect(kv.privateEndpointConnections.listByResource(RG, VAULT)), []);
});

test('managed HSM: connections and private link resources', async () => {
  const put = await emu.request('PUT', hsmId(), {
    query: { 'api-version': '2024-11-01' },
    body: {
      location: LOCATION,
      sku: { name: 'Standard_B1' },
      properties: { tenantId: emu.tenantId, initialAdminObjectIds: [emu.objectId] },
    },
  });
  assert.ok([200, 201, 202].includes(put.status), JSON.stringify(put.body));
  const deadline = Date.now() + 20000;
  for (;;) {
    const hsm = await kv.managedHsms.get(RG, HSM);
    if (hsm.properties?.provisioningState === 'Succeeded') break;
    assert.ok(Date.now() < deadline, `managed HSM still ${hsm.properties?.provisioningState}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const resources = await kv.mhsmPrivateLinkResources.listByMhsmResource(RG, HSM);
  assert.equal(resources.value.length, 1);
  assert.equal(resources.value[0].groupId, 'managedhsms');
  assert.deepEqual(resources.value[0].requiredZoneNames, ['privatelink.managedhsm.azure.net']);

  await createEndpoint('pe-hsm', hsmId(), { manual: true, group: 'managedhsm' });
  const conn = await connectionOf(kv.mhsmPrivateEndpointConnections.listByResource(RG, HSM), 'pe-hsm');
  assert.equal(conn.privateLinkServiceConnectionState.status, 'Pending');
  const got = await kv.mhsmPrivateEndpointConnections.get(RG, HSM, conn.name);
  assert.equal(got.type, 'Microsoft.KeyVault/managedHSMs/privateEndpointConnections');
  const approved = await kv.mhsmPrivateEndpointConnections.put(RG, HSM, conn.name, {
    privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' },
  });
  assert.equal(approved.privateLinkServiceConnectionState.status, 'Approved');
  assert.notEqual(approved.etag, got.etag);
  const hsm = await kv.managedHsms.get(RG, HSM);
  assert.equal(hsm.properties.privateEndpointConnections?.[0]?.privateLinkServiceConnectionState?.status, 'Approved');

  const deleted = await kv.mhsmPrivateEndpointConnections.beginDeleteAndWait(RG, HSM, conn.name, POLL);
  assert.equal(deleted.privateLinkServiceConnectionState.status, 'Disconnected');
  assert.deepEqual(await collect(kv.mhsmPrivateEndpointConnections.listByResource(RG, HSM)), []);
  await expectRestError(kv.mhsmPrivateEndpointConnections.get(RG, HSM, conn.name), 404);
});
