// Issue 20 point 3: strings travel through a Queue and a Pipe exactly as structuredClone carries
// them, lone surrogates included (they used to come back as U+FFFD on the whole-string path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pipe, Queue, SimpleQueue } from '../src/index.js';

const STRINGS = [
  '\ud800',
  '\udfff',
  'a\ud800b',
  '😀\udc00',
  `${'x'.repeat(100)}\ud800`,
  '\ud800'.repeat(70),
  'well-formed 😀 é',
  '',
];

test('lone surrogates round-trip through Queue, SimpleQueue and Pipe, alone and nested', { timeout: 10_000 }, () => {
  const q = new Queue();
  const sq = new SimpleQueue();
  const [a, b] = Pipe();
  for (const s of STRINGS) {
    for (const v of [s, { s }, [s], new Map([[s, s]])]) {
      q.put(v);
      assert.deepStrictEqual(q.get(), structuredClone(v), `Queue: ${JSON.stringify(s)}`);
      sq.put(v);
      assert.deepStrictEqual(sq.get(), structuredClone(v), `SimpleQueue: ${JSON.stringify(s)}`);
      a.send(v);
      assert.deepStrictEqual(b.recv(), structuredClone(v), `Pipe: ${JSON.stringify(s)}`);
    }
    q.put(s);
    const got = q.get() as string;
    assert.equal(got.length, s.length);
    for (let i = 0; i < s.length; i++) assert.equal(got.charCodeAt(i), s.charCodeAt(i), `unit ${i}`);
  }
  q.close();
  sq.close();
  a.close();
  b.close();
});
