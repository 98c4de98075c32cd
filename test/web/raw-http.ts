import { connect, type Socket } from "node:net";
import type { EmbargoApp } from "../../src/web/app.js";

/**
 * A client that controls every byte it sends, on a real socket: headers without the body they
 * announce, a body dribbled a byte at a time. What `app.inject` cannot do, and attackers do.
 */
export class RawConnection {
  private received = "";
  private ended = false;
  private readonly waiters = new Set<() => void>();
  /** This side's port (the server sees it as the remote port); kept, as a closed socket forgets it. */
  readonly localPort: number | undefined;

  private constructor(readonly socket: Socket) {
    this.localPort = socket.localPort;
    socket.on("data", (chunk: Buffer) => {
      this.received += chunk.toString("latin1");
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on("end", end);
    socket.on("close", end);
    // A reset after the server closed is one way of being closed; the tests look at `closed`.
    socket.on("error", end);
  }

  /** `localAddress`: another loopback address (127.0.0.2 …), for a second client. */
  static open(port: number, localAddress?: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(
        { port, host: "127.0.0.1", ...(localAddress === undefined ? {} : { localAddress }) },
        () => resolve(new RawConnection(socket)),
      );
      socket.once("error", reject);
    });
  }

  /** Everything the server sent so far, as text. */
  get text(): string {
    return this.received;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Writes and waits until the bytes are handed to the kernel (false if the socket is gone). */
  send(data: string | Buffer): Promise<boolean> {
    if (this.ended || this.socket.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.write(data, (error) => resolve(error == null)));
  }

  /** Waits until `condition` holds (checked on every byte received and on close), or fails after `ms`. */
  async until(condition: (connection: RawConnection) => boolean, ms: number, what: string): Promise<void> {
    if (condition(this)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`no ${what} within ${ms} ms; received: ${JSON.stringify(this.received.slice(0, 500))}`),
        );
      }, ms);
      const check = () => {
        if (!condition(this)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Waits for a complete response head and returns its status and headers. */
  async head(ms: number, index = 0): Promise<{ status: number; headers: Record<string, string> }> {
    const heads = () =>
      this.received.split(/(?=HTTP\/1\.1 \d{3} )/).filter((part) => part.includes("\r\n\r\n"));
    await this.until(() => heads().length > index, ms, `response ${index + 1}`);
    const [statusLine = "", ...lines] = (heads()[index] ?? "").split("\r\n\r\n")[0]!.split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status: Number(statusLine.split(" ")[1]), headers };
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Starts listening on a free loopback port; returns it. */
export async function listen(app: EmbargoApp): Promise<number> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on a port");
  return address.port;
}

/** The head of a request, as a client writes it. */
export function requestHead(method: string, url: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: "127.0.0.1", ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${url} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}
