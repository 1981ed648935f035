// The conformance suite's self-signed TLS certificate.
//
// Node reads NODE_EXTRA_CA_CERTS once, when the process starts, so the certificate must exist before
// any test process is spawned: run.mjs (and examples.mjs when started on its own) call
// ensureCertificate() and start the test processes with NODE_EXTRA_CA_CERTS pointing at it. The same
// file is then given to the emulator as --tls-cert, so every process in the run trusts exactly the
// certificate the emulator serves.
//
// The certificate lives in tests/conformance/.tmp/tls/ (gitignored). It is a self-signed CA:TRUE
// certificate for CN=localhost with SAN DNS:localhost, IP:127.0.0.1, valid for 7 days; it is
// regenerated when missing or older than a day.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const conformanceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(conformanceDir, '..', '..');
export const tlsDir = path.join(conformanceDir, '.tmp', 'tls');
export const certFile = path.join(tlsDir, 'cert.pem');
export const keyFile = path.join(tlsDir, 'key.pem');

const ONE_DAY_MS = 24 * 3600 * 1000;

export function ensureCertificate({ force = false } = {}) {
  const fresh =
    fs.existsSync(certFile) &&
    fs.existsSync(keyFile) &&
    Date.now() - fs.statSync(certFile).mtimeMs < ONE_DAY_MS;
  if (fresh && !force) return { certFile, keyFile };
  fs.mkdirSync(tlsDir, { recursive: true });
  // Write to temporary names and rename, so a concurrent reader never sees half a pair.
  const tmpCert = `${certFile}.${process.pid}.tmp`;
  const tmpKey = `${keyFile}.${process.pid}.tmp`;
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '7',
      '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-keyout', tmpKey, '-out', tmpCert,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  fs.chmodSync(tmpKey, 0o600);
  fs.renameSync(tmpKey, keyFile);
  fs.renameSync(tmpCert, certFile);
  return { certFile, keyFile };
}

// True when this process was started trusting our certificate.
export function processTrustsCertificate() {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  return Boolean(extra) && fs.existsSync(certFile) && path.resolve(extra) === certFile;
}

export function trustHint() {
  return (
    'this process does not trust the conformance certificate: start it through ' +
    '`node tests/conformance/run.mjs` (or set NODE_EXTRA_CA_CERTS=' + certFile +
    ' before node starts; `node tests/conformance/run.mjs --cert-only` creates the file)'
  );
}
