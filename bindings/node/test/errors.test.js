'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const zseg = require('..');
const { corpus } = require('../testing/helpers');

const items = corpus(50, 300, 7);

test('a bad frame fails with a ZsegError carrying code, result, item, zstdCode and message', () => {
  const frames = zseg.compressBatch(items).toArray({ copy: true });
  frames[17] = Buffer.from('definitely not a zstd frame');
  let caught;
  try {
    zseg.decompressBatch(frames, { threads: 1 });
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error);
  assert.ok(caught instanceof zseg.ZsegError);
  assert.equal(caught.name, 'ZsegError');
  assert.equal(caught.code, 'ZSEG_ERR_ZSTD');
  assert.equal(caught.result, zseg.Result.ERR_ZSTD);
  assert.equal(caught.item, 17);
  assert.ok(caught.zstdCode > 0, `zstdCode ${caught.zstdCode}`);
  assert.match(caught.message, /^ZSEG_ERR_ZSTD: /);
  assert.ok(caught.message.length > 'ZSEG_ERR_ZSTD: '.length);
});

test('fail-fast names the lowest failing item with one thread', () => {
  const frames = zseg.compressBatch(items).toArray({ copy: true });
  frames[30] = frames[30].subarray(0, frames[30].length - 3); // truncated
  frames[12] = Buffer.alloc(0); // a 0-byte item is a truncated frame
  frames[40] = Buffer.concat([frames[40], Buffer.from([0])]); // trailing byte
  assert.throws(() => zseg.decompressBatch(frames, { threads: 1 }), { code: 'ZSEG_ERR_ZSTD', item: 12 });
  assert.throws(() => zseg.decompressBatch(frames, { threads: 2 }),
    (e) => e.code === 'ZSEG_ERR_ZSTD' && [12, 30, 40].includes(e.item));
});

test('per-item mode returns every result and keeps the good items', () => {
  const frames = zseg.compressBatch(items).toArray({ copy: true });
  frames[3] = Buffer.from('garbage');
  frames[9] = Buffer.alloc(0);
  for (const threads of [1, 2]) {
    const out = zseg.decompressBatch(frames, { perItem: true, threads });
    assert.equal(out.length, items.length);
    assert.equal(out.itemResults.length, items.length);
    for (let i = 0; i < items.length; i++) {
      if (i === 3 || i === 9) {
        assert.equal(out.itemResults[i], zseg.Result.ERR_ZSTD);
        assert.equal(out.ok(i), false);
        assert.equal(out.item(i).length, 0, 'a failed item is empty');
      } else {
        assert.equal(out.itemResults[i], zseg.Result.OK);
        assert.ok(out.item(i).equals(items[i]));
      }
    }
    const errs = out.errors;
    assert.deepEqual(errs.map((e) => [e.item, e.code]), [[3, 'ZSEG_ERR_ZSTD'], [9, 'ZSEG_ERR_ZSTD']]);
    assert.ok(errs[0] instanceof zseg.ZsegError);
    out.close();
  }
  const allGood = zseg.decompressBatch(zseg.compressBatch(items.slice(0, 3)), { perItem: true });
  assert.deepEqual([...allGood.itemResults], [0, 0, 0]);
  assert.deepEqual(allGood.errors, []);
  allGood.close();
  const plain = zseg.compressBatch(items.slice(0, 3));
  assert.equal(plain.itemResults, null);
  plain.close();
});

test('size mismatch names both numbers', () => {
  const frames = zseg.compressBatch([Buffer.from('abcdef')]);
  assert.throws(() => zseg.decompressBatch(frames, { sizes: [5] }),
    (e) => e.code === 'ZSEG_ERR_SIZE_MISMATCH' && e.item === 0 && /5/.test(e.message) && /6/.test(e.message));
  frames.close();
});

test('limits: maxItemSize and maxTotalSize give ZSEG_ERR_LIMIT', () => {
  const frames = zseg.compressBatch([Buffer.alloc(10), Buffer.alloc(5000), Buffer.alloc(20)]);
  assert.throws(() => zseg.decompressBatch(frames, { maxItemSize: 4096 }),
    { code: 'ZSEG_ERR_LIMIT', result: zseg.Result.ERR_LIMIT, item: 1 });
  assert.throws(() => zseg.decompressBatch(frames, { maxTotalSize: 5000 }), { code: 'ZSEG_ERR_LIMIT', item: -1 });
  const ok = zseg.decompressBatch(frames, { maxItemSize: 5000, maxTotalSize: 5030 });
  assert.equal(ok.size, 5030);
  ok.close();
  const perItem = zseg.decompressBatch(frames, { maxItemSize: 4096, perItem: true });
  assert.deepEqual([...perItem.itemResults], [0, zseg.Result.ERR_LIMIT, 0]);
  perItem.close();
  const unlimited = new zseg.Decompressor({ maxItemSize: Infinity, maxTotalSize: 2n ** 64n - 1n });
  unlimited.decompress(frames).close();
  unlimited.close();
  frames.close();
});

test('index out of range, bad arguments, bad segments', () => {
  const c = zseg.compressBatch([Buffer.from('a')]);
  assert.throws(() => c.item(1), { code: 'ZSEG_ERR_INDEX', item: 1 });
  assert.throws(() => c.item(-1), { code: 'ZSEG_ERR_INDEX' });
  assert.throws(() => c.copyItem(1.5), TypeError);
  assert.throws(() => c.item('0'), TypeError, 'an index that is not a number is a TypeError');
  c.close();
  assert.throws(() => zseg.compressBatch([Buffer.from('a')], { level: 1000 }), { code: 'ZSEG_ERR_INVALID_ARGUMENT' });
  // Levels and parameters past what C takes are refused, not wrapped into another value.
  for (const level of [2 ** 31, 2 ** 32 + 3, 2 ** 40, -(2 ** 31) - 1]) {
    assert.throws(() => new zseg.Compressor({ level }), RangeError, `level ${level}`);
  }
  assert.throws(() => new zseg.Compressor({ strategy: 2n ** 63n }), RangeError);
  assert.throws(() => new zseg.Compressor({ windowLog: 2 ** 32 + 20 }), { code: 'ZSEG_ERR_INVALID_ARGUMENT' });
  assert.throws(() => zseg.compressBatch(Buffer.from('not an array')), TypeError);
  assert.throws(() => zseg.compressBatch([42]), TypeError);
  assert.throws(() => zseg.compressBatch([Buffer.from('a')], { threads: 1.5 }), TypeError);
  assert.throws(() => zseg.compressBatch([Buffer.from('a')], { threads: 2 ** 40 }), RangeError);
  assert.throws(() => zseg.decompressBatch([Buffer.from('a')], { maxItemSize: -1 }), TypeError);
  assert.throws(() => zseg.ZsegBuffer.fromPacked(Buffer.alloc(10), [[0, 5], [8, 3]]),
    { code: 'ZSEG_ERR_SEGMENT_BOUNDS', item: 1 });
  assert.throws(() => zseg.ZsegBuffer.fromPacked(Buffer.alloc(10), [[2n ** 64n - 1n, 2]]),
    { code: 'ZSEG_ERR_SEGMENT_BOUNDS', item: 0 });
  assert.throws(() => new zseg.Collection(), TypeError);
  assert.throws(() => new zseg.ZsegBuffer(), TypeError);
});

test('async calls reject a misspelt option with a TypeError', async () => {
  const items = [Buffer.from('a')];
  await assert.rejects(zseg.compressBatchAsync(items, { levle: 19 }), { name: 'TypeError', message: /'levle'/ });
  await assert.rejects(zseg.decompressBatchAsync(items, { thread: 2 }), { name: 'TypeError', message: /'thread'/ });
  const c = new zseg.Compressor();
  await assert.rejects(c.compressAsync(items, { level: 3 }), TypeError);
  c.close();
});

test('a misspelt or misplaced option is a TypeError naming it', () => {
  const items = [Buffer.from('a')];
  assert.throws(() => new zseg.Compressor({ levle: 19 }), { name: 'TypeError', message: /unknown Compressor option 'levle'/ });
  assert.throws(() => new zseg.Decompressor({ maxItemsize: 1 }), { name: 'TypeError', message: /'maxItemsize'/ });
  assert.throws(() => new zseg.Decompressor({ level: 3 }), TypeError, 'a compressor option');
  assert.throws(() => zseg.compressBatch(items, { thread: 2 }), { name: 'TypeError', message: /'thread'/ });
  assert.throws(() => zseg.compressBatch(items, { sizes: [1] }), TypeError, 'sizes is for decompression');
  assert.throws(() => zseg.compressBatch(items, null), TypeError);
  const c = new zseg.Compressor();
  assert.throws(() => c.compress(items, { level: 3 }), TypeError, 'level belongs to the Compressor');
  const frames = c.compress(items, { threads: 1, perItem: true });
  const d = new zseg.Decompressor({ maxItemSize: 10, windowLogMax: 20 });
  assert.throws(() => d.decompress(frames, { perItems: true }), { name: 'TypeError', message: /'perItems'/ });
  assert.equal(d.decompress(frames, { sizes: [1], threads: 2 }).copyItem(0).toString(), 'a');
  assert.equal(zseg.decompressBatch(frames, { maxItemSize: 10, sizes: [1], threads: 1 }).copyItem(0).toString(), 'a');
  frames.close();
  d.close();
  c.close();
});

test('a wrong or corrupt dictionary is ZSEG_ERR_DICTIONARY', () => {
  // A zstd-format dictionary (magic 0xEC30A437) with a broken body.
  const bad = Buffer.alloc(300, 1);
  bad.writeUInt32LE(0xec30a437, 0);
  assert.throws(() => new zseg.Compressor({ dictionary: bad }), { code: 'ZSEG_ERR_DICTIONARY' });
});

test('window limit (windowLogMax) and magicless frames', () => {
  const frames = zseg.compressBatch([Buffer.alloc(1 << 20, 7), Buffer.from('small')], { windowLog: 20 });
  assert.throws(() => zseg.decompressBatch(frames, { windowLogMax: 12, threads: 1 }), { code: 'ZSEG_ERR_LIMIT', item: 0 });
  const ok = zseg.decompressBatch(frames, { windowLogMax: 20 });
  assert.equal(ok.size, (1 << 20) + 5);
  const magicless = zseg.compressBatch([Buffer.from('no magic here')], { magicless: true });
  assert.notEqual(magicless.item(0).readUInt32LE(0), 0xfd2fb528);
  assert.throws(() => zseg.decompressBatch(magicless), { code: 'ZSEG_ERR_ZSTD', item: 0 });
  assert.equal(zseg.decompressBatch(magicless, { magicless: true }).item(0).toString(), 'no magic here');
  for (const h of [frames, ok, magicless]) h.close();
});
