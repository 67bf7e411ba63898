'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const zseg = require('..');
const { corpus, assertItems } = require('../testing/helpers');

const items = corpus(5000, 100, 3);

// A progress function that checks the reports' order and records the last one.
function recorder(n) {
  const rec = { calls: 0, last: 0, ok: true };
  rec.fn = (done, total) => {
    if (total !== n || done < rec.last || done > rec.last + 64) rec.ok = false;
    rec.calls++;
    rec.last = done;
    return true;
  };
  return rec;
}

test('progress reports every item in order, sync and async, both directions', async () => {
  const c = new zseg.Compressor({ level: 1 });
  const d = new zseg.Decompressor();
  for (const threads of [1, 2]) {
    const rc = recorder(items.length);
    const frames = c.compress(items, { threads, progress: rc.fn });
    assert.ok(rc.ok && rc.last === items.length && rc.calls >= items.length / 64, `compress, threads ${threads}: ${JSON.stringify(rc)}`);
    const rd = recorder(items.length);
    const out = await d.decompressAsync(frames, { threads, progress: rd.fn });
    assert.ok(rd.ok && rd.last === items.length, `decompressAsync, threads ${threads}: ${JSON.stringify(rd)}`);
    assertItems(out, items);
    out.close();
    frames.close();
  }
  const ro = recorder(items.length);
  zseg.compressBatch(items, { level: 1, threads: 2, progress: ro.fn }).close();
  assert.equal(ro.last, items.length, 'the one-shot helpers pass progress on');
  c.close();
  d.close();
});

test('returning false cancels: ZSEG_ERR_CANCELLED and no output', async () => {
  const c = new zseg.Compressor({ level: 1 });
  for (const threads of [1, 2]) {
    assert.throws(() => c.compress(items, { threads, progress: () => false }), { code: 'ZSEG_ERR_CANCELLED' });
    await assert.rejects(c.compressAsync(items, { threads, progress: () => false }), { code: 'ZSEG_ERR_CANCELLED' });
  }
  // At the last report (done === total) too.
  assert.throws(() => c.compress(items, { progress: (done, total) => done < total }), { code: 'ZSEG_ERR_CANCELLED' });
  c.close();
});

test('an exception in progress cancels the batch and is thrown by the call', async () => {
  const c = new zseg.Compressor({ level: 1 });
  const boom = new Error('boom');
  for (const threads of [1, 2]) {
    assert.throws(() => c.compress(items, { threads, progress: () => { throw boom; } }), (e) => e === boom);
    await assert.rejects(c.compressAsync(items, { threads, progress: () => { throw boom; } }), (e) => e === boom);
  }
  // The compressor is intact.
  const frames = c.compress(items, { threads: 2, progress: () => true });
  const out = zseg.decompressBatch(frames);
  assertItems(out, items);
  out.close();
  frames.close();
  c.close();
});

test('each call releases its callback registration; bad progress values are TypeErrors', () => {
  const c = new zseg.Compressor({ level: 1 });
  const one = [Buffer.from('x')];
  let calls = 0;
  // More calls than koffi has callback slots (8192): a leaked registration would make them fail.
  for (let i = 0; i < 9000; i++) c.compress(one, { progress: () => { calls++; return true; } }).close();
  assert.ok(calls >= 9000);
  assert.throws(() => c.compress(one, { progress: 'yes' }), TypeError);
  assert.throws(() => c.compress(one, { progres: () => true }), /progres/);
  c.close();
});
