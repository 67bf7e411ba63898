'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const zseg = require('..');
const { corpus, assertItems } = require('../testing/helpers');

// Many small, similar samples: what dictionaries are for.
const samples = corpus(1000, 120, 3);
let dict;

test('trainDictionary returns a zstd-format dictionary', () => {
  dict = zseg.trainDictionary(samples, 4096);
  assert.ok(Buffer.isBuffer(dict));
  assert.ok(dict.length > 0 && dict.length <= 4096, `${dict.length} bytes`);
  assert.equal(dict.readUInt32LE(0), 0xec30a437);
  const fromBuffer = zseg.ZsegBuffer.from(samples);
  const again = zseg.trainDictionary(fromBuffer, 4096);
  fromBuffer.close();
  assert.ok(again.equals(dict), 'training is deterministic and takes a ZsegBuffer too');
});

test('dictionary round trip, and frames are smaller with it', () => {
  const withDict = zseg.compressBatch(samples, { dictionary: dict, threads: 2 });
  const without = zseg.compressBatch(samples);
  assert.ok(withDict.size < without.size, `${withDict.size} >= ${without.size}`);
  const out = zseg.decompressBatch(withDict, { dictionary: dict, threads: 2 });
  assertItems(out, samples);

  const comp = new zseg.Compressor({ level: 7, dictionary: dict });
  const dec = new zseg.Decompressor({ dictionary: dict });
  const frames = comp.compress(samples.slice(0, 100));
  assertItems(dec.decompress(frames), samples.slice(0, 100));
  assert.ok(comp.memorySize > 0);
  for (const h of [withDict, without, out, comp, dec, frames]) h.close();
});

test('missing or wrong dictionary is ZSEG_ERR_DICTIONARY with the item', () => {
  const frames = zseg.compressBatch(samples.slice(0, 10), { dictionary: dict });
  assert.throws(() => zseg.decompressBatch(frames, { threads: 1 }), { code: 'ZSEG_ERR_DICTIONARY', item: 0 });
  const other = zseg.trainDictionary(corpus(1000, 120, 99).map((b) => Buffer.from(b.toString().toUpperCase())), 4096);
  assert.throws(() => zseg.decompressBatch(frames, { dictionary: other, threads: 1 }), { code: 'ZSEG_ERR_DICTIONARY', item: 0 });
  frames.close();
});

test('raw-content dictionary round trip', () => {
  const raw = Buffer.from('common prefix shared by every item: alpha beta gamma delta '.repeat(4));
  const its = samples.slice(0, 50).map((b) => Buffer.concat([raw.subarray(0, 60), b]));
  const frames = zseg.compressBatch(its, { dictionary: raw });
  const out = zseg.decompressBatch(frames, { dictionary: raw });
  assertItems(out, its);
  frames.close();
  out.close();
});

test('trainDictionaryAsync, and training errors', async () => {
  const d = await zseg.trainDictionaryAsync(samples, 4096);
  assert.ok(d.equals(dict));
  assert.throws(() => zseg.trainDictionary(samples.slice(0, 3), 4096), { code: 'ZSEG_ERR_DICTIONARY' });
  assert.throws(() => zseg.trainDictionary(samples, 10), { code: 'ZSEG_ERR_DST_TOO_SMALL' });
  await assert.rejects(zseg.trainDictionaryAsync(samples.slice(0, 3), 4096), { code: 'ZSEG_ERR_DICTIONARY' });
});
