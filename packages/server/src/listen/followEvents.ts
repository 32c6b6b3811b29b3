import type { KeyraEvent } from '@keyra/sdk';

/** One page of events, newest first, as `GET /v1/events` answers. */
export interface EventPage {
  data: KeyraEvent[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface FollowEventsOptions {
  /** Fetches a page (newest first); `cursor` continues to older events. */
  listPage(cursor: string | undefined): Promise<EventPage>;
  /** Events created before this (Unix seconds) are not followed: usually the start time. */
  since: number;
  /**
   * How far behind the newest event seen an event may still appear (seconds): a transaction that
   * began earlier can commit after a later one. Older events not yet seen are not looked for.
   */
  lateArrivalSeconds?: number;
}

/** Finds the events that appeared since the last call, oldest first, each exactly once. */
export interface EventFollower {
  poll(): Promise<KeyraEvent[]>;
}

/**
 * Follows a tenant's event log through the newest-first list API. Each poll pages back until it
 * reaches events older than the floor (the newest event seen minus the late-arrival margin, or
 * `since`), so after an outage of any length it catches up on everything created meanwhile, and an
 * event committed out of order within the margin is still found. Seen ids are remembered only
 * within the margin, so memory stays bounded however long it runs.
 */
export function followEvents(options: FollowEventsOptions): EventFollower {
  const margin = options.lateArrivalSeconds ?? 30;
  const seen = new Map<string, number>();
  let floor = options.since;
  return {
    async poll() {
      const fresh: KeyraEvent[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await options.listPage(cursor);
        let reachedFloor = false;
        for (const event of page.data) {
          if (event.created < floor) {
            reachedFloor = true;
            break;
          }
          if (!seen.has(event.id)) fresh.push(event);
        }
        if (reachedFloor || !page.hasMore || page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      fresh.reverse();
      for (const event of fresh) seen.set(event.id, event.created);
      const newest = Math.max(floor, ...fresh.map((event) => event.created));
      floor = Math.max(floor, newest - margin);
      for (const [id, created] of seen) if (created < floor) seen.delete(id);
      return fresh;
    },
  };
}
