// Reads the Microsoft.KeyVault 2024-11-01 OpenAPI files and examples at run time (never copied into
// the repo) and compares a live response with an example response by SHAPE.
//
// Example → operation: every operation lists its examples in `x-ms-examples` by `$ref` to the file,
// which is the reliable mapping (an example's own "operationId" is only a cross-check).
//
// Shape comparison (compareShape): walks the example body and the live body together, with the
// operation's response schema alongside:
//   - every key the example has must be present (except keys in `tolerateMissing`, e.g. a nextLink
//     when the server has no further page);
//   - a key the live body has and the example does not is accepted only if the spec defines it for
//     that object (or the schema is open: a map, or a $ref to common-types files we do not have);
//   - value types must agree (string/number/boolean/object/array; an example null accepts anything);
//   - strings whose schema has an `enum` must be one of its values; resource `type` strings
//     ("Microsoft.…") must equal the example's, case-insensitively;
//   - arrays: each live element must match some example element (best match reported); an empty live
//     array where the example has elements is a difference.
// Ids, names, timestamps and other values are not compared.
import fs from 'node:fs';
import path from 'node:path';

export const SPEC_FILES = ['keyvault.json', 'managedHsm.json', 'keys.json', 'secrets.json', 'keysManagedHsm.json', 'providers.json'];
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head'];

export function loadSpec(specRoot) {
  const dir = path.join(specRoot, '2024-11-01');
  if (!fs.existsSync(dir)) throw new Error(`spec directory ${dir} not found (set KEYWARD_ARM_SPEC_DIR)`);
  const docs = new Map();
  const load = (file) => {
    if (!docs.has(file)) {
      const p = path.join(dir, file);
      docs.set(file, fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null);
    }
    return docs.get(file);
  };
  const operations = [];
  const byExample = new Map();
  for (const file of SPEC_FILES) {
    const doc = load(file);
    for (const [tmpl, item] of Object.entries(doc.paths || {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const params = [...(item.parameters || []), ...(op.parameters || [])]
          .map((p) => deref({ node: p, file }, load))
          .filter((c) => c.node);
        const entry = {
          operationId: op.operationId,
          file,
          method: method.toUpperCase(),
          pathTemplate: tmpl,
          params: params.map((c) => c.node),
          bodyParam: params.find((c) => c.node.in === 'body')?.node.name,
          queryParams: params.filter((c) => c.node.in === 'query').map((c) => c.node.name),
          responses: op.responses,
          lro: Boolean(op['x-ms-long-running-operation']),
          pageable: op['x-ms-pageable'] || null,
          examples: Object.values(op['x-ms-examples'] || {}).map((e) => path.basename(e.$ref)),
        };
        operations.push(entry);
        for (const ex of entry.examples) byExample.set(ex, entry);
      }
    }
  }
  const examplesDir = path.join(dir, 'examples');
  const examples = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => ({ file: f, json: JSON.parse(fs.readFileSync(path.join(examplesDir, f), 'utf8')) }));
  return {
    dir,
    operations,
    examples,
    operationFor(example) {
      const byRef = byExample.get(example.file);
      if (byRef) return byRef;
      const id = example.json.operationId;
      return id ? operations.find((o) => o.operationId === id) : undefined;
    },
    responseSchema(op, status) {
      const r = op.responses[String(status)];
      if (!r || !r.schema) return null;
      return { node: r.schema, file: op.file };
    },
    // Schema context for a definition, e.g. schemaFor('keyvault.json', 'VaultProperties').
    schemaFor(file, def) {
      return { node: { $ref: `#/definitions/${def}` }, file };
    },
    load,
  };
}

// Follows $ref chains. Returns { node, file } or { node: null, file, open: true } when the target is
// outside the files we have (common-types).
export function deref(ctx, load, depth = 0) {
  if (!ctx || !ctx.node) return { node: null, file: ctx?.file, open: true };
  let { node, file } = ctx;
  while (node && node.$ref && depth < 50) {
    const [target, pointer] = node.$ref.split('#');
    const nextFile = target ? path.basename(target) : file;
    // Anything outside this folder (../../common-types/...) is not available.
    if (target && (target.startsWith('..') || !SPEC_FILES.concat(['common.json']).includes(nextFile))) {
      return { node: null, file: nextFile, open: true, readOnly: Boolean(ctx.node.readOnly) };
    }
    const doc = load(nextFile);
    if (!doc) return { node: null, file: nextFile, open: true };
    let cur = doc;
    for (const part of (pointer || '').split('/').filter(Boolean)) cur = cur?.[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))];
    const readOnly = Boolean(node.readOnly);
    node = cur ? (readOnly ? { ...cur, readOnly: true } : cur) : null;
    file = nextFile;
    depth += 1;
  }
  return { node, file };
}

// Properties of an object schema, merged through allOf; open=true when part of it is unknown or it
// allows additional properties.
export function schemaProps(ctx, load) {
  const out = { props: new Map(), open: false, additional: null, known: false };
  const visit = (c, depth) => {
    const d = deref(c, load);
    if (!d.node) { out.open = true; return; }
    out.known = true;
    for (const [k, v] of Object.entries(d.node.properties || {})) out.props.set(k, { node: v, file: d.file });
    if (d.node.additionalProperties) {
      out.open = true;
      if (typeof d.node.additionalProperties === 'object') out.additional = { node: d.node.additionalProperties, file: d.file };
    }
    for (const a of d.node.allOf || []) if (depth < 20) visit({ node: a, file: d.file }, depth + 1);
  };
  if (ctx) visit(ctx, 0); else out.open = true;
  return out;
}

function enumOf(ctx, load) {
  const d = deref(ctx, load);
  return d.node && Array.isArray(d.node.enum) ? d.node.enum : null;
}

function itemsOf(ctx, load) {
  const d = deref(ctx, load);
  return d.node && d.node.items ? { node: d.node.items, file: d.file } : null;
}

export function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

// Returns a list of differences ("path: what"); empty = same shape.
export function compareShape(expected, got, schemaCtx, load, { tolerateMissing = [] } = {}) {
  const diffs = [];
  walk(expected, got, schemaCtx, '$', diffs, load, new Set(tolerateMissing));
  return diffs;
}

function walk(exp, got, ctx, at, diffs, load, tolerate) {
  if (exp === null || exp === undefined) return;
  const te = typeOf(exp);
  const tg = typeOf(got);
  if (got === undefined) { diffs.push(at === '$' ? '$: no body (the example has one)' : `${at}: missing`); return; }
  if (te !== tg) { diffs.push(`${at}: expected ${te}, got ${tg}${tg === 'string' ? ` "${trunc(got)}"` : ''}`); return; }
  if (te === 'string') {
    const en = ctx ? enumOf(ctx, load) : null;
    if (en && !en.includes(got)) diffs.push(`${at}: "${trunc(got)}" is not one of the spec enum [${en.join(', ')}]`);
    if (at.endsWith('.type') && /^Microsoft\./i.test(exp) && exp.toLowerCase() !== got.toLowerCase()) {
      diffs.push(`${at}: resource type "${trunc(got)}", example "${exp}"`);
    }
    return;
  }
  if (te === 'array') {
    if (exp.length === 0) return;
    if (got.length === 0) { diffs.push(`${at}: empty array, the example has ${exp.length} item(s)`); return; }
    const itemCtx = ctx ? itemsOf(ctx, load) : null;
    got.forEach((g, i) => {
      let best = null;
      for (const e of exp) {
        const d = [];
        walk(e, g, itemCtx, `${at}[${i}]`, d, load, new Set());
        if (best === null || d.length < best.length) best = d;
        if (d.length === 0) break;
      }
      diffs.push(...best);
    });
    return;
  }
  if (te === 'object') {
    const sp = ctx ? schemaProps(ctx, load) : { props: new Map(), open: true, additional: null, known: false };
    for (const [k, v] of Object.entries(exp)) {
      const childCtx = sp.props.get(k) || sp.additional || null;
      if (!(k in got)) {
        if (at === '$' && tolerate.has(k)) continue;
        diffs.push(`${at}.${k}: missing`);
        continue;
      }
      walk(v, got[k], childCtx, `${at}.${k}`, diffs, load, tolerate);
    }
    for (const k of Object.keys(got)) {
      if (k in exp) continue;
      if (sp.props.has(k) || sp.open) continue;
      diffs.push(`${at}.${k}: unexpected key (neither in the example nor in the spec)`);
    }
  }
}

function trunc(s, n = 60) {
  s = String(s);
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

// Removes properties the spec marks readOnly (and a few read-only-in-practice ones the hand-written
// spec does not mark) from an example resource's `properties`, to turn an example response into a
// create body. Generic names (id, name, type) are kept: inside properties they are user data
// (e.g. networkAcls.virtualNetworkRules[].id, sku.name).
const READ_ONLY_ALWAYS = new Set([
  'provisioningState', 'vaultUri', 'hsmUri', 'hsmPoolResourceId',
  'privateEndpointConnections', 'statusMessage', 'scheduledPurgeDate', 'securityDomainProperties',
  'keyUri', 'keyUriWithVersion', 'secretUri', 'secretUriWithVersion', 'created', 'updated', 'recoveryLevel',
]);
export function stripReadOnly(value, ctx, load) {
  if (typeOf(value) === 'array') {
    const itemCtx = ctx ? itemsOf(ctx, load) : null;
    return value.map((v) => stripReadOnly(v, itemCtx, load));
  }
  if (typeOf(value) !== 'object') return value;
  const sp = ctx ? schemaProps(ctx, load) : null;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (READ_ONLY_ALWAYS.has(k)) continue;
    const pc = sp?.props.get(k);
    if (pc && (pc.node.readOnly || deref(pc, load).node?.readOnly)) continue;
    out[k] = stripReadOnly(v, pc || sp?.additional || null, load);
  }
  return out;
}
