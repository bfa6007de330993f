import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Backlog } from '../../src/monitoring/backlog.js';

describe('monitoring backlog (counting after the caller has its answer)', () => {
  it('applies nothing until flushed, then everything in order', () => {
    const applied: number[] = [];
    const backlog = new Backlog<number>((item) => applied.push(item), 64, 10_000);
    for (const item of [1, 2, 3]) backlog.add(item);
    assert.deepEqual(applied, []);
    assert.equal(backlog.length, 3);
    backlog.flush();
    assert.deepEqual(applied, [1, 2, 3]);
    assert.equal(backlog.length, 0);
    backlog.dispose();
  });

  it('applies at once when `limit` items wait', () => {
    const applied: number[] = [];
    const backlog = new Backlog<number>((item) => applied.push(item), 3, 10_000);
    backlog.add(1);
    backlog.add(2);
    assert.deepEqual(applied, []);
    backlog.add(3);
    assert.deepEqual(applied, [1, 2, 3]);
    backlog.dispose();
  });

  it('applies what waits after its delay when nothing flushes, with one timer for a burst', async () => {
    const applied: number[] = [];
    const backlog = new Backlog<number>((item) => applied.push(item), 64, 20);
    for (let item = 0; item < 10; item++) backlog.add(item);
    await sleep(60);
    assert.deepEqual(applied, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    backlog.add(10);
    await sleep(60);
    assert.deepEqual(applied.at(-1), 10);
    backlog.dispose();
  });

  it('a flush from inside apply (an event handler reading the figures) sees a fresh backlog and loses nothing', () => {
    const applied: number[] = [];
    const backlog: Backlog<number> = new Backlog<number>(
      (item) => {
        applied.push(item);
        if (item === 1) {
          backlog.add(99);
          backlog.flush();
        }
      },
      64,
      10_000,
    );
    for (const item of [1, 2]) backlog.add(item);
    backlog.flush();
    assert.deepEqual(applied, [1, 99, 2]);
    backlog.dispose();
  });

  it('dispose applies what waits and stops the timer', async () => {
    const applied: number[] = [];
    const backlog = new Backlog<number>((item) => applied.push(item), 64, 20);
    backlog.add(1);
    backlog.dispose();
    assert.deepEqual(applied, [1]);
    await sleep(50);
    assert.deepEqual(applied, [1]);
  });
});
