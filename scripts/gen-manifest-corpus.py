#!/usr/bin/env python3
"""Writes tests/corpus/manifests/, the bad-manifest corpus (docs/reliability.md).

Each case is a directory holding a small manifest set and an `expect` file; the CTest e2e test
tests/e2e/corpus_manifest_test.cc copies it to a temporary directory, applies the `setup:` steps,
and runs the real `keyward validate` and `keyward plan` on it, asserting exit 1, no signal, no
hang and a stderr line matching `error:`. The format of `expect` is in tests/corpus/README.md.

The cases are data in this script, so that hundreds of similar ones stay readable; the generated
files are checked in (a clone needs no Python to run the tests) and `--check` (a CTest unit test)
fails when they differ from what this script writes.

    scripts/gen-manifest-corpus.py           # rewrite tests/corpus/manifests
    scripts/gen-manifest-corpus.py --check   # compare only
"""
import argparse
import filecmp
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'tests', 'corpus', 'manifests')

SUB = '11111111-2222-4333-8444-555555555555'
TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
OBJECT = '5b0e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b'
API = 'apiVersion: keyward.dev/v1alpha1\n'
CONFIG = ('stack: corpus\ndefaults:\n  subscription: %s\n  resourceGroup: rg-corpus\n'
          '  location: westeurope\n  tenantId: %s\n' % (SUB, TENANT))
SKU = '  sku: { family: A, name: standard }\n'
VAULT_ID = '/subscriptions/%s/resourceGroups/rg-corpus/providers/Microsoft.KeyVault/vaults/corpus-kv' % SUB
ENDPOINT = ('/subscriptions/%s/resourceGroups/rg-corpus/providers/Microsoft.Network/'
            'privateEndpoints/pe-app' % SUB)


def repeat(text, count):
    """A token the runner expands when it copies a *.in file (keeps big inputs out of git)."""
    return '@@repeat(%s,%d)@@' % (text, count)


# ------------------------------------------------------------------------------------------------
# Manifest builders (valid unless a case changes them)

def vault(name='corpus-kv', spec=SKU, meta=''):
    return API + 'kind: Vault\nmetadata:\n  name: %s\n%sspec:\n%s' % (name, meta, spec)


def secret(name='db-password', spec='  vault: corpus-kv\n  valueFrom: { env: CORPUS_SECRET }\n',
           meta=''):
    return API + 'kind: Secret\nmetadata:\n  name: %s\n%sspec:\n%s' % (name, meta, spec)


def key(name='cmk', spec='  vault: corpus-kv\n  kty: RSA\n', meta='', kind='Key'):
    return API + 'kind: %s\nmetadata:\n  name: %s\n%sspec:\n%s' % (kind, name, meta, spec)


def policy(name='app', spec=None, meta=''):
    if spec is None:
        spec = '  vault: corpus-kv\n  objectId: %s\n  permissions: { secrets: [get] }\n' % OBJECT
    return API + 'kind: AccessPolicy\nmetadata:\n  name: %s\n%sspec:\n%s' % (name, meta, spec)


def hsm(name='corpus-hsm', spec=None, meta=''):
    if spec is None:
        spec = '  initialAdminObjectIds: [ %s ]\n' % OBJECT
    return API + 'kind: ManagedHsm\nmetadata:\n  name: %s\n%sspec:\n%s' % (name, meta, spec)


def pec(name='app', spec=None, kind='PrivateEndpointConnection'):
    if spec is None:
        spec = '  vault: corpus-kv\n  privateEndpointId: %s\n  status: Approved\n' % ENDPOINT
    return API + 'kind: %s\nmetadata:\n  name: %s\nspec:\n%s' % (kind, name, spec)


def group(name='rg-corpus', spec='  location: westeurope\n'):
    return API + 'kind: ResourceGroup\nmetadata:\n  name: %s\nspec:\n%s' % (name, spec)


# ------------------------------------------------------------------------------------------------
# Cases

CASES = []


def locate(files, marker):
    """'FILE:NEEDLE' or 'NEEDLE' (in v.yaml), optionally '#N' for the Nth occurrence ->
    'line:column' (1-based, columns in bytes, as keyward counts them)."""
    spec, _, nth = marker.partition('#')
    file, _, needle = spec.partition(':') if ':' in spec and spec.split(':', 1)[0] in files \
        else ('v.yaml', '', spec)
    if file not in files and file + '.in' in files:
        file += '.in'
    data = files[file]
    data = data if isinstance(data, bytes) else data.encode('utf-8')
    offset = -1
    for _ in range(int(nth or 1)):
        offset = data.index(needle.encode('utf-8'), offset + 1)
    line = data.count(b'\n', 0, offset) + 1
    column = offset - (data.rfind(b'\n', 0, offset) + 1) + 1
    return '%d:%d' % (line, column)


def case(name, about, error, files, config=CONFIG, commands='validate plan', plan='offline',
         args='.', env=(), setup=()):
    """`files`: name -> text (str) or bytes. A keyward.yaml is added unless config is None.
    In `error`, {at:NEEDLE} becomes the line:column where NEEDLE is written (see locate)."""
    assert re.fullmatch(r'[a-z0-9][a-z0-9-]*', name), name
    assert name not in {c['name'] for c in CASES}, name
    files = dict(files)
    if config is not None and 'keyward.yaml' not in files:
        files['keyward.yaml'] = config
    error = re.sub(r'\{at:([^}]*)\}', lambda m: locate(files, m.group(1)), error)
    CASES.append(dict(name=name, about=about, error=error, files=files, commands=commands,
                      plan=plan, args=args, env=list(env), setup=list(setup)))


def yaml_syntax():
    c = 'yaml-'
    # A quote left open: reported where it opens (`at`).
    for name, about, at, text in [
            ('unterminated-double-quote-at-eof',
             'a double-quoted scalar left open at the end of the file (yaml-cpp reads "abc ")',
             '"corpus-kv', API + 'kind: Vault\nmetadata:\n  name: "corpus-kv\n'),
            ('unterminated-single-quote-at-eof', 'a single-quoted scalar left open at the end',
             "'x", vault(spec=SKU + "  tags:\n    a: 'x\n")),
            ('unterminated-quote-no-newline', 'an open quote at the very last byte',
             '"pay', vault(spec=SKU + '  tags: { team: "pay')),
            ('unterminated-quoted-key', 'a quoted mapping key that is never closed',
             '"team', vault() + '  tags:\n  "team: x\n\n')]:
        case(c + name, about,
             r'^v\.yaml:{at:' + at + r'}: error: this quoted string is never closed \(the file ends first\)',
             {'v.yaml': text})
    # Broken YAML that only yaml-cpp's own message describes: "invalid YAML" somewhere.
    for name, about, text in [
            ('tab-indentation', 'a tab used for indentation', vault().replace('  sku:', '\tsku:')),
            ('bad-indentation', 'a mapping key indented deeper than its siblings',
             API + 'kind: Vault\nmetadata:\n  name: corpus-kv\n    oops: x\n y: z\nspec:\n' + SKU),
            ('colon-in-plain-key', 'a plain scalar with ": " inside a flow mapping',
             vault(spec='  sku: { family: A: B, name: standard }\n')),
            ('anchor-on-nothing', 'an anchor followed by a stray indicator', vault(spec='  sku: &a ] \n')),
            ('block-scalar-bad-indicator', 'a block scalar with an invalid indicator',
             vault(spec=SKU + '  tags: |x\n    a\n'))]:
        case(c + name, about, r'^v\.yaml:\d+:\d+: error: invalid YAML', {'v.yaml': text})
    # A core-schema tag on a word it cannot read: 'tagged-TAG-not-TYPE', '!!TAG on ON'.
    for tag, what, on, field, word in [('int', 'an integer', 'a word', 'softDeleteRetentionInDays', 'ninety'),
                                       ('bool', 'a boolean', 'yes', 'enableRbacAuthorization', 'yes'),
                                       ('null', 'a null', 'a word', 'tags', 'none'),
                                       ('float', 'a number', 'a word', 'softDeleteRetentionInDays', 'many')]:
        case(c + 'tagged-%s-not-%s' % (tag, what.split()[-1]), '!!%s on %s' % (tag, on),
             r"^v\.yaml:{at:!!%s}: error: '%s' is not %s \(tagged !!%s\)" % (tag, word, what, tag),
             {'v.yaml': vault(spec=SKU + '  %s: !!%s %s\n' % (field, tag, word))})
    # A key written twice: reported at the second (`at`), naming the line of the first.
    two_names = API + 'kind: Vault\nmetadata:\n  name: %s\n  name: %s\nspec:\n' + SKU
    for name, about, at, key_name, line, text in [
            ('duplicate-key', 'the same key twice in one mapping', 'name: other-kv', 'name', 4,
             two_names % ('corpus-kv', 'other-kv')),
            ('duplicate-top-level-key', 'spec written twice', 'kind: Vault#2', 'kind', 2,
             vault() + 'kind: Vault\nspec:\n' + SKU),
            ('second-document-bad', 'a good document, then a broken one', 'name: c-kv', 'name', 11,
             vault() + '---\n' + two_names % ('b-kv', 'c-kv'))]:
        case(c + name, about,
             r"^v\.yaml:{at:%s}: error: duplicate key '%s' \(first written at line %d\)" % (at, key_name, line),
             {'v.yaml': text})
    # A flow collection never closed: yaml-cpp names the bracket it wanted and where the collection opened.
    for name, about, bracket, kind, opened, text in [
            ('unclosed-flow-sequence', 'a [ never closed', r'\]', 'sequence', r'line 7, column 27\)',
             vault(spec=SKU + '  networkAcls: { ipRules: [ { value: 10.0.0.1 }\n')),
            ('unclosed-flow-mapping', 'a { never closed', '}', 'mapping', 'line 6, column 8',
             vault(spec='  sku: { family: A, name: standard\n'))]:
        case(c + name, about,
             r"^v\.yaml:\d+:\d+: error: invalid YAML: did not find expected ',' or '%s' \(while parsing a flow %s at %s"
             % (bracket, kind, opened), {'v.yaml': text})
    # The rest, one message each: (name, about, error, v.yaml).
    table = [
        ('tag-directive-after-content', 'a %TAG directive after document content',
         r'^v\.yaml:{at:%TAG}: error: a YAML directive after document content',
         vault() + '%TAG ! tag:example.com,2000:\n'),
        ('yaml-directive-after-document-start', 'a %YAML directive after ---, without ...',
         r'^v\.yaml:3:1: error: a YAML directive after document content',
         '# first\n---\n%YAML 1.2\n---\n' + vault()),
        ('repeated-yaml-directive', 'two %YAML directives for one document',
         r'^v\.yaml:2:1: error: invalid YAML: found duplicate %YAML directive',
         '%YAML 1.2\n%YAML 1.2\n---\n' + vault()),
        ('complex-key', 'a sequence used as a mapping key',
         r'^v\.yaml:{at:[a, b]}: error: mapping keys must be plain strings',
         vault() + '  ? [a, b]\n  : c\n'),
        ('unknown-tag', 'a CloudFormation-style !Ref tag',
         r"^v\.yaml:4:9: error: unsupported YAML tag '!Ref'",
         API + 'kind: Vault\nmetadata:\n  name: !Ref VaultName\nspec:\n' + SKU),
        ('binary-tag', 'a !!binary scalar',
         r"^v\.yaml:{at:!!binary}: error: unsupported YAML tag 'tag:yaml.org,2002:binary'",
         vault(spec=SKU + '  tags: !!binary aGVsbG8=\n')),
        ('integer-overflow', 'an integer that does not fit 64 bits',
         r'^v\.yaml:{at:99999}: error: integer 99999999999999999999999 is out of range',
         vault(spec=SKU + '  softDeleteRetentionInDays: 99999999999999999999999\n')),
        ('undefined-alias', 'an alias with no anchor',
         r'^v\.yaml:{at:*nope}: error: the alias \*nope names no anchor before it',
         vault(spec='  sku: *nope\n')),
        ('merge-key', 'a YAML 1.1 merge key (<<), which YAML 1.2 does not have',
         r"^v\.yaml:{at:<<}: error: spec: unknown field '<<'",
         vault(spec=SKU) + '  location: westeurope\n  <<: { tags: { a: b } }\n'),
        ('document-is-a-list', 'a document that is a list',
         r'^v\.yaml:1:1: error: a manifest document must be a mapping',
         '- apiVersion: keyward.dev/v1alpha1\n- kind: Vault\n'),
        ('document-is-a-scalar', 'a document that is one word',
         r'^v\.yaml:1:1: error: a manifest document must be a mapping',
         'hello\n'),
        ('document-end-then-garbage', 'content after a document end marker without ---',
         r'^v\.yaml:\d+:\d+: error: (invalid YAML|a manifest document must be a mapping)',
         vault() + '...\n- stray\n'),
    ]
    for name, about, error, text in table:
        case(c + name, about, error, {'v.yaml': text})


def yaml_bombs():
    c = 'bomb-'
    laughs = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n'
    prev = 'a'
    for name in 'bcdefgh':
        laughs += '%s: &%s [%s]\n' % (name, name, ', '.join(['*' + prev] * 10))
        prev = name
    case(c + 'billion-laughs', 'aliases expanding to 10^8 nodes',
         r'^v\.yaml:\d+:\d+: error: document has more than 100000 nodes',
         {'v.yaml': vault(spec=SKU + '  tags:\n' + ''.join('    ' + l for l in laughs.splitlines(True)))})
    case(c + 'long-string-aliased', 'one 1 MB string aliased 100 times (64 MiB of text)',
         r'^v\.yaml:\d+:\d+: error: file expands to more than 64 MiB of text',
         {'v.yaml.in': vault(spec=SKU + '  tags: { a: &s "%s" }\n  x: [%s]\n' % (
             repeat('x', 1 << 20), ', '.join(['*s'] * 100)))})
    case(c + 'self-referential-alias', 'an anchored list that contains itself',
         r'^v\.yaml:{at:*t}: error: the alias \*t is inside the node it names',
         {'v.yaml': vault(spec=SKU + '  tags: &t [ *t ]\n')})
    case(c + 'many-documents-of-aliases', 'documents each under the per-document limit, over the per-file one',
         r'^v\.yaml:\d+:\d+: error: file has more than 1000000 nodes',
         {'v.yaml': ''.join('---\na: &a [%s]\nb: &b [%s]\nc: [%s]\n' % (
             ', '.join(['x'] * 100), ', '.join(['*a'] * 30), ', '.join(['*b'] * 30))
             for _ in range(12))})
    case(c + 'deep-flow-nesting', '100,000 nested [ (yaml-cpp recursion)',
         r'^v\.yaml:\d+:\d+: error: (invalid YAML|nesting deeper)',
         {'v.yaml.in': vault(spec=SKU + '  tags: %s%s\n' % (repeat('[', 100000), repeat(']', 100000)))})
    case(c + 'deep-flow-mapping-nesting', '50,000 nested {a:',
         r'^v\.yaml:\d+:\d+: error: (invalid YAML|nesting deeper)',
         {'v.yaml.in': vault(spec=SKU + '  tags: %sb%s\n' % (repeat('{a: ', 50000), repeat('}', 50000)))})
    case(c + 'wide-alias-fanout', 'one anchor of 1,000 items aliased 200 times',
         r'^v\.yaml:\d+:\d+: error: document has more than 100000 nodes',
         {'v.yaml': vault(spec=SKU + '  tags: { a: &w [%s] }\n  x: [%s]\n' % (
             ', '.join(['y'] * 1000), ', '.join(['*w'] * 200)))})
    case(c + 'alias-in-keyward-yaml', 'an alias bomb in keyward.yaml',
         r'^keyward\.yaml:\d+:\d+: error: document has more than 100000 nodes',
         {'v.yaml': vault()}, config=CONFIG + 'x:\n' + ''.join('  ' + l for l in laughs.splitlines(True)))


def nesting():
    c = 'nesting-'
    deep = ''.join('  ' * (i + 1) + 'k%d:\n' % i for i in range(70))
    case(c + 'block-70-levels', 'block mappings 70 levels deep',
         r'^v\.yaml:\d+:\d+: error: nesting deeper than 64 levels',
         {'v.yaml': vault(spec=SKU + '  tags:\n' + ''.join('  ' + l for l in deep.splitlines(True)))})
    case(c + 'flow-70-levels', 'flow lists 70 levels deep',
         r'^v\.yaml:\d+:\d+: error: nesting deeper than 64 levels',
         {'v.yaml': vault(spec=SKU + '  tags: %s%s\n' % ('[' * 70, ']' * 70))})
    case(c + 'in-keyward-yaml', 'keyward.yaml nested 70 levels',
         r'^keyward\.yaml:\d+:\d+: error: nesting deeper than 64 levels',
         {'v.yaml': vault()}, config=CONFIG + 'x: %s%s\n' % ('[' * 70, ']' * 70))
    case(c + 'sequence-of-sequences', 'block sequences 70 levels deep',
         r'^v\.yaml:\d+:\d+: error: nesting deeper than 64 levels',
         {'v.yaml': vault(spec=SKU + '  tags:\n' + ''.join('  ' * (i + 2) + '-\n' for i in range(70)) + '  ' * 72 + 'x\n')})
    case(c + 'deep-but-valid-yaml-in-spec', 'deep nesting where the schema wants a string',
         r"^v\.yaml:{at:{ b:}: error: spec\.tags\.a: expected a string, got mapping",
         {'v.yaml': vault(spec=SKU + '  tags: { a: { b: { c: { d: { e: f } } } } }\n')})


def types():
    c = 'type-'
    table = [
        ('kind-integer', 'kind: 5', vault().replace('kind: Vault', 'kind: 5'),
         r'^v\.yaml:2:7: error: kind: expected a string, got integer 5'),
        ('api-version-number', 'apiVersion: 1', vault().replace('apiVersion: keyward.dev/v1alpha1', 'apiVersion: 1'),
         r'^v\.yaml:1:13: error: apiVersion: expected a string, got integer 1'),
        ('metadata-list', 'metadata is a list', API + 'kind: Vault\nmetadata: [corpus-kv]\nspec:\n' + SKU,
         r'^v\.yaml:3:11: error: metadata: expected a mapping, got list'),
        ('spec-string', 'spec is a string', API + 'kind: Vault\nmetadata:\n  name: corpus-kv\nspec: premium\n',
         r'^v\.yaml:5:7: error: spec: expected a mapping, got string "premium"'),
        ('sku-string', 'sku is a string', vault(spec='  sku: premium\n'),
         r'^v\.yaml:6:8: error: spec\.sku: expected a mapping, got string "premium"'),
        ('yaml11-boolean', 'yes as a boolean', vault(spec=SKU + '  enableRbacAuthorization: yes\n'),
         r'^v\.yaml:7:28: error: spec\.enableRbacAuthorization: expected a boolean, got string "yes" \(keyward reads YAML 1\.2'),
        ('quoted-integer', '"90" as an integer', vault(spec=SKU + '  softDeleteRetentionInDays: "90"\n'),
         r'^v\.yaml:7:30: error: spec\.softDeleteRetentionInDays: expected an integer, got string "90" \(remove the quotes'),
        ('float-for-integer', '90.5 days', vault(spec=SKU + '  softDeleteRetentionInDays: 90.5\n'),
         r'^v\.yaml:7:30: error: spec\.softDeleteRetentionInDays: expected an integer, got number 90\.5'),
        ('tag-value-integer', 'a tag value that is a number', vault(spec=SKU + '  tags: { cost: 42 }\n'),
         r'^v\.yaml:7:17: error: spec\.tags\.cost: expected a string, got integer 42'),
        ('ip-rules-mapping', 'ipRules as a mapping', vault(spec=SKU + '  networkAcls: { ipRules: { value: 1.2.3.4 } }\n'),
         r'^v\.yaml:7:27: error: spec\.networkAcls\.ipRules: expected a list, got mapping'),
        ('name-integer', 'a numeric name', vault(name='12345'),
         r'^v\.yaml:4:9: error: metadata\.name: expected a string, got integer 12345'),
        ('name-null', 'an empty name', vault(name=''),
         r'^v\.yaml:4:3: error: metadata\.name: expected a string, got null'),
        ('depends-on-string', 'dependsOn as a string', vault(meta='  dependsOn: Vault/other\n'),
         r'^v\.yaml:5:14: error: metadata\.dependsOn: expected a list, got string'),
        ('annotation-list', 'an annotation whose value is a list', vault(meta='  annotations: { note: [a] }\n'),
         r'^v\.yaml:5:24: error: metadata\.annotations\.note: expected a string, got list'),
        ('label-mapping', 'a label whose value is a mapping', vault(meta='  labels: { team: { a: b } }\n'),
         r'^v\.yaml:5:19: error: metadata\.labels\.team: expected a string, got mapping'),
        ('permissions-string', 'permissions.secrets as a string',
         policy(spec='  vault: corpus-kv\n  objectId: %s\n  permissions: { secrets: get }\n' % OBJECT),
         r'^v\.yaml:{at:get }: error: spec\.permissions\.secrets: expected a list, got string "get"'),
        ('key-size-string', 'keySize "2048"', key(spec='  vault: corpus-kv\n  kty: RSA\n  keySize: "2048"\n'),
         r'^v\.yaml:8:12: error: spec\.keySize: expected an integer, got string "2048"'),
        ('admins-string', 'initialAdminObjectIds as one string', hsm(spec='  initialAdminObjectIds: %s\n' % OBJECT),
         r'^v\.yaml:6:26: error: spec\.initialAdminObjectIds: expected a list, got string'),
        ('regions-integer', 'an HSM region that is a number', hsm(spec='  initialAdminObjectIds: [ %s ]\n  regions: [ 5 ]\n' % OBJECT),
         r'^v\.yaml:7:14: error: spec\.regions\[0\]: expected a string or a mapping, got integer 5'),
        ('attribute-enabled-string', 'attributes.enabled "true"',
         secret(spec='  vault: corpus-kv\n  valueFrom: { env: CORPUS_SECRET }\n  attributes: { enabled: "true" }\n'),
         r'^v\.yaml:{at:"true"}: error: spec\.attributes\.enabled: expected a boolean, got string "true" \(keyward reads YAML 1\.2'),
        ('value-from-string', 'valueFrom as a string', secret(spec='  vault: corpus-kv\n  valueFrom: CORPUS_SECRET\n'),
         r'^v\.yaml:7:14: error: spec\.valueFrom: expected a mapping, got string'),
        ('parallelism-string', 'policies.parallelism "8"', None,
         r'^keyward\.yaml:8:16: error: policies\.parallelism: expected an integer, got string "8"'),
    ]
    for name, about, text, error in table:
        if text is None:
            case(c + name, about, error, {'v.yaml': vault()},
                 config=CONFIG + 'policies:\n  parallelism: "8"\n')
        else:
            case(c + name, about, error, {'v.yaml': text})


def names():
    c = 'name-'
    table = [
        ('vault-too-short', vault(name='kv'), r'metadata\.name: "kv" is shorter than the minimum of 3 characters'),
        ('vault-too-long', vault(name='a' * 25), r'metadata\.name: is 25 characters long, more than the maximum of 24'),
        ('vault-starts-with-digit', vault(name='1corpus'), r'metadata\.name: "1corpus" is not a valid vault name'),
        ('vault-double-hyphen', vault(name='corpus--kv'), r'metadata\.name: "corpus--kv" is not a valid vault name'),
        ('vault-trailing-hyphen', vault(name='corpus-'), r'metadata\.name: "corpus-" is not a valid vault name'),
        ('vault-underscore', vault(name='corpus_kv'), r'metadata\.name: "corpus_kv" is not a valid vault name'),
        ('vault-unicode', vault(name='k\u00e4se-kv'), 'metadata\\.name: "k\u00e4se-kv" is not a valid vault name'),
        ('hsm-double-hyphen', hsm(name='corpus--hsm'), r'metadata\.name: "corpus--hsm" is not a valid managed HSM name'),
        ('secret-underscore', vault() + '---\n' + secret(name='db_password'),
         r'metadata\.name: "db_password" is not a valid secret name'),
        ('secret-too-long', vault() + '---\n' + secret(name='s' * 128), r'metadata\.name: is 128 characters long, more than the maximum of 127'),
        ('key-dot', vault() + '---\n' + key(name='cmk.v1'), r'metadata\.name: "cmk\.v1" is not a valid key name'),
        ('policy-slash', vault() + '---\n' + policy(name='team/app'), r'metadata\.name: "team/app" must be non-empty without'),
        ('pec-space', vault() + '---\n' + pec(name='my app'), r'metadata\.name: "my app" must be a non-empty name without'),
        ('group-trailing-dot', group(name='rg-corpus.'), r"metadata\.name: \"rg-corpus\.\" must be 1-90 letters.*must not end with '\.'"),
        ('group-slash', group(name='rg/corpus'), r'metadata\.name: "rg/corpus" must be 1-90'),
        ('group-too-long', group(name='g' * 91), r'metadata\.name: is 91 characters long, more than the maximum of 90'),
        ('unknown-kind-name-long', API + 'kind: Mystery\nmetadata:\n  name: x\nspec: {}\n', r"unknown kind 'Mystery'"),
    ]
    for name, text, error in table:
        case(c + name, 'a name ARM refuses: ' + name.replace('-', ' '),
             r'^v\.yaml:\d+:\d+: error: ' + error, {'v.yaml': text})
    for what, text, error in [
            ('vault-40kb', vault(name=repeat('a', 40000)), r'metadata\.name: is 40000 characters long'),
            ('group-40kb', group(name=repeat('g', 40000)), r'metadata\.name: is 40000 characters long'),
            ('policy-40kb', vault() + '---\n' + policy(name=repeat('p', 40000)), r'metadata\.name: is 40000 characters long'),
            ('depends-on-40kb', vault(meta='  dependsOn: [ Vault/%s ]\n' % repeat('d', 40000)),
             r'metadata\.dependsOn\[0\]: is 40006 characters long'),
            ('tag-name-40kb', vault(spec=SKU + '  tags:\n    ? %s\n    : x\n' % repeat('t', 40000)),
             r"spec\.tags: key 'ttttt.*\.\.\.' is 40000 characters long, more than the maximum of 512")]:
        case(c + what, 'a 40 KB string where a short name belongs (crashed std::regex before)',
             r'^v\.yaml:\d+:\d+: error: ' + error, {'v.yaml.in': text})
    case(c + 'stack-too-long', 'a stack name longer than an ARM tag value',
         r'^keyward\.yaml:1:8: error: stack: is 300 characters long, more than the maximum of 256',
         {'v.yaml': vault(), 'keyward.yaml': CONFIG.replace('stack: corpus', 'stack: ' + 's' * 300)})
    case(c + 'stack-slash', 'a stack name with a character tag values may not hold',
         r'^keyward\.yaml:1:8: error: stack: "team/corpus" is used as an ARM tag value',
         {'v.yaml': vault(), 'keyward.yaml': CONFIG.replace('stack: corpus', 'stack: team/corpus')})
    case(c + 'stack-40kb-in', 'a 40 KB stack name',
         r'^keyward\.yaml:1:8: error: stack: is 40000 characters long',
         {'v.yaml': vault(), 'keyward.yaml.in': CONFIG.replace('stack: corpus', 'stack: ' + repeat('s', 40000))},
         config=None)


def guids():
    c = 'guid-'
    table = [
        ('tenant-not-guid', vault(spec=SKU + '  tenantId: contoso.onmicrosoft.com\n'),
         r'^v\.yaml:7:13: error: spec\.tenantId: "contoso\.onmicrosoft\.com" must be a GUID'),
        ('object-id-name', vault() + '---\n' + policy(spec='  vault: corpus-kv\n  objectId: bob\n  permissions: { keys: [get] }\n'),
         r'^v\.yaml:{at:bob}: error: spec\.objectId: "bob" must be a GUID'),
        ('object-id-empty', vault() + '---\n' + policy(spec='  vault: corpus-kv\n  objectId: ""\n  permissions: { keys: [get] }\n'),
         r'^v\.yaml:{at:""}: error: spec\.objectId: "" must be a GUID'),
        ('application-id-short', vault() + '---\n' + policy(spec='  vault: corpus-kv\n  objectId: %s\n  applicationId: 1234\n  permissions: { keys: [get] }\n' % OBJECT),
         r'^v\.yaml:{at:1234}: error: spec\.applicationId: expected a string, got integer 1234'),
        ('subscription-not-guid', vault(meta='  subscription: my-subscription\n'),
         r'^v\.yaml:5:17: error: metadata\.subscription: "my-subscription" must be a GUID'),
        ('tenant-braces', vault(spec=SKU + '  tenantId: "{%s}"\n' % TENANT),
         r'^v\.yaml:7:13: error: spec\.tenantId: "\{72f988bf.*must be a GUID'),
        ('tenant-too-long', vault(spec=SKU + '  tenantId: %s-0000\n' % TENANT),
         r'^v\.yaml:7:13: error: spec\.tenantId: is 41 characters long, more than the maximum of 36'),
        ('admin-not-guid', hsm(spec='  initialAdminObjectIds: [ admin@contoso.com ]\n'),
         r'^v\.yaml:6:28: error: spec\.initialAdminObjectIds\[0\]: "admin@contoso\.com" must be a GUID'),
        ('admins-duplicate', hsm(spec='  initialAdminObjectIds: [ %s, %s ]\n' % (OBJECT, OBJECT.upper()) ),
         None),
        ('default-tenant-not-guid', None, r'^keyward\.yaml:6:13: error: defaults\.tenantId: "common" must be a GUID'),
        ('default-subscription-not-guid', None, r'^keyward\.yaml:3:17: error: defaults\.subscription: "production" must be a GUID'),
    ]
    for name, text, error in table:
        if name == 'admins-duplicate':
            text = hsm(spec='  initialAdminObjectIds: [ %s, %s ]\n' % (OBJECT, OBJECT))
            error = r'^v\.yaml:6:66: error: spec\.initialAdminObjectIds: item 1 "5b0e1f2a.*repeats item 0'
        if text is None:
            config = CONFIG.replace(TENANT, 'common') if 'tenant' in name else CONFIG.replace(SUB, 'production')
            case(c + name, 'a non-GUID in keyward.yaml: ' + name, error, {'v.yaml': vault()}, config=config)
        else:
            case(c + name, 'a non-GUID where ARM wants one: ' + name.replace('-', ' '), error, {'v.yaml': text})


def locations():
    c = 'location-'
    table = [
        ('mars', vault(spec=SKU + '  location: mars\n'), r'^v\.yaml:7:13: error: spec\.location: "mars" is not an Azure region keyward knows'),
        ('typo', vault(spec=SKU + '  location: westeurop\n'), r"^v\.yaml:7:13: error: spec\.location: \"westeurop\" is not an Azure region keyward knows; did you mean 'westeurope'\?"),
        ('empty', vault(spec=SKU + '  location: ""\n'), r'^v\.yaml:7:13: error: spec\.location: must not be empty'),
        ('display-name-typo', vault(spec=SKU + '  location: West Europa\n'), r'^v\.yaml:7:13: error: spec\.location: "West Europa" is not an Azure region'),
        ('too-long', vault(spec=SKU + '  location: %s\n' % ('west' * 20)), r'^v\.yaml:7:13: error: spec\.location: is 80 characters long, more than the maximum of 64'),
        ('group-mars', group(spec='  location: mars\n'), r'^v\.yaml:6:13: error: spec\.location: "mars" is not an Azure region'),
        ('hsm-region-mars', hsm(spec='  initialAdminObjectIds: [ %s ]\n  regions: [ northeurope, mars ]\n' % OBJECT),
         r'^v\.yaml:7:27: error: spec\.regions\[1\]: "mars" is not an Azure region'),
        ('hsm-region-object-mars', hsm(spec='  initialAdminObjectIds: [ %s ]\n  regions: [ { name: mars } ]\n' % OBJECT),
         r'^v\.yaml:7:22: error: spec\.regions\[0\]\.name: "mars" is not an Azure region'),
    ]
    for name, text, error in table:
        case(c + name, 'a location ARM does not have: ' + name.replace('-', ' '), error, {'v.yaml': text})
    case(c + 'default-mars', 'defaults.location is not a region (reported in keyward.yaml)',
         r'^keyward\.yaml:5:13: error: defaults\.location: "mars" is not an Azure region',
         {'v.yaml': vault()}, config=CONFIG.replace('location: westeurope', 'location: mars'))
    case(c + 'extra-regions-not-list', 'extraRegions written as one string',
         r'^keyward\.yaml:7:15: error: extraRegions: expected a list, got string "marscentral"',
         {'v.yaml': vault()}, config=CONFIG + 'extraRegions: marscentral\n')
    case(c + 'extra-regions-bad-name', 'extraRegions with a character a region cannot have',
         r'^keyward\.yaml:7:17: error: extraRegions\[0\]: "mars/central" must be a region name',
         {'v.yaml': vault()}, config=CONFIG + 'extraRegions: [ mars/central ]\n')


def duplicates():
    c = 'duplicate-'
    case(c + 'vault-two-files', 'the same vault in two files',
         r'^w\.yaml:1:1: error: duplicate resource Vault/corpus-kv: defined at v\.yaml:1:1 and at w\.yaml:1:1',
         {'v.yaml': vault(), 'w.yaml': vault()})
    case(c + 'vault-one-file', 'the same vault twice in one file',
         r'^v\.yaml:{at:apiVersion#2}: error: duplicate resource Vault/corpus-kv: defined at v\.yaml:1:1 and at v\.yaml:{at:apiVersion#2}',
         {'v.yaml': vault() + '---\n' + vault()})
    case(c + 'vault-case', 'two vault names that differ only in case (ARM names do not)',
         r'^v\.yaml:{at:apiVersion#2}: error: duplicate resource Vault/Corpus-KV: defined at v\.yaml:1:1',
         {'v.yaml': vault() + '---\n' + vault(name='Corpus-KV')})
    case(c + 'access-policy-identity', 'two AccessPolicy manifests for one vault, tenant and object id',
         r'^v\.yaml:{at:apiVersion#3}: error: duplicate identity: AccessPolicy/corpus-kv/app2 and AccessPolicy/corpus-kv/app1 \(v\.yaml:{at:apiVersion#2}\) declare the same Azure resource /subscriptions/.*/accesspolicies/72f988bf-86f1-41af-91ab-2d7cd011db47/5b0e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b; keep one manifest for it',
         {'v.yaml': vault() + '---\n' + policy(name='app1') + '---\n' + policy(name='app2')})
    case(c + 'access-policy-identity-by-id', 'the same entry through a vault name and a vault id',
         r'^v\.yaml:{at:apiVersion#3}: error: duplicate identity: AccessPolicy/corpus-kv/by-id and AccessPolicy/corpus-kv/by-name \(v\.yaml:{at:apiVersion#2}\)',
         {'v.yaml': vault() + '---\n' + policy(name='by-name') + '---\n' +
          policy(name='by-id', spec='  vault: %s\n  objectId: %s\n  permissions: { keys: [get] }\n' % (VAULT_ID, OBJECT.upper()))})
    case(c + 'secret', 'the same secret twice',
         r'^v\.yaml:{at:apiVersion#3}: error: duplicate resource Secret/corpus-kv/db-password',
         {'v.yaml': vault() + '---\n' + secret() + '---\n' + secret()})
    case(c + 'key-by-name-and-id', 'a key declared by vault name and again by vault id',
         r'^v\.yaml:{at:apiVersion#3}: error: duplicate resource Key/corpus-kv/cmk',
         {'v.yaml': vault() + '---\n' + key() + '---\n' + key(spec='  vault: %s\n  kty: RSA\n' % VAULT_ID)})
    case(c + 'depends-on-items', 'the same address twice in dependsOn',
         r'^v\.yaml:{at:Vault/other-kv#2}: error: metadata\.dependsOn: item 1 "Vault/other-kv" repeats item 0; list each value once',
         {'v.yaml': vault(meta='  dependsOn: [ Vault/other-kv, Vault/other-kv ]\n') + '---\n' + vault(name='other-kv')})
    case(c + 'resource-group', 'the same resource group twice',
         r'^w\.yaml:1:1: error: duplicate resource ResourceGroup/rg-corpus',
         {'v.yaml': group(), 'w.yaml': group()})


def references():
    c = 'reference-'
    # spec.vault names a vault the set does not have (`at`: where it is written).
    dangling = r'^v\.yaml:%s: error: dangling reference: spec\.vault refers to '
    for name, about, at, refers, text in [
            ('secret-vault-missing', 'a secret naming a vault that is not in the set', '6:10',
             'Vault/corpus-kv, which is not in this manifest set', secret()),
            ('key-vault-missing', 'a key naming a vault that is not in the set', '6:10', 'Vault/corpus-kv', key()),
            ('policy-vault-missing', 'an access policy naming a vault that is not in the set', '6:10',
             'Vault/corpus-kv', policy()),
            ('pec-vault-missing', 'a private endpoint connection naming a vault not in the set', '6:10',
             'Vault/corpus-kv', pec()),
            ('secret-other-resource-group',
             'a secret in another resource group than its vault (docs promise a dangling reference)',
             '{at:corpus-kv#2}',
             r'/subscriptions/.*/resourceGroups/rg-other/providers/Microsoft\.KeyVault/vaults/corpus-kv, but Vault/corpus-kv in this manifest set is .*/resourceGroups/rg-corpus/.* \(v\.yaml:1:1\)',
             vault() + '---\n' + secret(meta='  resourceGroup: rg-other\n')),
            ('key-other-resource-group', 'a key in another resource group than its vault', '{at:corpus-kv#2}',
             '.*rg-other.*, but Vault/corpus-kv', vault() + '---\n' + key(meta='  resourceGroup: rg-other\n')),
            ('policy-other-subscription', 'an access policy in another subscription than its vault',
             '{at:corpus-kv#2}', '/subscriptions/99999999-8888-4777-8666-555555555555/.*, but Vault/corpus-kv',
             vault() + '---\n' + policy(meta='  subscription: 99999999-8888-4777-8666-555555555555\n')),
            ('secret-by-id-other-group', 'a secret naming by id a vault the set declares elsewhere',
             '{at:/subscriptions/}', '.*rg-elsewhere.*, but Vault/corpus-kv',
             vault() + '---\n' + secret(spec='  vault: %s\n  valueFrom: { env: CORPUS_SECRET }\n' % VAULT_ID.replace('rg-corpus', 'rg-elsewhere')))]:
        case(c + name, about, dangling % at + refers, {'v.yaml': text})
    case(c + 'hsm-key-missing', 'a managed HSM key naming an HSM not in the set',
         r'^v\.yaml:6:15: error: dangling reference: spec\.managedHsm refers to ManagedHsm/corpus-hsm',
         {'v.yaml': key(kind='ManagedHsmKey', spec='  managedHsm: corpus-hsm\n  kty: RSA\n')})
    case(c + 'depends-on-missing', 'dependsOn names an address not in the set',
         r"^v\.yaml:5:16: error: Vault/corpus-kv: dependsOn 'Vault/nowhere-kv' is not a resource in this manifest set",
         {'v.yaml': vault(meta='  dependsOn: [ Vault/nowhere-kv ]\n')})
    case(c + 'depends-on-malformed', 'dependsOn entry that is not an address',
         r'^v\.yaml:5:16: error: metadata\.dependsOn\[0\]: "nowhere" must be an address such as Vault/payments-kv',
         {'v.yaml': vault(meta='  dependsOn: [ nowhere ]\n')})
    case(c + 'vault-reference-malformed', 'spec.vault that is neither a name nor a vault id',
         r'^v\.yaml:6:10: error: spec\.vault: "vaults/corpus-kv" must be a vault name or a vault id',
         {'v.yaml': secret(spec='  vault: vaults/corpus-kv\n  valueFrom: { env: CORPUS_SECRET }\n')})
    case(c + 'vault-id-of-storage', 'spec.vault that is the id of a storage account',
         r'^v\.yaml:{at:/subscriptions/}: error: spec\.vault: "/subscriptions/.*\.\.\. must be a vault name or a vault id',
         {'v.yaml': key(spec='  vault: /subscriptions/%s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa\n  kty: RSA\n' % SUB)})
    case(c + 'private-endpoint-not-endpoint', 'privateEndpointId that is a network interface',
         r'^v\.yaml:{at:/subscriptions/}: error: spec\.privateEndpointId: .* must be a private endpoint ARM id',
         {'v.yaml': vault() + '---\n' + pec(spec='  vault: corpus-kv\n  privateEndpointId: /subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic\n  status: Approved\n' % SUB)})


def cycles():
    c = 'cycle-'
    case(c + 'two-vaults', 'two vaults that depend on each other',
         r'^v\.yaml:1:1: error: dependency cycle: Vault/a-kv -> Vault/b-kv -> Vault/a-kv',
         {'v.yaml': vault(name='a-kv', meta='  dependsOn: [ Vault/b-kv ]\n') + '---\n' + vault(name='b-kv', meta='  dependsOn: [ Vault/a-kv ]\n')})
    case(c + 'self', 'a vault that depends on itself',
         r'^v\.yaml:1:1: error: dependency cycle: Vault/corpus-kv -> Vault/corpus-kv',
         {'v.yaml': vault(meta='  dependsOn: [ Vault/corpus-kv ]\n')})
    case(c + 'three', 'a cycle through three vaults',
         r'^v\.yaml:\d+:1: error: dependency cycle: Vault/.-kv -> Vault/.-kv -> Vault/.-kv -> Vault/.-kv',
         {'v.yaml': vault(name='a-kv', meta='  dependsOn: [ Vault/b-kv ]\n') + '---\n' +
          vault(name='b-kv', meta='  dependsOn: [ Vault/c-kv ]\n') + '---\n' +
          vault(name='c-kv', meta='  dependsOn: [ Vault/a-kv ]\n')})
    case(c + 'through-reference', 'a vault that depends on a secret inside it',
         r'^v\.yaml:\d+:1: error: dependency cycle: .*Secret/corpus-kv/db-password.*Vault/corpus-kv',
         {'v.yaml': vault(meta='  dependsOn: [ Secret/corpus-kv/db-password ]\n') + '---\n' + secret()})


def secret_sources():
    c = 'secret-'
    fingerprint = 'KEYWARD_FINGERPRINT_KEY=corpus-fingerprint-key'
    owner = 'Secret/corpus-kv/db-password: '

    def in_vault(value_from='{ env: CORPUS_SECRET }', more='', beside=()):
        """v.yaml with the vault and db-password in it (its valueFrom, then the spec lines `more`),
        and the files `beside` it."""
        files = {'v.yaml': vault() + '---\n' + secret(spec='  vault: corpus-kv\n  valueFrom: %s\n%s' % (value_from, more))}
        files.update(beside)
        return files

    # Refused by validate: the manifest alone is wrong. `at` is where (see locate).
    for name, about, at, message, files in [
            ('value-from-missing', 'a secret without valueFrom', 'vault: corpus-kv',
             owner + r'spec\.valueFrom is required', {'v.yaml': vault() + '---\n' + secret(spec='  vault: corpus-kv\n')}),
            ('env-and-file', 'valueFrom with both env and file (plan caught it, validate did not)', '{ env',
             owner + r'spec\.valueFrom must have exactly one of env and file, not both',
             in_vault('{ env: CORPUS_SECRET, file: secret.txt }', beside={'secret.txt': 'value\n'})),
            ('neither-env-nor-file', 'valueFrom with only placeholder', '{ placeholder',
             owner + r'spec\.valueFrom must have exactly one of env and file$', in_vault('{ placeholder: true }')),
            ('placeholder-with-file', 'placeholder (an export marker) on a file source', '{ file',
             owner + r'spec\.valueFrom\.placeholder goes with env only',
             in_vault('{ file: s.txt, placeholder: true }', beside={'s.txt': 'v\n'})),
            ('env-bad-name', 'an environment variable name that cannot exist', '1-SECRET',
             r'spec\.valueFrom\.env: "1-SECRET" must be an environment variable name', in_vault('{ env: 1-SECRET }')),
            ('file-empty-path', 'an empty file path', '""', r'spec\.valueFrom\.file: must not be empty',
             in_vault('{ file: "" }')),
            ('unknown-source', 'valueFrom with a source keyward does not have', 'vault: other',
             r"spec\.valueFrom: unknown field 'vault' \(allowed: env, file, placeholder\)", in_vault('{ vault: other }')),
            ('reserved-tag', 'the tag keyward keeps the value fingerprint in', '{ keyward-value-hmac',
             owner + 'the tag keyward-value-hmac is reserved', in_vault(more='  tags: { keyward-value-hmac: x }\n'))]:
        case(c + name, about, r'^v\.yaml:{at:' + at + '}: error: ' + message, files)

    # Read at plan time only (validate never reads a value).
    unreadable = r'^v\.yaml:{at:CORPUS_SECRET}: error: ' + owner + \
        'cannot read the secret value: environment variable CORPUS_SECRET '
    case(c + 'env-unset', 'the environment variable is not set (plan)', unreadable + 'is not set',
         in_vault(), plan='emulator', commands='plan', env=[fingerprint])
    case(c + 'env-over-25kb', 'an environment value over Key Vault\'s 25 KB limit (plan)',
         unreadable + "holds more than 25600 bytes, Key Vault's limit for a secret value",
         in_vault(), plan='emulator', commands='plan', env=[fingerprint, 'CORPUS_SECRET=' + repeat('x', 30000)])
    case(c + 'env-empty', 'an environment variable that is set but empty (plan)', unreadable + 'is empty',
         in_vault(), commands='plan', env=[fingerprint, 'CORPUS_SECRET='])
    # A value file: named in the error, at the place the manifest names it.
    for name, about, file, why, options in [
            ('file-missing', 'the value file does not exist (plan)', 'missing.txt',
             r'cannot read the secret value: file .*missing\.txt', dict(commands='plan')),
            ('file-is-fifo', 'the value file is a FIFO: an error, not a read that waits forever', 'pipe.txt',
             r'file pipe\.txt is not a regular file', dict(setup=['fifo pipe.txt'])),
            ('file-is-dev-zero', 'the value file is a link to /dev/zero: an error, not an endless read', 'zero.txt',
             r'file zero\.txt resolves to /dev/zero: keyward never reads secret values from /proc, /sys or /dev',
             dict(setup=['symlink zero.txt /dev/zero'])),
            ('file-is-directory', 'the value file is a directory', 'dir.txt',
             r'file dir\.txt is not a regular file', dict(setup=['mkdir dir.txt'])),
            ('file-over-25kb', 'a value file over Key Vault\'s 25 KB limit', 'big.txt',
             r"file big\.txt is larger than 25600 bytes, Key Vault's limit for a secret value",
             dict(plan='emulator', beside={'big.txt.in': repeat('x', 30000)}))]:
        beside = options.pop('beside', ())
        case(c + name, about, r'^v\.yaml:{at:' + file + '}: error: ' + owner + why,
             in_vault('{ file: %s }' % file, beside=beside), env=[fingerprint], **options)


def sizes():
    c = 'size-'
    ip_rules = ', '.join(['{ value: 10.0.%d.%d }' % (i // 250, i % 250) for i in range(1001)])
    subnets = ', '.join(['{ id: /subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s%d }' % (SUB, i) for i in range(201)])
    tags = ', '.join(['t%d: v' % i for i in range(50)])
    table = [
        ('ip-rules-1001', vault(spec=SKU + '  networkAcls: { ipRules: [ %s ] }\n' % ip_rules),
         r'^v\.yaml:7:27: error: spec\.networkAcls\.ipRules: has 1001 items, more than the maximum of 1000'),
        ('subnets-201', vault(spec=SKU + '  networkAcls: { virtualNetworkRules: [ %s ] }\n' % subnets),
         r'^v\.yaml:7:39: error: spec\.networkAcls\.virtualNetworkRules: has 201 items, more than the maximum of 200'),
        ('tags-50', vault(spec=SKU + '  tags: { %s }\n' % tags),
         r'^v\.yaml:7:9: error: spec\.tags: has 50 entries, more than the maximum of 49'),
        ('tag-value-257', vault(spec=SKU + '  tags: { a: %s }\n' % ('v' * 257)),
         r'^v\.yaml:7:14: error: spec\.tags\.a: is 257 characters long, more than the maximum of 256'),
        ('tag-name-513', vault(spec=SKU + '  tags: { %s: v }\n' % ('n' * 513)),
         r"^v\.yaml:7:11: error: spec\.tags: key 'nnn.*' is 513 characters long, more than the maximum of 512"),
        ('tag-name-forbidden', vault(spec=SKU + '  tags: { "team/a": v }\n'),
         r"^v\.yaml:7:11: error: spec\.tags: key 'team/a' may not contain < > % & \\ \? / \(ARM tag names\)"),
        ('annotations-65', vault(meta='  annotations: { %s }\n' % ', '.join('a%d: v' % i for i in range(65))),
         r'^v\.yaml:5:16: error: metadata\.annotations: has 65 entries, more than the maximum of 64'),
        ('label-value-257', vault(meta='  labels: { team: %s }\n' % ('l' * 257)),
         r'^v\.yaml:5:19: error: metadata\.labels\.team: is 257 characters long'),
        ('depends-on-257', vault(meta='  dependsOn: [ %s ]\n' % ', '.join('Vault/v%d-kv' % i for i in range(257))),
         r'^v\.yaml:5:14: error: metadata\.dependsOn: has 257 items, more than the maximum of 256'),
        ('admins-65', hsm(spec='  initialAdminObjectIds: [ %s ]\n' % ', '.join('%08d-0000-0000-0000-000000000000' % i for i in range(65))),
         r'^v\.yaml:6:26: error: spec\.initialAdminObjectIds: has 65 items, more than the maximum of 64'),
        ('permissions-33', vault() + '---\n' + policy(spec='  vault: corpus-kv\n  objectId: %s\n  permissions: { keys: [ %s ] }\n' % (OBJECT, ', '.join(['get'] * 33))),
         r'^v\.yaml:{at:[ get}: error: spec\.permissions\.keys: has 33 items, more than the maximum of 32'),
        ('content-type-256', vault() + '---\n' + secret(spec='  vault: corpus-kv\n  valueFrom: { env: CORPUS_SECRET }\n  contentType: %s\n' % ('c' * 256)),
         r'^v\.yaml:{at:cccc}: error: spec\.contentType: is 256 characters long, more than the maximum of 255'),
        ('key-ops-9', vault() + '---\n' + key(spec='  vault: corpus-kv\n  kty: RSA\n  keyOps: [ %s ]\n' % ', '.join(['sign'] * 9)),
         r'^v\.yaml:{at:[ sign}: error: spec\.keyOps: has 9 items, more than the maximum of 8'),
        ('lifetime-actions-3', vault() + '---\n' + key(spec='  vault: corpus-kv\n  kty: RSA\n  rotationPolicy: { lifetimeActions: [ %s ] }\n' % ', '.join(['{ action: { type: rotate } }'] * 3)),
         r'^v\.yaml:{at:[ { action}: error: spec\.rotationPolicy\.lifetimeActions: has 3 items, more than the maximum of 2'),
        ('policy-name-128', vault() + '---\n' + policy(name='p' * 128),
         r'^v\.yaml:{at:pppp}: error: metadata\.name: is 128 characters long, more than the maximum of 127'),
    ]
    for name, text, error in table:
        case(c + name, 'more than ARM (or keyward) accepts: ' + name.replace('-', ' '), error, {'v.yaml': text})
    case(c + 'pec-description-1mb', 'a megabyte description',
         r'^v\.yaml:{at:@@repeat}: error: spec\.description: is 1048576 characters long, more than the maximum of 1024',
         {'v.yaml.in': vault() + '---\n' + pec(spec='  vault: corpus-kv\n  privateEndpointId: %s\n  status: Approved\n  description: %s\n' % (ENDPOINT, repeat('d', 1 << 20)))})
    case(c + 'release-policy-70kb', 'a 70 KB release policy',
         r'^v\.yaml:{at:@@repeat}: error: spec\.releasePolicy\.data: is 70000 characters long, more than the maximum of 65536',
         {'v.yaml.in': vault() + '---\n' + key(spec='  vault: corpus-kv\n  kty: RSA\n  releasePolicy: { data: %s }\n' % repeat('A', 70000))})
    case(c + 'manifest-over-4mib', 'a manifest file larger than 4 MiB',
         r'^big\.yaml: error: cannot read: .*big\.yaml: larger than 4 MiB, keyward\'s limit for one file',
         {'v.yaml': vault()}, setup=['big big.yaml 5000000'])
    case(c + 'keyward-yaml-over-4mib', 'a keyward.yaml larger than 4 MiB',
         r'^keyward\.yaml: error: cannot read: .*keyward\.yaml: larger than 4 MiB',
         {'v.yaml': vault()}, config=None, setup=['big keyward.yaml 4194305'])


def encodings():
    c = 'encoding-'
    def raw(name_bytes):
        return (API + 'kind: Vault\nmetadata:\n  name: ').encode() + name_bytes + ('\nspec:\n' + SKU).encode()
    table = [
        ('latin1-name', raw(b'k\xe4se-kv'), r'^v\.yaml:4:10: error: not valid UTF-8 \(byte 0xE4\); keyward reads manifests as UTF-8 only'),
        ('invalid-byte-ff', raw(b'corpus\xff'), r'^v\.yaml:4:15: error: not valid UTF-8 \(byte 0xFF\)'),
        ('truncated-sequence', raw(b'corpus\xe2\x82'), r'^v\.yaml:4:15: error: not valid UTF-8 \(byte 0xE2\)'),
        ('overlong-slash', raw(b'a\xc0\xafb'), r'^v\.yaml:4:10: error: not valid UTF-8 \(byte 0xC0\)'),
        ('encoded-surrogate', raw(b'a\xed\xa0\x80b'), r'^v\.yaml:4:10: error: not valid UTF-8 \(byte 0xED\)'),
        ('above-unicode', raw(b'a\xf4\x90\x80\x80b'), r'^v\.yaml:4:10: error: not valid UTF-8 \(byte 0xF4\)'),
        ('nul-byte', raw(b'corpus\x00kv'), r'^v\.yaml:4:15: error: a NUL byte \(is this a binary file\?\) is not allowed in a manifest'),
        ('control-char', raw(b'corpus\x01kv'), r'^v\.yaml:4:15: error: the control character U\+0001 is not allowed in a manifest'),
        ('escape-char', raw(b'corpus\x1b[31mkv'), r'^v\.yaml:4:15: error: the control character U\+001B'),
        ('delete-char', raw(b'corpus\x7fkv'), r'^v\.yaml:4:15: error: the control character U\+007F'),
        ('c1-control', raw(b'corpus\xc2\x9bkv'), r'^v\.yaml:4:15: error: the control character U\+009B'),
        ('noncharacter', raw(b'corpus\xef\xbf\xbf'), r'^v\.yaml:4:15: error: the noncharacter U\+FFFF'),
        ('next-line', raw(b'corpus\xc2\x85kv'), r'^v\.yaml:4:15: error: the line separator U\+0085 \(a line break to some YAML parsers only\)'),
        ('line-separator', raw(b'corpus\xe2\x80\xa8kv'), r'^v\.yaml:4:15: error: the line separator U\+2028'),
        ('escaped-nul', raw(b'"corpus\\0kv"'), r'^v\.yaml:4:9: error: this string holds a NUL byte'),
        ('escaped-bell', raw(b'"corpus\\akv"'), r'^v\.yaml:4:9: error: this string holds the control character U\+0007'),
        ('escaped-surrogate', raw(b'"corpus\\ud800"'), r'^v\.yaml:\d+:\d+: error: invalid YAML: found invalid Unicode character escape code \(while parsing a quoted scalar at line 4, column 9\)'),
        ('utf16-le-bom', '\ufeff'.encode('utf-16-le') + vault().encode('utf-16-le'), r'^v\.yaml:1:1: error: not valid UTF-8 \(byte 0xFF\): this looks like UTF-16; save the file as UTF-8'),
        ('utf16-be-bom', '\ufeff'.encode('utf-16-be') + vault().encode('utf-16-be'), r'^v\.yaml:1:1: error: not valid UTF-8 \(byte 0xFE\): this looks like UTF-16'),
        ('utf16-no-bom', vault().encode('utf-16-le'), r'^v\.yaml:1:2: error: a NUL byte'),
        ('cr-only-control-in-key', raw(b'ok') + b'\x0bx: y\n', r'^v\.yaml:7:1: error: the control character U\+000B'),
    ]
    for name, data, error in table:
        case(c + name, 'text that is not clean UTF-8: ' + name.replace('-', ' '), error, {'v.yaml': data})
    case(c + 'keyward-yaml-latin1', 'keyward.yaml in Latin-1',
         r'^keyward\.yaml:1:18: error: not valid UTF-8 \(byte 0xE9\)',
         {'v.yaml': vault(), 'keyward.yaml': CONFIG.replace('stack: corpus', 'stack: corpus-caf\xe9').encode('latin-1')}, config=None)


def binary_files():
    c = 'binary-'
    table = [
        ('gzip', b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00\x86\xa6\x10\x36\x05\x00\x00\x00',
         r'^v\.yaml:1:1: error: the control character U\+001F'),
        ('png', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR', r'^v\.yaml:1:1: error: not valid UTF-8 \(byte 0x89\)'),
        ('elf', b'\x7fELF\x02\x01\x01\x00' + bytes(8), r'^v\.yaml:1:1: error: the control character U\+007F'),
        ('zip', b'PK\x03\x04\x14\x00\x00\x00\x08\x00', r'^v\.yaml:1:3: error: the control character U\+0003'),
        ('random-bytes', bytes((i * 73 + 41) % 256 for i in range(512)), r'^v\.yaml:\d+:\d+: error: (not valid UTF-8|the control character|a NUL byte)'),
        ('all-nul', bytes(64), r'^v\.yaml:1:1: error: a NUL byte'),
    ]
    for name, data, error in table:
        case(c + name, 'a binary file named like a manifest: ' + name, error, {'v.yaml': data})
    case(c + 'keyward-yaml', 'a binary keyward.yaml', r'^keyward\.yaml:1:1: error: (a NUL byte|not valid UTF-8)',
         {'v.yaml': vault(), 'keyward.yaml': bytes(16)}, config=None)
    case('empty-manifest-with-bad-sibling', 'an empty manifest file beside a broken one',
         r"^w\.yaml:4:9: error: unsupported YAML tag '!Ref'",
         {'v.yaml': '', 'w.yaml': API + 'kind: Vault\nmetadata:\n  name: !Ref x\nspec:\n' + SKU})


def keyward_yaml():
    c = 'config-'
    table = [
        ('unknown-field', CONFIG + 'prune: true\n', r"^keyward\.yaml:7:1: error: unknown field 'prune'"),
        ('stack-integer', CONFIG.replace('stack: corpus', 'stack: 42'), r'^keyward\.yaml:1:8: error: stack: expected a string, got integer 42'),
        ('parallelism-zero', CONFIG + 'policies: { parallelism: 0 }\n', r'^keyward\.yaml:7:26: error: policies\.parallelism: 0 is less than the minimum 1'),
        ('parallelism-65', CONFIG + 'policies: { parallelism: 65 }\n', r'^keyward\.yaml:7:26: error: policies\.parallelism: 65 is greater than the maximum 64'),
        ('soft-delete-enum', CONFIG + 'policies: { softDelete: purge }\n', r'^keyward\.yaml:7:25: error: policies\.softDelete: "purge" is not one of: recover, purge-then-create'),
        ('reconcile-policy-enum', CONFIG + 'policies: { reconcilePolicy: ignore }\n', r'^keyward\.yaml:7:30: error: policies\.reconcilePolicy: "ignore" is not one of'),
        ('prune-string', CONFIG + 'policies: { prune: "yes" }\n', r'^keyward\.yaml:7:20: error: policies\.prune: expected a boolean, got string "yes"'),
        ('fingerprint-env-bad', CONFIG + 'secrets: { fingerprintKeyEnv: "MY KEY" }\n', r'^keyward\.yaml:7:31: error: secrets\.fingerprintKeyEnv: "MY KEY" does not match the pattern'),
        ('on-prune-enum', CONFIG + 'secrets: { onPrune: delete }\n', r'^keyward\.yaml:7:21: error: secrets\.onPrune: "delete" is not one of: unsupported, disable'),
        ('defaults-unknown', CONFIG + '  region: westeurope\n', r"^keyward\.yaml:7:3: error: defaults: unknown field 'region'"),
        ('is-a-list', '- stack: corpus\n', r'^keyward\.yaml:1:1: error: expected a mapping, got list'),
        ('two-documents', CONFIG + '---\nstack: other\n', r'^keyward\.yaml:8:1: error: keyward\.yaml must hold a single document'),
        ('resource-group-bad', CONFIG.replace('resourceGroup: rg-corpus', 'resourceGroup: rg.'), r"^keyward\.yaml:4:18: error: defaults\.resourceGroup: \"rg\.\" must be 1-90"),
    ]
    for name, config, error in table:
        case(c + name, 'a keyward.yaml keyward cannot use: ' + name.replace('-', ' '), error,
             {'v.yaml': vault()}, config=config)
    case(c + 'yaml-and-yml', 'both keyward.yaml and keyward.yml',
         r'^keyward\.yml: error: both keyward\.yaml and keyward\.yml exist; keep one',
         {'v.yaml': vault(), 'keyward.yml': CONFIG})
    case(c + 'different-stacks', 'two manifest paths of different stacks',
         r"^b/keyward\.yaml:1:1: error: manifest paths belong to different stacks: 'corpus' \(a\) and 'other' \(b\)",
         {'a/v.yaml': vault(), 'a/keyward.yaml': CONFIG, 'b/w.yaml': vault(name='other-kv'),
          'b/keyward.yaml': CONFIG.replace('stack: corpus', 'stack: other')}, config=None, args='a b')


def file_system():
    c = 'fs-'
    # A file keyward must not read: `setup` makes it; the error names it and says why.
    fifo = r'is a FIFO \(named pipe\), not a regular file'
    for name, about, file, setup, why, options in [
            ('fifo-manifest', 'a FIFO named like a manifest: an error, not a read that waits forever',
             'pipe.yaml', 'fifo pipe.yaml', fifo, {}),
            ('dev-zero-manifest', 'a manifest that is a link to /dev/zero: an error, not an endless read',
             'zero.yaml', 'symlink zero.yaml /dev/zero', 'is a character device, not a regular file', {}),
            ('symlink-self-file', 'a manifest link that points at itself',
             'self.yaml', 'symlink self.yaml self.yaml', 'too many levels of symbolic links', {}),
            ('dangling-symlink', 'a manifest link to nothing',
             'gone.yaml', 'symlink gone.yaml nowhere.yaml', 'no such file', {}),
            ('fifo-argument', 'a FIFO given on the command line',
             'pipe.yaml', 'fifo pipe.yaml', fifo, dict(args='pipe.yaml')),
            ('dev-zero-argument', '/dev/zero given on the command line (through a link)',
             'zero.yaml', 'symlink zero.yaml /dev/zero', 'is a character device', dict(args='zero.yaml')),
            ('fifo-keyward-yaml', 'keyward.yaml is a FIFO',
             'keyward.yaml', 'fifo keyward.yaml', 'is a FIFO', dict(config=None))]:
        case(c + name, about, r'^%s: error: cannot read: .*%s: %s' % (re.escape(file), re.escape(file), why),
             {'v.yaml': vault()}, setup=[setup], **options)
    case(c + 'symlink-loop-dot', "two `ln -s . x` links: an error naming a link, not an endless walk",
         r"^\.: error: cannot list manifests: .*(x|y) \(-> \.\): a directory that is already being read \(a symbolic link loop\?\)",
         {'v.yaml': vault()}, setup=['symlink x .', 'symlink y .'])
    case(c + 'symlink-loop-parent', 'a link to the parent directory inside a subdirectory',
         r"^\.: error: cannot list manifests: sub/up \(-> \.\.\): a directory that is already being read",
         {'v.yaml': vault(), 'sub/w.yaml': vault(name='other-kv')}, setup=['symlink sub/up ..'])
    case(c + 'too-deep', 'directories 40 levels deep',
         r"^\.: error: cannot list manifests: .*: more than 32 directories deep; keyward stops there",
         {'v.yaml': vault()}, setup=['mkdir ' + '/'.join(['d'] * 40)])


def command_line():
    c = 'cli-'
    case(c + 'unknown-flag', 'an unknown flag exits 1 (CLI11 used 109)',
         r'(The following argument was not expected|unknown|Run with --help)',
         {'v.yaml': vault()}, args='. --no-such-flag', commands='validate plan')
    case(c + 'parallelism-zero', '--parallelism 0 exits 1 (CLI11 used 105)',
         r'--parallelism',
         {'v.yaml': vault()}, args='. --parallelism 0', commands='plan')
    case(c + 'missing-path', 'a path that does not exist exits 1',
         r'(nowhere|does not exist|not exist)',
         {'v.yaml': vault()}, args='nowhere', commands='validate plan')


def build():
    for group_of_cases in (yaml_syntax, yaml_bombs, nesting, types, names, guids, locations,
                           duplicates, references, cycles, secret_sources, sizes, encodings,
                           binary_files, keyward_yaml, file_system, command_line):
        group_of_cases()
    return CASES


# ------------------------------------------------------------------------------------------------
# Writing

def expect_text(c):
    lines = ['# %s' % c['about'],
             '# Generated by scripts/gen-manifest-corpus.py; edit the script, not this file.',
             'error: %s' % c['error'],
             'commands: %s' % c['commands'],
             'plan: %s' % c['plan'],
             'args: %s' % c['args']]
    lines += ['env: %s' % e for e in c['env']]
    lines += ['setup: %s' % s for s in c['setup']]
    return '\n'.join(lines) + '\n'


def write(out_dir):
    for c in build():
        d = os.path.join(out_dir, c['name'])
        os.makedirs(d)
        for name, content in sorted(c['files'].items()):
            path = os.path.join(d, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = content if isinstance(content, bytes) else content.encode('utf-8')
            with open(path, 'wb') as f:
                f.write(data)
        with open(os.path.join(d, 'expect'), 'w') as f:
            f.write(expect_text(c))


def same_tree(a, b):
    comparison = filecmp.dircmp(a, b)
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, comparison.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(same_tree(os.path.join(a, s), os.path.join(b, s)) for s in comparison.common_dirs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true', help='compare, do not write')
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generated = os.path.join(tmp, 'manifests')
        write(generated)
        count = len(os.listdir(generated))
        if options.check:
            if not os.path.isdir(OUT) or not same_tree(generated, OUT):
                print('tests/corpus/manifests differs from scripts/gen-manifest-corpus.py; '
                      'run the script and commit the result', file=sys.stderr)
                return 1
            print('%d corpus cases match the generator' % count)
            return 0
        shutil.rmtree(OUT, ignore_errors=True)
        shutil.copytree(generated, OUT)
        print('wrote %d cases to %s' % (count, os.path.relpath(OUT, ROOT)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
