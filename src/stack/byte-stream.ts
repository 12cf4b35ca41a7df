/**
 * An ordered, reliable byte stream with an end: what TCP gives the layers
 * above it, and what TLS gives HTTP in turn. TLS and HTTP are written against
 * this alone, so they run the same over a TCP connection or over an
 * in-memory pipe in a test.
 */
export interface ByteStreamEvents {
  /** Bytes arrived, in order. */
  data: (bytes: Uint8Array) => void;
  /** The peer will send no more (FIN, close_notify). */
  end: () => void;
  /** The stream is finished: both directions closed, reset or failed. `error` says why when it failed. */
  close: (error?: Error) => void;
}

export interface ByteStream {
  write(bytes: Uint8Array): void;
  /** No more writes from this side; the peer sees `end`. */
  end(): void;
  on<E extends keyof ByteStreamEvents>(event: E, listener: ByteStreamEvents[E]): void;
}

/** A small typed emitter for ByteStream implementations. Listeners run in the order they were added. */
export class StreamEvents {
  private readonly listeners: { [E in keyof ByteStreamEvents]: Array<ByteStreamEvents[E]> } = { data: [], end: [], close: [] };

  on<E extends keyof ByteStreamEvents>(event: E, listener: ByteStreamEvents[E]): void {
    this.listeners[event].push(listener);
  }

  emit<E extends keyof ByteStreamEvents>(event: E, ...args: Parameters<ByteStreamEvents[E]>): void {
    for (const listener of this.listeners[event]) (listener as (...a: Parameters<ByteStreamEvents[E]>) => void)(...args);
  }
}

/**
 * Two connected in-memory streams. Delivery goes through `defer` (for
 * example the simulator's schedule with zero delay) so that a write never
 * re-enters the writer's own code.
 */
export function streamPair(defer: (action: () => void) => void): [ByteStream, ByteStream] {
  class End implements ByteStream {
    readonly events = new StreamEvents();
    peer!: End;
    ended = false;
    write(bytes: Uint8Array): void {
      if (this.ended) throw new Error('write after end');
      const copy = bytes.slice();
      defer(() => this.peer.events.emit('data', copy));
    }
    end(): void {
      if (this.ended) return;
      this.ended = true;
      defer(() => {
        this.peer.events.emit('end');
        if (this.peer.ended) {
          this.events.emit('close');
          this.peer.events.emit('close');
        }
      });
    }
    on<E extends keyof ByteStreamEvents>(event: E, listener: ByteStreamEvents[E]): void {
      this.events.on(event, listener);
    }
  }
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
