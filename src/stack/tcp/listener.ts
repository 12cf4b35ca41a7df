/**
 * A listening port. Its backlog bounds the connections that are still in
 * the handshake plus those established and not yet accepted; a SYN beyond it
 * is dropped and counted, as Linux drops it, so the client's retry may find
 * room later.
 */
import type { TcpConnection } from './connection.js';

export class TcpListener {
  /** Children in SYN-RECEIVED. */
  readonly handshaking = new Set<TcpConnection>();
  /** Established children waiting for accept(). */
  private readonly queue: TcpConnection[] = [];
  private readonly connectionListeners: Array<(connection: TcpConnection) => void> = [];
  listening = true;

  constructor(
    readonly port: number,
    readonly backlog: number,
    private readonly stopListening: (listener: TcpListener) => void,
  ) {}

  /** Every connection that completes its handshake goes to these listeners instead of the accept queue. */
  on(event: 'connection', listener: (connection: TcpConnection) => void): void {
    if (event !== 'connection') throw new TypeError(`a listener has no '${String(event)}' event`);
    this.connectionListeners.push(listener);
    while (this.queue.length > 0) this.deliver(this.queue.shift()!);
  }

  /** The oldest established connection not yet accepted, if any. */
  accept(): TcpConnection | undefined {
    return this.queue.shift();
  }

  get pending(): number {
    return this.handshaking.size + this.queue.length;
  }

  get full(): boolean {
    return this.pending >= this.backlog;
  }

  /** Stop taking new connections; those already made carry on. */
  close(): void {
    if (!this.listening) return;
    this.listening = false;
    this.stopListening(this);
  }

  /** A child finished its handshake. */
  established(connection: TcpConnection): void {
    this.handshaking.delete(connection);
    if (this.connectionListeners.length > 0) this.deliver(connection);
    else this.queue.push(connection);
  }

  /** A child closed before it was accepted. */
  forget(connection: TcpConnection): void {
    this.handshaking.delete(connection);
    const index = this.queue.indexOf(connection);
    if (index >= 0) this.queue.splice(index, 1);
  }

  private deliver(connection: TcpConnection): void {
    for (const listener of this.connectionListeners) listener(connection);
  }
}
