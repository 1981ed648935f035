// Runs the real keyward-arm-emulator binary for the conformance suite.
//
// startEmulator() spawns `$KEYWARD_EMULATOR_BIN` (default <repo>/build/bin/keyward-arm-emulator)
// on 127.0.0.1 with an OS-picked port, a fresh SQLite state file in a temp dir, the suite's
// self-signed certificate (support/tls.mjs) and one known principal, waits for
// GET /_emulator/health, and returns a handle with:
//   endpoint                    "https://127.0.0.1:PORT"
//   credential                  @azure/identity ClientSecretCredential against the emulator
//   client(options?)            KeyVaultManagementClient(credential, subscriptionId, {endpoint,
//                               apiVersion: "2024-11-01", credentials: {scopes: [ARM scope]}, ...})
//   resourcesClient(options?)   @azure/arm-resources ResourceManagementClient, same conventions
//   token()                     a bearer token for direct requests
//   request(method, path, ...)  an authenticated request to the emulator (see below)
//   reset(), stats(), output(), stop()
// The identities are the ones tests/support/emulator_process.h uses, so C++ and JS tests agree.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { ResourceManagementClient } from '@azure/arm-resources';
import { repoRoot, ensureCertificate, processTrustsCertificate, trustHint } from './tls.mjs';

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '0c1d9a8e-4b6f-4d2a-9e3b-6a5f7c8d9e01';
export const CLIENT_SECRET = 'keyward-test-secret-Zq8~v1';
export const OBJECT_ID = '5b0e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
export const SUBSCRIPTION_ID = '11111111-2222-4333-8444-555555555555';
export const ARM_SCOPE = 'https://management.azure.com/.default';
export const KV_API_VERSION = '2024-11-01';
// Microsoft.Resources api-version used for resource groups (the one in ARM-NOTES §1.8 recordings).
export const RG_API_VERSION = process.env.KEYWARD_RG_API_VERSION || '2021-04-01';

export function emulatorBinary() {
  return process.env.KEYWARD_EMULATOR_BIN || path.join(repoRoot, 'build', 'bin', 'keyward-arm-emulator');
}

export function specDir() {
  return process.env.KEYWARD_ARM_SPEC_DIR
    ? path.resolve(process.env.KEYWARD_ARM_SPEC_DIR)
    : path.resolve(repoRoot, 'tests', 'conformance', 'arm-spec');
}

const START_TIMEOUT_MS = 20000;

export async function startEmulator({ lroSeconds = 1, extraArgs = [] } = {}) {
  if (!processTrustsCertificate()) throw new Error(trustHint());
  const bin = emulatorBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(`emulator binary not found at ${bin} (build it, or set KEYWARD_EMULATOR_BIN)`);
  }
  const { certFile, keyFile } = ensureCertificate();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keyward-conformance-'));
  const stateFile = path.join(tmp, 'state.db');
  const args = [
    '--listen', '127.0.0.1:0',
    '--tls-cert', certFile,
    '--tls-key', keyFile,
    '--state', stateFile,
    '--principal', `${TENANT_ID}:${CLIENT_ID}:${CLIENT_SECRET}:${OBJECT_ID}`,
    '--lro-seconds', String(lroSeconds),
    ...extraArgs,
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (chunk) => { output += chunk.toString(); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`emulator did not print "listening on" within ${START_TIMEOUT_MS} ms; output:\n${output}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      const m = /listening on (https:\/\/[^\s]+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/+$/, '')); }
    };
    child.stdout.on('data', check);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (code ${code}, signal ${signal}) before listening; output:\n${output}`));
    });
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const r = await fetch(`${endpoint}/_emulator/health`);
      if (r.status === 200) break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`emulator health check failed: ${e.cause?.message || e.message}`);
    }
    if (Date.now() > deadline) throw new Error('emulator health check did not answer 200');
    await new Promise((r) => setTimeout(r, 100));
  }

  const credential = new ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, {
    authorityHost: endpoint,
    disableInstanceDiscovery: true,
  });

  const handle = {
    endpoint,
    stateFile,
    credential,
    subscriptionId: SUBSCRIPTION_ID,
    tenantId: TENANT_ID,
    objectId: OBJECT_ID,
    pid: child.pid,
    output: () => output,
    exited: () => exited,

    client(options = {}) {
      return new KeyVaultManagementClient(credential, SUBSCRIPTION_ID, {
        endpoint,
        apiVersion: KV_API_VERSION,
        credentials: { scopes: [ARM_SCOPE] },
        ...options,
      });
    },

    resourcesClient(options = {}) {
      return new ResourceManagementClient(credential, SUBSCRIPTION_ID, {
        endpoint,
        $host: endpoint,
        apiVersion: RG_API_VERSION,
        credentialScopes: [ARM_SCOPE],
        ...options,
      });
    },

    async token() {
      const t = await credential.getToken(ARM_SCOPE);
      return t.token;
    },

    // Authenticated request. `pathOrUrl` is "/subscriptions/..." (joined to the endpoint) or an
    // absolute URL (e.g. a Location header). `query` is appended (values are URL-encoded). Returns
    // { status, headers (lower-case keys), body (parsed JSON, text, or null when empty), text }.
    async request(method, pathOrUrl, { query, body, headers = {}, auth = true } = {}) {
      // Query values are percent-encoded (%20, not '+'), the way the SDK's URL templates do it.
      let target = pathOrUrl.startsWith('http') ? pathOrUrl : endpoint + pathOrUrl;
      const pairs = Object.entries(query || {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
      if (pairs.length > 0) target += (target.includes('?') ? '&' : '?') + pairs.join('&');
      const url = new URL(target);
      const h = { ...headers };
      if (auth) h.authorization = `Bearer ${await handle.token()}`;
      let payload;
      if (body !== undefined) {
        h['content-type'] = 'application/json';
        payload = JSON.stringify(body);
      }
      const r = await fetch(url, { method, headers: h, body: payload });
      const text = await r.text();
      let parsed = null;
      if (text.length > 0) {
        try { parsed = JSON.parse(text); } catch { parsed = text; }
      }
      const hdrs = {};
      r.headers.forEach((v, k) => { hdrs[k.toLowerCase()] = v; });
      return { status: r.status, headers: hdrs, body: parsed, text, url: url.toString() };
    },

    async reset() {
      const r = await fetch(`${endpoint}/_emulator/reset`, { method: 'POST' });
      if (r.status >= 300) throw new Error(`POST /_emulator/reset answered ${r.status}: ${await r.text()}`);
    },

    async stats() {
      const r = await fetch(`${endpoint}/_emulator/stats`);
      return r.json();
    },

    async stop() {
      if (exited === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => { if (exited === null) child.kill('SIGKILL'); }, 5000);
        await gone;
        clearTimeout(t);
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return handle;
}
