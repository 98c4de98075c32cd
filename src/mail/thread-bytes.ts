/**
 * Buffers cross a worker thread's boundary (structured clone) as plain Uint8Arrays. These put
 * them back as Buffers over the same bytes, without copying, on either side of the parse pool.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A message or an opened message with its attachments' bytes as Buffers again. */
export function withBuffers<T extends { attachments: { content: Uint8Array }[] }>(value: T): T {
  return {
    ...value,
    attachments: value.attachments.map((file) => ({ ...file, content: asBuffer(file.content) })),
  };
}
