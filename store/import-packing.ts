import { DIRECTIONS, LANES, PORT_CODE_PATTERN, type CrossingEvent } from '../features/crossing-event.schema.ts';
import { utcOffsetMinutes } from '../features/feature-input.ts';
import type { CrossingRecord } from './history-store.ts';
import type { IdentifierHasher } from './identifiers.ts';
import { PACKED_FIXED_FIELDS, directionOf, laneOf, portCode, type KeyDictionary, type PackedCrossings } from './packed-crossings.ts';

/**
 * Validated events → PackedCrossings (store/packed-crossings.ts), on import's parsing thread.
 *
 * The packer also hashes: each raw identifier is hashed once per import and then found by its raw
 * text (one map lookup), which is where the import's HMAC cache lives. Raw identifiers stay in
 * the packing thread's memory only; only keyed hashes leave it.
 */
export function createEventPacker(hasher: IdentifierHasher) {
  const indexOfKey = new Map<string, number>();
  let newKeys: string[] = [];
  const plates = new Map<string, Map<string, number>>(); // jurisdiction → raw plate → index
  const vins = new Map<string, number>();
  const travelers = new Map<string, number>();

  /** Dictionary index of a keyed hash; raw spellings that normalise alike share one. */
  const keyIndex = (key: string): number => {
    let index = indexOfKey.get(key);
    if (index === undefined) {
      index = indexOfKey.size;
      indexOfKey.set(key, index);
      newKeys.push(key);
    }
    return index;
  };
  const vehicleIndex = (plate: string, jurisdiction: string): number => {
    let byPlate = plates.get(jurisdiction);
    if (byPlate === undefined) plates.set(jurisdiction, (byPlate = new Map()));
    let index = byPlate.get(plate);
    if (index === undefined) byPlate.set(plate, (index = keyIndex(hasher.vehicleKey(plate, jurisdiction))));
    return index;
  };
  const vinIndex = (vin: string): number => {
    let index = vins.get(vin);
    if (index === undefined) vins.set(vin, (index = keyIndex(hasher.vinKey(vin))));
    return index;
  };
  const travelerIndex = (id: string): number => {
    let index = travelers.get(id);
    if (index === undefined) travelers.set(id, (index = keyIndex(hasher.travelerKey(id))));
    return index;
  };

  let numbers = new Float64Array(1 << 16);
  let used = 0;
  let count = 0;
  const ensure = (more: number): void => {
    if (used + more <= numbers.length) return;
    const grown = new Float64Array(Math.max(numbers.length * 2, used + more));
    grown.set(numbers.subarray(0, used));
    numbers = grown;
  };

  return {
    /** Valid events packed since the last take(). */
    get count(): number {
      return count;
    },
    add(event: CrossingEvent): void {
      if (!PORT_CODE_PATTERN.test(event.port)) throw new RangeError(`port must be 4 digits, got '${event.port}'`);
      ensure(PACKED_FIXED_FIELDS + 2 * event.occupants.length);
      const vehicle = event.vehicle;
      let p = used;
      numbers[p++] = Date.parse(event.timestamp);
      numbers[p++] = utcOffsetMinutes(event.timestamp);
      numbers[p++] = Number(event.port);
      numbers[p++] = LANES.indexOf(event.lane);
      numbers[p++] = DIRECTIONS.indexOf(event.direction);
      numbers[p++] = vehicleIndex(vehicle.plate, vehicle.plateJurisdiction);
      numbers[p++] = vehicle.vin === undefined ? -1 : vinIndex(vehicle.vin);
      numbers[p++] = event.occupants.length;
      for (const occupant of event.occupants) {
        numbers[p++] = travelerIndex(occupant.travelerId);
        numbers[p++] = occupant.role === 'driver' ? 1 : 0;
      }
      used = p;
      count++;
    },
    /** The crossings packed since the last take(), with the keys they introduced. */
    take(): PackedCrossings {
      const packed = { numbers: numbers.slice(0, used), count, newKeys };
      newKeys = [];
      used = 0;
      count = 0;
      return packed;
    },
  };
}

export type EventPacker = ReturnType<typeof createEventPacker>;

/** PackedCrossings → CrossingRecord objects, for stores without a packed fast path. */
export function unpackRecords(packed: PackedCrossings, dictionary: KeyDictionary): CrossingRecord[] {
  const { numbers } = packed;
  const keys = dictionary.keys;
  const records = new Array<CrossingRecord>(packed.count);
  let p = 0;
  for (let i = 0; i < packed.count; i++) {
    const at = numbers[p++]!;
    const utcOffset = numbers[p++]!;
    const port = portCode(numbers[p++]!);
    const lane = laneOf(numbers[p++]!);
    const direction = directionOf(numbers[p++]!);
    const vehicleKey = keys[numbers[p++]!]!;
    const vin = numbers[p++]!;
    const count = numbers[p++]!;
    const travelers = new Array<{ key: string; isDriver: boolean }>(count);
    for (let k = 0; k < count; k++) {
      const key = keys[numbers[p++]!]!;
      travelers[k] = { key, isDriver: numbers[p++] === 1 };
    }
    records[i] = { at, utcOffsetMinutes: utcOffset, port, lane, direction, vehicleKey, vinKey: vin < 0 ? null : keys[vin]!, travelers };
  }
  return records;
}
