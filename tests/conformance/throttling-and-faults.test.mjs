// Issue 3: the official Azure SDK for JavaScript against the emulator's throttling, fault
// injection and extra identity endpoints, over HTTPS. Run through run.mjs (NODE_EXTRA_CA_CERTS).
//   * the SDK's retry policy recovers from injected 503s and 429s, honouring Retry-After;
//   * ManagedIdentityCredential gets tokens from the IMDS-shaped endpoint (redirected with
//     AZURE_POD_IDENTITY_AUTHORITY_HOST) and from the App-Service-shaped one (IDENTITY_ENDPOINT +
//     IDENTITY_HEADER);
//   * ClientAssertionCredential (federated token) works.
import { spawnSync } from 'node:child_process';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ClientAssertionCredential, ManagedIdentityCredential } from '@azure/identity';
import { ResourceManagementClient } from '@azure/arm-resources';
import { conformanceDir } from './support/tls.mjs';
import { startEmulator, ARM_SCOPE, CLIENT_ID, RG_API_VERSION, SUBSCRIPTION_ID } from './support/emulator.mjs';

const IDENTITY_HEADER = 'conformance-identity-header';
const RG = 'kw-faults-rg';
let emu;
let rc;

async function setFaults(spec) {
  const r = await fetch(`${emu.endpoint}/_emulator/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  assert.equal(r.status, 200, await r.text());
}

// Runs fn with environment variables set (undefined = unset), then restores them.
async function withEnv(vars, fn) {
  const saved = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
}

function unsignedJwt(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${Buffer.from('sig').toString('base64url')}`;
}

before(async () => {
  emu = await startEmulator({ lroSeconds: 0.5, extraArgs: ['--identity-header', IDENTITY_HEADER] });
  rc = emu.resourcesClient();
  await rc.resourceGroups.createOrUpdate(RG, { location: 'westus' });
});

after(async () => {
  await fetch(`${emu.endpoint}/_emulator/faults`, { method: 'DELETE' }).catch(() => {});
  await emu?.stop();
});

test('SDK retry policy recovers from injected 503s', async () => {
  await setFaults({ seed: 1, rules: [{ match: { operation: 'ResourceGroups_Get' }, status: 503, limit: 2 }] });
  const rg = await rc.resourceGroups.get(RG);
  assert.equal(rg.name, RG);
  const stats = await emu.stats();
  assert.equal(stats.faults['503'], 2);
  assert.equal(stats.operationStatusCodes.ResourceGroups_Get['503'], 2);
});

test('SDK retry policy honours Retry-After on injected 429s', async () => {
  await setFaults({ seed: 1, rules: [{ match: { operation: 'ResourceGroups_Get' }, status: 429, retryAfter: 2, limit: 1 }] });
  const started = Date.now();
  const rg = await rc.resourceGroups.get(RG);
  const elapsed = Date.now() - started;
  assert.equal(rg.name, RG);
  assert.ok(elapsed >= 1900, `the retry came after ${elapsed} ms, before Retry-After (2 s)`);
  assert.equal((await emu.stats()).faults['429'], 1);
});

test('responses carry x-ms-ratelimit-remaining headers', async () => {
  await setFaults({ rules: [] });
  const r = await emu.request('GET', `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/${RG}`,
    { query: { 'api-version': RG_API_VERSION } });
  assert.equal(r.status, 200);
  assert.match(r.headers['x-ms-ratelimit-remaining-subscription-reads'], /^\d+$/);
});

test('ClientAssertionCredential with a federated token', async () => {
  const credential = new ClientAssertionCredential(emu.tenantId, CLIENT_ID, async () => unsignedJwt({
    iss: 'https://token.actions.githubusercontent.com',
    sub: 'repo:org/keyward:ref:refs/heads/main',
    aud: 'api://AzureADTokenExchange',
    exp: Math.floor(Date.now() / 1000) + 600,
  }), { authorityHost: emu.endpoint, disableInstanceDiscovery: true });
  const client = new ResourceManagementClient(credential, SUBSCRIPTION_ID, {
    endpoint: emu.endpoint, $host: emu.endpoint, apiVersion: RG_API_VERSION, credentialScopes: [ARM_SCOPE],
  });
  const rg = await client.resourceGroups.get(RG);
  assert.equal(rg.name, RG);
});

test('ManagedIdentityCredential: IMDS-shaped endpoint via AZURE_POD_IDENTITY_AUTHORITY_HOST', async () => {
  await withEnv({ IDENTITY_ENDPOINT: undefined, IDENTITY_HEADER: undefined, MSI_ENDPOINT: undefined,
                  AZURE_POD_IDENTITY_AUTHORITY_HOST: emu.endpoint }, async () => {
    const credential = new ManagedIdentityCredential();
    const token = await credential.getToken(ARM_SCOPE);
    assert.ok(token.token.split('.').length === 3);
    assert.ok(token.expiresOnTimestamp > Date.now());
    const r = await emu.request('GET', `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/${RG}`,
      { query: { 'api-version': RG_API_VERSION }, auth: false, headers: { authorization: `Bearer ${token.token}` } });
    assert.equal(r.status, 200);
  });
});

test('ManagedIdentityCredential: App-Service-shaped endpoint via IDENTITY_ENDPOINT + IDENTITY_HEADER', async () => {
  // MSAL caches managed-identity tokens process-wide, so a fresh process makes sure this token
  // really comes from the App Service endpoint and not from the IMDS test's cache.
  const env = { ...process.env, IDENTITY_ENDPOINT: `${emu.endpoint}/msi/token`, IDENTITY_HEADER };
  delete env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
  delete env.MSI_ENDPOINT;
  const code = `import { ManagedIdentityCredential } from '@azure/identity';
    const t = await new ManagedIdentityCredential().getToken(${JSON.stringify(ARM_SCOPE)});
    process.stdout.write(t.token);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code],
    { cwd: conformanceDir, env, encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  const token = r.stdout.trim();
  assert.equal(token.split('.').length, 3);
  const res = await emu.request('GET', `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/${RG}`,
    { query: { 'api-version': RG_API_VERSION }, auth: false, headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const stats = await emu.stats();
  assert.equal(stats.operations.ManagedIdentity_AppService, 1);
});
