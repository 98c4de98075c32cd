/**
 * How many bytes strangers may make the process hold at once: received mail in the SMTP
 * listener (the message being read, then while it is stored and taken in; six senders of a
 * 25 MB message each took the process to 903 MB), and anonymous uploads over HTTP
 * (src/web/upload-gate.ts). What would go over is refused and its sender told to try later.
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
