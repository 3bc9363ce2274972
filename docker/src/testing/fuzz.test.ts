import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRng, createTally, deepNesting, fuzzSeed, mutateBytes, mutateJson, runPool, withInvalidUtf8 } from './fuzz.js';

describe('fuzz kit', () => {
  it('the same seed gives the same draws, a different seed or fork label different ones', () => {
    const draw = (seed: number, label = 'x') => {
      const r = createRng(seed).fork(label);
      return [r.int(0, 1e9), r.next(), r.bytes(8).toString('hex'), r.pick(['a', 'b', 'c', 'd'])];
    };
    expect(draw(25)).toEqual(draw(25));
    expect(draw(25)).not.toEqual(draw(26));
    expect(draw(25, 'x')).not.toEqual(draw(25, 'y'));
  });

  it('int stays within its bounds and reaches both ends', () => {
    const r = createRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(r.int(-2, 2));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2]);
  });

  it('FUZZ_SEED replays a run: decimal or hex, and refuses garbage', () => {
    expect(fuzzSeed({})).toBe(0x19);
    expect(fuzzSeed({ FUZZ_SEED: '42' })).toBe(42);
    expect(fuzzSeed({ FUZZ_SEED: '0x2a' })).toBe(42);
    expect(() => fuzzSeed({ FUZZ_SEED: 'abc' })).toThrow(/FUZZ_SEED/);
  });

  it('mutators change their input and keep the original intact', () => {
    const r = createRng(7);
    const original = Buffer.from('{"readings":[1,2,3]}');
    const copy = Buffer.from(original);
    const mutated = Array.from({ length: 50 }, () => mutateBytes(r, original).toString('hex'));
    expect(original).toEqual(copy);
    expect(mutated.some((m) => m !== original.toString('hex'))).toBe(true);
    const value = { a: 1, b: [1, 2], c: { d: 'x' } };
    const variants = Array.from({ length: 50 }, () => JSON.stringify(mutateJson(r, value)));
    expect(value).toEqual({ a: 1, b: [1, 2], c: { d: 'x' } });
    expect(new Set(variants).size).toBeGreaterThan(10);
    expect(JSON.parse(deepNesting(3))).toEqual([[[]]]);
    expect(JSON.parse(deepNesting(2, 'object'))).toEqual({ a: { a: 1 } });
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(withInvalidUtf8(r, 'hello'))).toThrow();
  });

  describe('tally', () => {
    let dir: string | undefined;
    afterEach(() => {
      vi.unstubAllEnvs();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('summarises outcomes, crashes and the valid-after checks, and writes the JSON file', () => {
      dir = mkdtempSync(path.join(tmpdir(), 'fuzz-kit-'));
      vi.stubEnv('FUZZ_OUTPUT_DIR', dir);
      const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const t = createTally('kit-test', 3);
      t.outcome(400);
      t.outcome(400);
      t.outcome('closed');
      t.validAfter(true);
      const ok = t.finish({ rssMiB: { svc: 10 } });
      expect(ok).toMatchObject({ inputs: 3, outcomes: { '400': 2, closed: 1 }, crashes: 0, validAfter: true });
      const t2 = createTally('kit-test', 3);
      t2.outcome(500);
      t2.crash('input #0: 500');
      t2.validAfter(false, 'refused');
      const bad = t2.finish({ rssMiB: { svc: null } });
      write.mockRestore();
      expect(bad).toMatchObject({ crashes: 1, validAfter: false });
      const file = JSON.parse(readFileSync(path.join(dir, 'kit-test.json'), 'utf8')) as { line: string };
      expect(file.line).toMatch(/^fuzz kit-test: seed 0x3, 1 inputs \(500 x1\), crashes 1, valid-after NO, RSS svc GONE/);
    });

    it('a tally with no valid-after check is not "yes"', () => {
      dir = mkdtempSync(path.join(tmpdir(), 'fuzz-kit-'));
      vi.stubEnv('FUZZ_OUTPUT_DIR', dir);
      const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const s = createTally('kit-empty', 1).finish({ rssMiB: {} });
      write.mockRestore();
      expect(s.validAfter).toBe(false);
    });
  });

  it('runPool runs every index once with bounded concurrency', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool(20, 3, async (i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setImmediate(r));
      seen.push(i);
      active--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
  });
});
