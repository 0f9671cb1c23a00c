import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpeakerTable } from './speaker-table.ts';

type Op = { kind: 'put'; id: string; name: string; samples: number } | { kind: 'delete'; id: string };

// Few distinct ids (so puts overwrite and deletes hit), some non-ASCII, some colliding in the table.
const id = fc.oneof(
  fc.nat(40).map((n) => `spk-${n}`),
  fc.constantFrom('Zoë', '話者-1', '', '🎙️'),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    id,
    name: fc.string({ maxLength: 12 }),
    samples: fc.nat(1000),
  }),
  fc.record({ kind: fc.constant('delete' as const), id }),
);

describe('SpeakerTable', () => {
  it('after any puts and deletes agrees with a Map, rows staying contiguous as the matrices keep them', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const table = new SpeakerTable();
        const reference = new Map<string, { name: string; totalSamples: number }>();
        // The index's row order: appended at the end, the last row moved into a removed one's hole.
        const order: string[] = [];
        for (const step of ops) {
          const row = table.rowOf(step.id);
          expect(row).toBe(order.indexOf(step.id));
          if (step.kind === 'delete') {
            if (row < 0) continue;
            table.swapRemove(row);
            const last = order.pop()!;
            if (row < order.length) order[row] = last;
            reference.delete(step.id);
            continue;
          }
          const label = { name: step.name, totalSamples: step.samples };
          if (row < 0) {
            expect(table.append(step.id, label)).toBe(order.length);
            order.push(step.id);
          } else {
            table.relabel(row, label);
          }
          reference.set(step.id, label);
        }
        expect(table.size).toBe(reference.size);
        for (const [row, speakerId] of order.entries()) {
          expect(table.idAt(row)).toBe(speakerId);
          expect(table.rowOf(speakerId)).toBe(row);
          expect(table.labelAt(row)).toEqual(reference.get(speakerId));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('holds a hundred thousand speakers in well under 100 bytes each', () => {
    const table = new SpeakerTable();
    for (let i = 0; i < 100_000; i++)
      table.append(`spk-${String(i).padStart(8, '0')}`, { name: `Speaker ${i}`, totalSamples: 1 });
    expect(table.rowOf('spk-00054321')).toBe(54_321);
    expect(table.rowOf('spk-00100000')).toBe(-1);
    expect(table.bytes / table.size).toBeLessThan(100);
  });
});
