import type { CrossingEvent } from '../../features/crossing-event.schema.ts';

/**
 * JSON.stringify(event), faster: the simulator's vehicle and occupant objects are frozen and
 * shared by many events, so their JSON is computed once and reused. The output is byte-for-byte
 * what JSON.stringify gives (a test checks); objects that are not frozen are never cached.
 */
export function createEventSerializer(): (event: CrossingEvent) => string {
  const cache = new WeakMap<object, string>();
  const json = (value: object): string => {
    let text = cache.get(value);
    if (text === undefined) {
      text = JSON.stringify(value);
      if (Object.isFrozen(value)) cache.set(value, text);
    }
    return text;
  };
  return (event) => {
    let occupants = '';
    for (let i = 0; i < event.occupants.length; i++) occupants += (i === 0 ? '' : ',') + json(event.occupants[i]!);
    return (
      `{"port":${JSON.stringify(event.port)},"lane":"${event.lane}","direction":"${event.direction}","timestamp":${JSON.stringify(event.timestamp)},` +
      `"vehicle":${json(event.vehicle)},"occupants":[${occupants}]}`
    );
  };
}
