import type { EventRecord, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { isIdOf } from '../ids.js';
import type { EventStore } from '../ports.js';

/**
 * The event `id` of this tenant and environment. Checks the id's shape (400 `invalid_id`), then
 * that it exists here (404 `event_not_found`, also for another tenant's event).
 */
export async function findEvent(scope: Scope, id: string, store: EventStore): Promise<EventRecord> {
  if (!isIdOf('event', id))
    throw new KeyraError('invalid_id', `"${id.slice(0, 80)}" is not an event id (evt_…).`);
  const event = await store.find(scope, id);
  if (!event) throw new KeyraError('event_not_found', `No event ${id} in this environment.`);
  return event;
}
