import type { EpochMs } from '../domain.js';
import { WEEKDAYS, type TimeWindow, type Weekday } from './policyRecords.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday and minutes since midnight of `at` on the wall clock of `timeZone`. */
function wallClock(at: EpochMs, timeZone: string): { day: Weekday; minutes: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  const day = (parts['weekday'] ?? '').slice(0, 3).toLowerCase() as Weekday;
  return { day, minutes: Number(parts['hour']) * 60 + Number(parts['minute']) };
}

const toMinutes = (hhmm: string): number => {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
};

/**
 * Whether `at` falls in one of `windows`. A window whose `from` is later than its `to` spans
 * midnight: the part after midnight belongs to the day the window started on. No windows: always.
 */
export function isWithinWindows(windows: readonly TimeWindow[], at: EpochMs): boolean {
  if (windows.length === 0) return true;
  return windows.some((window) => {
    const { day, minutes } = wallClock(at, window.timeZone);
    const from = toMinutes(window.from);
    const to = toMinutes(window.to);
    if (from <= to) return window.days.includes(day) && minutes >= from && minutes < to;
    const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7] as Weekday;
    return (
      (window.days.includes(day) && minutes >= from) ||
      (window.days.includes(yesterday) && minutes < to)
    );
  });
}
