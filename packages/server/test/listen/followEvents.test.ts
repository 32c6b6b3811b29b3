import type { KeyraEvent } from '@keyra/sdk';
import { describe, expect, it } from 'vitest';
import { followEvents, type EventPage } from '../../src/listen/followEvents.js';

/**
 * The paging rules of `keyra listen` against an in-memory event log served like `GET /v1/events`
 * (newest first, pages of `size`, cursor = offset). The real API is exercised by e2e/listen.test.ts.
 */
function eventLog(size = 3) {
  const events: KeyraEvent[] = [];
  let down = false;
  return {
    add(id: string, created: number) {
      events.push({
        id,
        type: 'challenge.approved',
        createdAt: new Date(created * 1000).toISOString(),
        created,
        data: {},
      });
    },
    setDown(value: boolean) {
      down = value;
    },
    async listPage(cursor: string | undefined): Promise<EventPage> {
      if (down) throw new Error('connection refused');
      const newestFirst = [...events].sort(
        (a, b) => b.created - a.created || (a.id < b.id ? 1 : -1),
      );
      const start = cursor ? Number(cursor) : 0;
      const data = newestFirst.slice(start, start + size);
      const more = start + size < newestFirst.length;
      return { data, hasMore: more, nextCursor: more ? String(start + size) : null };
    },
  };
}

const ids = (events: KeyraEvent[]) => events.map((event) => event.id);

describe('followEvents', () => {
  it('skips what came before `since`, then yields each new event once, oldest first', async () => {
    const log = eventLog();
    log.add('old', 90);
    const follower = followEvents({ since: 100, listPage: (c) => log.listPage(c) });
    expect(await follower.poll()).toEqual([]);
    log.add('a', 100);
    log.add('b', 101);
    expect(ids(await follower.poll())).toEqual(['a', 'b']);
    expect(await follower.poll()).toEqual([]);
    log.add('c', 101);
    expect(ids(await follower.poll())).toEqual(['c']);
  });

  it('pages back through a burst larger than a page, and catches up after an outage', async () => {
    const log = eventLog(3);
    const follower = followEvents({ since: 100, listPage: (c) => log.listPage(c) });
    for (let i = 0; i < 10; i += 1) log.add(`e${i}`, 100 + i);
    expect(ids(await follower.poll())).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
    log.setDown(true);
    await expect(follower.poll()).rejects.toThrow(/refused/);
    for (let i = 10; i < 17; i += 1) log.add(`e${i}`, 100 + i);
    log.setDown(false);
    expect(ids(await follower.poll())).toEqual(Array.from({ length: 7 }, (_, i) => `e${i + 10}`));
  });

  it('finds an event committed late within the margin, and forgets beyond it', async () => {
    const log = eventLog(2);
    const follower = followEvents({
      since: 100,
      lateArrivalSeconds: 30,
      listPage: (c) => log.listPage(c),
    });
    log.add('x', 150);
    expect(ids(await follower.poll())).toEqual(['x']);
    // A transaction that started at 140 commits now: still within 30 s of the newest seen.
    log.add('late', 140);
    log.add('y', 151);
    expect(ids(await follower.poll())).toEqual(['late', 'y']);
    // Older than the margin: not looked for (documented in docs/webhooks.md).
    log.add('too-late', 110);
    expect(await follower.poll()).toEqual([]);
  });
});
