import type { Direction, Lane } from '../../features/crossing-event.schema.ts';
import type { Port } from './ports.ts';
import type { SimTraveler } from './travelers.ts';
import type { SimVehicle } from './vehicles.ts';

export type OperationRun = 'trial' | 'active';

/** A planned crossing, waiting for its turn in time order. */
export interface PendingCrossing {
  readonly at: number;
  /** Planning order: breaks ties between crossings at the same instant, deterministically. */
  readonly seq: number;
  readonly port: Port;
  readonly direction: Direction;
  readonly lane: Lane;
  readonly vehicle: SimVehicle;
  readonly driver: SimTraveler;
  readonly passengers: readonly SimTraveler[];
  contraband: boolean;
  readonly operationRun: OperationRun | null;
}

/**
 * A binary min-heap of planned crossings by (at, seq). Crossings are planned a day (and for
 * longer stays several days) ahead and come out in time order; only what is planned and not
 * yet emitted is held, so memory stays proportional to a few days of traffic.
 */
export class PendingQueue {
  private readonly heap: PendingCrossing[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): PendingCrossing | undefined {
    return this.heap[0];
  }

  push(item: PendingCrossing): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  pop(): PendingCrossing | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: PendingCrossing, b: PendingCrossing): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
