'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const zseg = require('..');
const { corpus, assertItems } = require('../testing/helpers');

const pkg = path.resolve(__dirname, '..');

function runNode(args, env = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd: pkg, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30000,
  });
  return r;
}

test('views after close of a parent buffer that a collection holds', () => {
  const items = corpus(50, 100, 21);
  const buf = zseg.ZsegBuffer.from(items);
  const early = buf.item(7); // a view taken from the buffer itself
  const coll = zseg.Collection.from([buf, buf]);
  buf.close();
  assert.equal(buf.closed, true);
  assert.throws(() => buf.item(0), { code: 'ZSEG_ERR_CLOSED' });
  // The collection still holds the buffer: its items and the earlier view stay valid.
  assertItems(coll, items.concat(items));
  assert.ok(early.equals(items[7]));
  const view = coll.item(57);
  const nested = zseg.Collection.from([coll]);
  coll.close();
  assert.ok(view.equals(items[7]), 'the nested collection still holds the buffer');
  assertItems(nested, items.concat(items));
  const frames = zseg.compressBatch(nested);
  nested.close();
  const out = zseg.decompressBatch(frames);
  assertItems(out, items.concat(items));
  frames.close();
  out.close();
});

test('close is idempotent and closed handles throw ZSEG_ERR_CLOSED', () => {
  const c = zseg.compressBatch([Buffer.from('abc')]);
  const copy = c.copyItem(0);
  c.close();
  c.close();
  assert.equal(c.closed, true);
  for (const f of [() => c.item(0), () => c.copyItem(0), () => c.length, () => c.toArray(), () => zseg.decompressBatch(c)]) {
    assert.throws(f, (e) => e instanceof zseg.ZsegError && e.code === 'ZSEG_ERR_CLOSED');
  }
  assert.equal(zseg.decompressBatch([copy]).item(0).toString(), 'abc');
  for (const h of [new zseg.Compressor(), new zseg.Decompressor(), zseg.ZsegBuffer.from([])]) {
    h.close();
    h.close();
    assert.equal(h.closed, true);
  }
  if (typeof Symbol.dispose === 'symbol') {
    const d = new zseg.Decompressor();
    d[Symbol.dispose]();
    assert.equal(d.closed, true);
  }
});

test('zero-copy views share the collection memory; copies are independent', () => {
  const c = zseg.compressBatch(corpus(10, 50, 2));
  const a = c.item(3);
  const b = c.item(3);
  if (zseg.zeroCopy) {
    assert.equal(a.buffer, b.buffer, 'views of one native buffer share one external ArrayBuffer');
  }
  assert.notEqual(c.copyItem(3).buffer, a.buffer);
  c.close();
});

test('views keep an unclosed collection alive through garbage collection (finalizer safety net)', () => {
  const script = `
    const zseg = require('.');
    const items = require('./testing/helpers').corpus(200, 2000, 5);
    let views = (() => zseg.decompressBatch(zseg.compressBatch(items)).toArray())(); // nothing closed
    const run = async () => {
      for (let k = 0; k < 10; k++) { gc(); await new Promise((r) => setTimeout(r, 1)); }
      for (let i = 0; i < items.length; i++) if (!views[i].equals(items[i])) throw new Error('view ' + i + ' changed');
      views = null;
      for (let k = 0; k < 10; k++) { gc(); await new Promise((r) => setTimeout(r, 1)); }
      console.log('views ok');
    };
    run();`;
  const r = runNode(['--expose-gc', '-e', script]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /views ok/);
});

test('copying fallback (ZSEG_NODE_COPY=1) gives the same results', () => {
  const script = `
    const zseg = require('.');
    if (zseg.zeroCopy) throw new Error('expected the copying fallback');
    const items = require('./testing/helpers').corpus(100, 300, 8);
    const c = zseg.compressBatch(items, { threads: 2 });
    const d = zseg.decompressBatch(c);
    const views = d.toArray();
    c.close(); d.close();
    for (let i = 0; i < items.length; i++) if (!views[i].equals(items[i])) throw new Error('item ' + i);
    console.log('fallback ok');`;
  const r = runNode(['-e', script], { ZSEG_NODE_COPY: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /fallback ok/);
});

test('a missing library is a clear error at require time', () => {
  const r = runNode(['-e', "require('.')"], { ZSEG_LIB: '/nonexistent/libzseg.so' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot load the C library at \/nonexistent\/libzseg\.so/);
});

test('ZSEG_LIB may be a bare library name, found by the system library search', () => {
  const lib = zseg.libraryPath;
  const run = runNode(['-e', 'process.stdout.write(require(".").version)'],
    { ZSEG_LIB: path.basename(lib), LD_LIBRARY_PATH: path.dirname(lib) });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, zseg.version);
  const missing = runNode(['-e', 'require(".")'],
    { ZSEG_LIB: 'libzseg-does-not-exist.so', LD_LIBRARY_PATH: '' });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /cannot load the C library at libzseg-does-not-exist\.so/);
});
