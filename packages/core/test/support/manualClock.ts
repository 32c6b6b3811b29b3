import type { Clock, EpochMs } from '../../src/index.js';

/** A clock a test moves by hand: core verbs take `now`, so tests read it from here. */
export interface ManualClock extends Clock {
  set(ms: EpochMs): void;
  advance(ms: number): void;
}

/** Starts at a whole second (2027-01-15T09:00:00Z), inside the fixture certificates' validity. */
export const CLOCK_START: EpochMs = Date.UTC(2027, 0, 15, 9, 0, 0);

export function manualClock(start: EpochMs = CLOCK_START): ManualClock {
  let now = start;
  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
