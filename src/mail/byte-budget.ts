/**
 * How many bytes of received mail the SMTP listener may hold at once, across all sessions: the
 * message being read, and then while it is stored and taken in. Without it, six senders of a
 * 25 MB message each took the process to 903 MB; with it, a message that would go over is
 * dropped as it arrives (its bytes released at once) and the sender is told to try again later.
 *
 * Not thread-safe by design: it lives on the event loop, where reserve and release never
 * interleave.
 */
export class ByteBudget {
  #held = 0;

  constructor(readonly limit: number) {}

  get held(): number {
    return this.#held;
  }

  /** Reserves `bytes`, or returns false (reserving nothing) when that would go over the limit. */
  reserve(bytes: number): boolean {
    if (this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}
