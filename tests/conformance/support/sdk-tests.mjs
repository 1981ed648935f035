// Helpers the *.test.mjs files share (the official SDK against the emulator):
//   collect(iter)                          every item of an async iterator (an SDK pager), as an array
//   expectRestError(promise, status, code) asserts the call fails with that RestError (code optional)
//   expectOnlyVersion(keys, rg, parent, key, version, type)
//                                          the key's one version, through getVersion and listVersions
//   recordingPolicy(name, record)          a per-call pipeline policy: record(request, response)
//   trafficRecorder(traffic)               recordingPolicy that pushes {method, url, status, state
//                                          (provisioningState), location} onto `traffic`
//   privateEndpointId(rgPath, name)        the Microsoft.Network/privateEndpoints id
//   putPrivateEndpoint(emu, rgPath, name, target, {...})
//                                          a private endpoint to a vault or managed HSM through a
//                                          direct request (connections only come from Microsoft.Network)
import assert from 'node:assert/strict';
import { RestError } from '@azure/core-rest-pipeline';
import { NETWORK_API_VERSION } from './fixtures.mjs';

export async function collect(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

export async function expectRestError(promise, status, code) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a RestError ${status} ${code}, but the call succeeded`);
  assert.ok(err instanceof RestError || err.name === 'RestError', `expected a RestError, got ${err?.name}: ${err?.message}`);
  assert.equal(err.statusCode, status, `status (message: ${err.message})`);
  if (code) assert.equal(err.code, code, `error code (message: ${err.message})`);
  return err;
}

// `keys` is client.keys or client.managedHsmKeys, `parent` the vault or managed HSM, `type` the
// version's resource type.
export async function expectOnlyVersion(keys, rg, parent, key, version, type) {
  const v = await keys.getVersion(rg, parent, key, version);
  assert.equal(v.name, version);
  assert.equal(v.type, type);
  const versions = await collect(keys.listVersions(rg, parent, key));
  assert.deepEqual(versions.map((x) => x.name), [version]);
}

// For emu.client({ additionalPolicies: [...] }).
export function recordingPolicy(name, record) {
  return {
    position: 'perCall',
    policy: {
      name,
      async sendRequest(request, next) {
        const response = await next(request);
        record(request, response);
        return response;
      },
    },
  };
}

export function trafficRecorder(traffic) {
  return recordingPolicy('conformance-recorder', (request, response) => {
    let state;
    try { state = JSON.parse(response.bodyAsText || '{}')?.properties?.provisioningState; } catch { /* not JSON */ }
    traffic.push({ method: request.method, url: request.url, status: response.status, state, location: response.headers.get('location') });
  });
}

export const privateEndpointId = (rgPath, name) => `${rgPath}/providers/Microsoft.Network/privateEndpoints/${name}`;

// PUT of a private endpoint in the resource group at `rgPath` with one connection `conn` to
// `target` (a vault or managed HSM id) for `group` ('vault' or 'managedhsm'): in
// manualPrivateLinkServiceConnections (the connection starts Pending) unless manual is false (it
// is auto-approved). requestMessage is sent only when given. Asserts 201; returns the endpoint body.
export async function putPrivateEndpoint(emu, rgPath, name, target, { location, group, manual = true, requestMessage }) {
  const list = manual ? 'manualPrivateLinkServiceConnections' : 'privateLinkServiceConnections';
  const res = await emu.request('PUT', privateEndpointId(rgPath, name), {
    query: { 'api-version': NETWORK_API_VERSION },
    body: {
      location,
      properties: {
        subnet: { id: `${rgPath}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default` },
        [list]: [{ name: 'conn', properties: { privateLinkServiceId: target, groupIds: [group], requestMessage } }],
      },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
