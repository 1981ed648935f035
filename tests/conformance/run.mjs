#!/usr/bin/env node
// Entry point of the conformance suite (scripts/test.sh calls it after the C++ build).
//
//   node tests/conformance/run.mjs [--only smoke|examples] [--cert-only]
//
// 1. `npm ci --no-audit --no-fund` when node_modules is missing or package-lock.json changed since
//    the last install (a stamp in node_modules/.keyward-lock.sha256).
// 2. Generates the self-signed certificate (support/tls.mjs) — Node only reads NODE_EXTRA_CA_CERTS
//    at start-up, so the test processes are started after it exists, with it set.
// 3. Runs every *.test.mjs with node's test runner (smoke and one file per operation group) —
//    must pass — and the examples replay
//    (`node examples.mjs`) — must pass or fail only with known differences; prints both summaries.
// Exit status: non-zero if either part failed.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureCertificate, certFile, conformanceDir } from './support/tls.mjs';

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : null;

function ensureDependencies() {
  const lock = path.join(conformanceDir, 'package-lock.json');
  const stamp = path.join(conformanceDir, 'node_modules', '.keyward-lock.sha256');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash) return;
  console.log('conformance: npm ci');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: conformanceDir, stdio: 'inherit' });
  if (r.status !== 0) { console.error('conformance: npm ci failed'); process.exit(r.status ?? 1); }
  fs.writeFileSync(stamp, `${hash}\n`);
}

ensureDependencies();
ensureCertificate();
if (args.includes('--cert-only')) { console.log(certFile); process.exit(0); }

const env = { ...process.env, NODE_EXTRA_CA_CERTS: certFile };

function run(title, argv) {
  console.log(`\n=== ${title} ===`);
  const started = Date.now();
  const r = spawnSync(process.execPath, argv, { cwd: conformanceDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  process.stdout.write(r.stdout || '');
  process.stderr.write(r.stderr || '');
  return { status: r.status ?? 1, out: r.stdout || '', seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

const summaries = [];
let failed = false;

if (!only || only === 'smoke' || only === 'sdk') {
  // Each file starts its own emulator, so files run one at a time (2-core CI machines).
  const files = fs.readdirSync(conformanceDir).filter((f) => f.endsWith('.test.mjs')).sort();
  const r = run(`official SDK over HTTPS (${files.join(', ')})`,
                ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files]);
  const pass = /^\S*\s*pass (\d+)/m.exec(r.out)?.[1] ?? '?';
  const fail = /^\S*\s*fail (\d+)/m.exec(r.out)?.[1] ?? '?';
  summaries.push(`sdk:      ${pass} passed, ${fail} failed (${r.seconds}s)${r.status === 0 ? '' : ' — FAILED'}`);
  failed ||= r.status !== 0;
}

if (!only || only === 'examples') {
  const r = run('examples (Microsoft 2024-11-01 examples replayed)', ['examples.mjs']);
  const last = r.out.trim().split('\n').pop() || '?';
  summaries.push(`examples: ${last} (${r.seconds}s)${r.status === 0 ? '' : ' — FAILED'}`);
  failed ||= r.status !== 0;
}

console.log('\n=== conformance summary ===');
for (const s of summaries) console.log(s);
process.exit(failed ? 1 : 0);
