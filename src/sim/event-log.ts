/**
 * What happened in a run, in order: the record that the narration reads and
 * that `--json` prints. Nodes append facts (a frame sent, a table lookup, a
 * NAT mapping, a TLS message); nothing in here says what should happen.
 */
export interface SimEvent {
  /** Virtual nanoseconds since the run began. */
  readonly timeNs: number;
  /** The node the event happened on. */
  readonly node: string;
  readonly kind: string;
  readonly [detail: string]: unknown;
}

export class EventLog {
  private readonly list: SimEvent[] = [];
  private readonly listeners: Array<(event: SimEvent) => void> = [];

  constructor(private readonly clock: () => number) {}

  record(node: string, kind: string, details: Record<string, unknown> = {}): SimEvent {
    const event: SimEvent = { ...details, timeNs: this.clock(), node, kind };
    this.list.push(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  onEvent(listener: (event: SimEvent) => void): void {
    this.listeners.push(listener);
  }

  get events(): readonly SimEvent[] {
    return this.list;
  }

  ofKind(kind: string): SimEvent[] {
    return this.list.filter((e) => e.kind === kind);
  }
}
