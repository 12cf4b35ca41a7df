/**
 * A binary min-heap of events ordered by virtual time, ties broken by the
 * order they were scheduled in, so that two runs of the same scenario fire
 * the same events in the same order.
 */
export interface ScheduledEvent {
  readonly timeNs: number;
  readonly sequence: number;
  readonly action: () => void;
  cancelled: boolean;
}

export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(timeNs: number, action: () => void): ScheduledEvent {
    const event: ScheduledEvent = { timeNs, sequence: this.nextSequence++, action, cancelled: false };
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = event;
    return event;
  }

  peek(): ScheduledEvent | undefined {
    return this.heap[0];
  }

  pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.timeNs < b.timeNs || (a.timeNs === b.timeNs && a.sequence < b.sequence);
}
