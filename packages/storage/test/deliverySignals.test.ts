import { describe, expect, it } from 'vitest';
import { createDeliverySignals } from '../src/internal/deliverySignals.js';

describe('createDeliverySignals: the NOTIFY after a commit (PostgreSQL)', () => {
  it('sends one NOTIFY per burst of commits: one in flight, at most one more after it', async () => {
    const sent: Array<() => void> = [];
    const signals = createDeliverySignals('postgres://unused', () => {
      return new Promise<void>((resolve) => sent.push(resolve));
    });
    signals.committed();
    expect(sent).toHaveLength(1);
    for (let i = 0; i < 5; i += 1) signals.committed();
    expect(sent).toHaveLength(1);
    sent[0]!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    // The five commits made while the first was on its way get one NOTIFY together.
    expect(sent).toHaveLength(2);
    sent[1]!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toHaveLength(2);
    signals.committed();
    expect(sent).toHaveLength(3);
    sent[2]!();
    await signals.close();
  });

  it('goes on after a NOTIFY fails, and sends none after close', async () => {
    let calls = 0;
    const signals = createDeliverySignals('postgres://unused', () => {
      calls += 1;
      return Promise.reject(new Error('connection lost'));
    });
    signals.committed();
    signals.committed();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(calls).toBe(2);
    await signals.close();
    signals.committed();
    expect(calls).toBe(2);
  });

  it('sends nothing on SQLite', async () => {
    let calls = 0;
    const signals = createDeliverySignals(null, async () => {
      calls += 1;
    });
    signals.committed();
    await signals.close();
    expect(calls).toBe(0);
  });
});
