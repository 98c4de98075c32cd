import { move, transferableSymbol, valueSymbol } from "piscina";

/**
 * Large bytes cross the parse pool's thread boundary by transfer, not by copy: the ArrayBuffer
 * moves to the other thread and is gone (detached) from this one. A 25 MB message copied there
 * and back, with its text and its attachments, was several copies of it held at once, in both
 * threads' heaps until their next collection (issue 14, finding 4).
 *
 * Only buffers a view owns whole are moved: a small Buffer shares Node's 8 KB pool with others,
 * and moving that would take their bytes away too. Those are copied, as before (they are small).
 */
export function movableBuffers(views: readonly (Uint8Array | null | undefined)[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) {
    if (view === null || view === undefined) continue;
    const buffer = view.buffer;
    if (
      buffer instanceof ArrayBuffer &&
      view.byteOffset === 0 &&
      view.byteLength === buffer.byteLength &&
      buffer.byteLength > 0
    )
      buffers.add(buffer);
  }
  return [...buffers];
}

/** A worker's result whose large buffers are moved back to the main thread (piscina). */
export function movedResult<T extends object>(
  value: T,
  views: readonly (Uint8Array | null | undefined)[],
): T {
  const transferable = {
    get [transferableSymbol]() {
      return movableBuffers(views);
    },
    get [valueSymbol]() {
      return value;
    },
  };
  // piscina unwraps it (its kValue) before posting: the main thread receives `value` itself.
  return move(transferable) as unknown as T;
}
