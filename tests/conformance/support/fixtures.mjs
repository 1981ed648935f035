// Creates the prerequisites an example needs, through the emulator's ARM surface only (resource
// groups, vaults, managed HSMs, keys, secrets, Microsoft.Network private endpoints, soft-deleted
// vaults/HSMs). Bodies are seeded from the example's own response where there is one, so the live
// resource has the same optional properties as the example's.
//
// Every helper throws SetupError with the request and the emulator's answer when a step fails, so a
// missing surface shows up as "setup: PUT …/managedHSMs/hsm1 → 404 …" in the examples table.
import { stripReadOnly } from './spec.mjs';

export const NETWORK_API_VERSION = process.env.KEYWARD_NETWORK_API_VERSION || '2023-11-01';
const DEFAULT_LOCATION = 'westus';
const DEFAULT_RG = 'sample-group';
const WAIT_MS = 20000;

export class SetupError extends Error {}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function short(res) {
  const b = res.body && typeof res.body === 'object' ? JSON.stringify(res.body) : String(res.text || '');
  return `${res.status} ${b.slice(0, 160)}`;
}

export function rgFromId(id) {
  const m = /\/resourceGroups\/([^/]+)/i.exec(id || '');
  return m ? m[1] : null;
}

export class Fixtures {
  constructor(emu, spec, subscriptionId, kvApiVersion) {
    this.emu = emu;
    this.spec = spec;
    this.sub = subscriptionId;
    this.api = kvApiVersion;
    this.created = new Set();
  }

  async call(method, p, { body, query, expect = [200, 201, 202, 204] } = {}) {
    const res = await this.emu.request(method, p, { body, query: { 'api-version': this.api, ...(query || {}) } });
    if (!expect.includes(res.status)) throw new SetupError(`setup: ${method} ${p.replace(/^\/subscriptions\/[^/]+/, '/subscriptions/…')} → ${short(res)}`);
    return res;
  }

  rgPath(rg) { return `/subscriptions/${this.sub}/resourceGroups/${rg}`; }
  vaultPath(rg, name) { return `${this.rgPath(rg)}/providers/Microsoft.KeyVault/vaults/${name}`; }
  hsmPath(rg, name) { return `${this.rgPath(rg)}/providers/Microsoft.KeyVault/managedHSMs/${name}`; }

  async resourceGroup(rg = DEFAULT_RG, location = DEFAULT_LOCATION) {
    const key = `rg:${rg.toLowerCase()}`;
    if (this.created.has(key)) return;
    const rgApi = (await import('./emulator.mjs')).RG_API_VERSION;
    await this.call('PUT', this.rgPath(rg), { body: { location }, query: { 'api-version': rgApi } });
    this.created.add(key);
  }

  // Polls GET until properties.provisioningState is terminal.
  async waitProvisioned(p, what) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const res = await this.call('GET', p, { expect: [200] });
      const st = res.body?.properties?.provisioningState;
      if (!st || /^(Succeeded|Failed|Canceled)$/i.test(st)) {
        if (st && !/^Succeeded$/i.test(st)) throw new SetupError(`setup: ${what} ended ${st}`);
        return res.body;
      }
      if (Date.now() > deadline) throw new SetupError(`setup: ${what} still ${st} after ${WAIT_MS} ms`);
      await sleep(100);
    }
  }

  // Follows a 202 + Location until it stops answering 202.
  async waitLocation(res, what) {
    if (res.status !== 202 || !res.headers.location) return res;
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const r = await this.emu.request('GET', res.headers.location);
      if (r.status !== 202) {
        if (r.status >= 400) throw new SetupError(`setup: ${what} LRO → ${short(r)}`);
        return r;
      }
      if (Date.now() > deadline) throw new SetupError(`setup: ${what} LRO still 202 after ${WAIT_MS} ms`);
      await sleep(100);
    }
  }

  vaultBody(seed, location) {
    const s = seed || {};
    const props = stripReadOnly(s.properties || {}, this.spec.schemaFor('keyvault.json', 'VaultProperties'), this.spec.load);
    delete props.createMode;
    return {
      location: s.location || location || DEFAULT_LOCATION,
      ...(s.tags ? { tags: s.tags } : {}),
      properties: {
        tenantId: this.emu.tenantId,
        sku: { family: 'A', name: 'standard' },
        accessPolicies: [],
        ...props,
      },
    };
  }

  async vault(rg, name, seed, location) {
    const key = `vault:${name.toLowerCase()}`;
    if (this.created.has(key)) return this.vaultPath(rg, name);
    const body = this.vaultBody(seed, location);
    await this.resourceGroup(rg, body.location);
    const p = this.vaultPath(rg, name);
    await this.call('PUT', p, { body, expect: [200, 201] });
    await this.waitProvisioned(p, `vault ${name}`);
    this.created.add(key);
    return p;
  }

  hsmBody(seed, location, { purgeable = false } = {}) {
    const s = seed || {};
    const props = stripReadOnly(s.properties || {}, this.spec.schemaFor('managedHsm.json', 'ManagedHsmProperties'), this.spec.load);
    delete props.createMode;
    if (Array.isArray(props.regions)) props.regions = props.regions.map(({ name, isPrimary }) => ({ name, isPrimary }));
    const body = {
      location: s.location || location || DEFAULT_LOCATION,
      sku: s.sku || { family: 'B', name: 'Standard_B1' },
      ...(s.tags ? { tags: s.tags } : {}),
      properties: {
        tenantId: this.emu.tenantId,
        initialAdminObjectIds: [this.emu.objectId],
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        ...props,
      },
    };
    if (purgeable) body.properties.enablePurgeProtection = false;
    return body;
  }

  async hsm(rg, name, seed, location, opts) {
    const key = `hsm:${name.toLowerCase()}`;
    if (this.created.has(key)) return this.hsmPath(rg, name);
    const body = this.hsmBody(seed, location, opts);
    await this.resourceGroup(rg, body.location);
    const p = this.hsmPath(rg, name);
    const res = await this.call('PUT', p, { body, expect: [200, 201, 202] });
    await this.waitLocation(res, `managed HSM ${name}`);
    await this.waitProvisioned(p, `managed HSM ${name}`);
    this.created.add(key);
    return p;
  }

  // parentPath: a vault or managed HSM path.
  async key(parentPath, name, seed) {
    const key = `key:${parentPath.toLowerCase()}/${name.toLowerCase()}`;
    const p = `${parentPath}/keys/${name}`;
    if (this.created.has(key)) return p;
    const isHsm = /\/managedHSMs\//i.test(parentPath);
    const schema = this.spec.schemaFor(isHsm ? 'keysManagedHsm.json' : 'keys.json', isHsm ? 'ManagedHsmKeyProperties' : 'KeyProperties');
    const props = stripReadOnly(seed?.properties || {}, schema, this.spec.load);
    if (!props.kty) props.kty = 'RSA';
    await this.call('PUT', p, { body: { ...(seed?.tags ? { tags: seed.tags } : {}), properties: props }, expect: [200, 201] });
    this.created.add(key);
    return p;
  }

  // The version of a key, read back from keyUriWithVersion.
  async keyVersion(keyPath) {
    const res = await this.call('GET', keyPath, { expect: [200] });
    const uri = res.body?.properties?.keyUriWithVersion;
    if (!uri) throw new SetupError(`setup: GET key has no properties.keyUriWithVersion: ${short(res)}`);
    return uri.replace(/\/+$/, '').split('/').pop();
  }

  async secret(vaultPath, name, seed) {
    const p = `${vaultPath}/secrets/${name}`;
    const key = `secret:${p.toLowerCase()}`;
    if (this.created.has(key)) return p;
    const props = stripReadOnly(seed?.properties || {}, this.spec.schemaFor('secrets.json', 'SecretProperties'), this.spec.load);
    if (props.value === undefined) props.value = 'keyward-conformance-value';
    await this.call('PUT', p, { body: { ...(seed?.tags ? { tags: seed.tags } : {}), properties: props }, expect: [200, 201] });
    this.created.add(key);
    return p;
  }

  // A Microsoft.Network private endpoint targeting parentPath (vault or managed HSM); returns the
  // name of the private endpoint connection that appeared on the target.
  async privateEndpoint(rg, parentPath, peName) {
    const isHsm = /\/managedHSMs\//i.test(parentPath);
    await this.resourceGroup(rg);
    const pePath = `${this.rgPath(rg)}/providers/Microsoft.Network/privateEndpoints/${peName}`;
    const body = {
      location: DEFAULT_LOCATION,
      properties: {
        subnet: { id: `${this.rgPath(rg)}/providers/Microsoft.Network/virtualNetworks/kw-vnet/subnets/default` },
        manualPrivateLinkServiceConnections: [{
          name: peName,
          properties: {
            privateLinkServiceId: parentPath,
            groupIds: [isHsm ? 'managedhsm' : 'vault'],
            requestMessage: 'keyward conformance',
          },
        }],
      },
    };
    const before = new Set(await this.pecNames(parentPath));
    const res = await this.call('PUT', pePath, { body, query: { 'api-version': NETWORK_API_VERSION }, expect: [200, 201, 202] });
    await this.waitLocation(res, `private endpoint ${peName}`);
    const after = await this.pecNames(parentPath);
    const fresh = after.filter((n) => !before.has(n));
    if (fresh.length === 0) throw new SetupError(`setup: no private endpoint connection appeared on ${parentPath.split('/').pop()} after PUT ${peName}`);
    return fresh[0];
  }

  async pecNames(parentPath) {
    const res = await this.emu.request('GET', `${parentPath}/privateEndpointConnections`, { query: { 'api-version': this.api } });
    if (res.status === 200 && Array.isArray(res.body?.value)) return res.body.value.map((c) => c.name);
    const parent = await this.call('GET', parentPath, { expect: [200] });
    return (parent.body?.properties?.privateEndpointConnections || []).map((c) => String(c.id).split('/').pop());
  }

  async deletedVault(location, name, seed) {
    const rg = rgFromId(seed?.properties?.vaultId) || DEFAULT_RG;
    const vseed = seed ? {
      location: seed.properties?.location || location,
      tags: seed.properties?.tags,
      // purgeProtectionEnabled only shows on a deleted vault that had purge protection (§1.8).
      properties: seed.properties?.purgeProtectionEnabled ? { enablePurgeProtection: true } : {},
    } : null;
    const p = await this.vault(rg, name, vseed, location);
    await this.call('DELETE', p, { expect: [200, 204] });
    this.created.delete(`vault:${name.toLowerCase()}`);
  }

  async deletedHsm(location, name, seed) {
    const rg = rgFromId(seed?.properties?.mhsmId) || DEFAULT_RG;
    const hseed = seed ? { location: seed.properties?.location || location, tags: seed.properties?.tags } : null;
    const p = await this.hsm(rg, name, hseed, location, { purgeable: true });
    const res = await this.call('DELETE', p, { expect: [200, 202, 204] });
    await this.waitLocation(res, `delete managed HSM ${name}`);
    this.created.delete(`hsm:${name.toLowerCase()}`);
  }
}
