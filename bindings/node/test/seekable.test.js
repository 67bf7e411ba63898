'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const zseg = require('..');
const { corpus, assertItems } = require('../testing/helpers');

const items = corpus(400, 300, 7);

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zseg-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function codeOf(fn) {
  try {
    fn();
  } catch (e) {
    return e.code;
  }
  return 'no error';
}

test('a seekable file round-trips: sizes, frames, single items and the whole batch', (t) => {
  const dir = tempDir(t);
  for (const checksums of [false, true]) {
    const frames = zseg.compressBatch(items, { checksum: checksums, threads: 2 });
    const file = path.join(dir, `items-${checksums}.zst`);
    zseg.writeSeekable(frames, file, { checksums });
    const s = zseg.Seekable.open(file);
    assert.equal(s.length, items.length);
    const sizes = s.sizes();
    assert.deepEqual(sizes, items.map((it) => it.length));
    const d = new zseg.Decompressor();
    for (const i of [0, 1, 199, items.length - 1]) {
      const { frame, size } = s.frame(i);
      assert.ok(frame.equals(frames.item(i)), `frame ${i} is the written one`);
      assert.equal(size, items[i].length);
      assert.ok(s.readItem(d, i).equals(items[i]), `item ${i}`);
    }
    const all = s.frames();
    s.close(); // the collection keeps the mapping
    assert.throws(() => s.readItem(d, 0), { code: 'ZSEG_ERR_CLOSED' });
    const out = d.decompress(all, { sizes, threads: 2 });
    assertItems(out, items);
    out.close();
    all.close();
    d.close();
    frames.close();
  }
});

test('any zstd decoder reads a seekable file as the items back to back', (t) => {
  let zstdCli = true;
  try {
    execFileSync('zstd', ['--version']);
  } catch {
    zstdCli = false;
  }
  if (!zstdCli) {
    t.skip('no zstd command (scripts/test installs it)');
    return;
  }
  const file = path.join(tempDir(t), 'plain.zst');
  const frames = zseg.compressBatch(items);
  zseg.writeSeekable(frames, file);
  frames.close();
  assert.ok(execFileSync('zstd', ['-dc', file]).equals(Buffer.concat(items)));
});

test('bad files, bad items, bad paths and bad indices give clear errors', (t) => {
  const dir = tempDir(t);
  assert.equal(codeOf(() => zseg.Seekable.open(path.join(dir, 'missing.zst'))), 'ZSEG_ERR_IO');
  assert.equal(codeOf(() => zseg.Seekable.open(dir)), 'ZSEG_ERR_IO');
  assert.equal(codeOf(() => zseg.Seekable.open('a\0b')), 'ZSEG_ERR_INVALID_ARGUMENT');

  const frames = zseg.compressBatch(items.slice(0, 20));
  const plain = path.join(dir, 'plain.zst');
  fs.writeFileSync(plain, Buffer.concat(frames.toArray({ copy: true })));
  assert.equal(codeOf(() => zseg.Seekable.open(plain)), 'ZSEG_ERR_ZSTD', 'no seek table');

  const notFrames = zseg.ZsegBuffer.from([frames.item(0), Buffer.from('not a frame')]);
  const bad = zseg.Collection.from([notFrames]);
  const badFile = path.join(dir, 'bad.zst');
  assert.throws(() => zseg.writeSeekable(bad, badFile), { code: 'ZSEG_ERR_ZSTD', item: 1 });
  assert.equal(fs.existsSync(badFile), false, 'a failed write leaves nothing');
  assert.throws(() => zseg.writeSeekable([frames.item(0)], badFile), TypeError);
  assert.throws(() => zseg.writeSeekable(frames, badFile, { checksum: true }), /checksum/);

  const file = path.join(dir, 'ok.zst');
  zseg.writeSeekable(frames, file);
  const s = zseg.Seekable.open(file);
  const asBytes = zseg.Seekable.open(Buffer.from(file)); // a path given as its bytes
  assert.equal(asBytes.length, 20);
  asBytes.close();
  const d = new zseg.Decompressor();
  for (const i of [-1, 20, 2 ** 40, 2 ** 64]) {
    assert.throws(() => s.readItem(d, i), { code: 'ZSEG_ERR_INDEX', item: i }, `readItem(${i})`);
    assert.throws(() => s.frame(i), { code: 'ZSEG_ERR_INDEX', item: i }, `frame(${i})`);
  }
  for (const i of [1.5, '1', 1n, null]) {
    assert.throws(() => s.frame(i), TypeError, `frame(${String(i)})`);
  }
  // The decompressor's limits apply; the error names the file's item, not the one-item batch's.
  const big = items.findIndex((it, i) => i > 0 && it.length > 10);
  const small = new zseg.Decompressor({ maxItemSize: 10 });
  assert.throws(() => s.readItem(small, big), (e) => e.code === 'ZSEG_ERR_LIMIT' && e.item === big
    && e.message.includes(`item ${big}:`));
  assert.throws(() => s.readItem(null, 0), TypeError);
  for (const h of [small, d, s, bad, notFrames, frames]) h.close();
});
