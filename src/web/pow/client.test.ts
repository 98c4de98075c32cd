/**
 * Runs the browser asset /assets/pow.js in a node:vm context with a minimal fake DOM, WebCrypto from Node
 * and `fetch` answered by the real challenge route, then checks the payload with the server's verifier.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import vm from "node:vm";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type PowOptions, ReplayGuard, verifyPowSolution } from "./challenge.js";
import { powRoutes } from "./routes.js";

const SCRIPT = readFileSync(new URL("../../../assets/pow.js", import.meta.url), "utf8");
const ORIGIN = "https://embargo.example";

interface FakeEvent {
  type: string;
  submitter: FakeElement | null;
  persisted?: boolean;
  defaultPrevented: boolean;
  preventDefault(): void;
}

type Listener = (event: FakeEvent) => void;

class FakeElement {
  readonly attributes = new Map<string, string>();
  readonly listeners = new Map<string, Listener[]>();
  textContent = "";
  value = "";
  type = "";
  name = "";
  form: FakeForm | null = null;

  constructor(readonly tagName: string) {}

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  hasAttribute(name: string): boolean {
    return this.attributes.has(name);
  }
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
}

class FakeForm extends FakeElement {
  readonly children: FakeElement[] = [];
  /** What the browser would have sent: the `pow` field (if any input has that name) per submission. */
  readonly sent: Array<{ pow: string | undefined; submitter: FakeElement | null }> = [];

  constructor(challengeUrl: string) {
    super("form");
    this.setAttribute("data-pow-challenge-url", challengeUrl);
  }

  appendChild(child: FakeElement): FakeElement {
    child.form = this;
    this.children.push(child);
    return child;
  }

  querySelector(selector: string): FakeElement | null {
    if (selector === "[data-pow-status]")
      return this.children.find((c) => c.hasAttribute("data-pow-status")) ?? null;
    if (selector === 'input[name="pow"]') {
      return this.children.find((c) => c.tagName === "input" && c.name === "pow") ?? null;
    }
    throw new Error(`unexpected selector ${selector}`);
  }

  /** Like the browser's: fires `submit`, then "sends" unless a listener called preventDefault. */
  requestSubmit(submitter?: FakeElement): void {
    const event: FakeEvent = {
      type: "submit",
      submitter: submitter ?? null,
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    for (const listener of this.listeners.get("submit") ?? []) listener(event);
    if (!event.defaultPrevented) {
      const input = this.querySelector('input[name="pow"]');
      this.sent.push({ pow: input?.value, submitter: submitter ?? null });
    }
  }
}

interface Page {
  form: FakeForm;
  status: FakeElement;
  button: FakeElement;
  fetches: string[];
  windowListeners: Map<string, Listener[]>;
}

const opts: PowOptions = {
  hmacKey: randomBytes(32),
  maxNumber: 2_000,
  expiresInSeconds: 600,
  now: () => new Date(),
};
const shortLived: PowOptions = { ...opts, expiresInSeconds: 30 };

const app = Fastify();
app.register(powRoutes, { options: opts, replay: new ReplayGuard() });
// Same key, lifetime shorter than the client's refresh margin: every submit fetches a fresh challenge.
app.register(
  async (child) => {
    await child.register(powRoutes, { options: shortLived, replay: new ReplayGuard() });
  },
  { prefix: "/short" },
);
app.get("/broken", async (_request, reply) => reply.code(500).send({ error: "down" }));

beforeAll(() => app.ready());
afterAll(() => app.close());

function load(challengeUrl: string, globals: { subtle?: boolean } = {}): Page {
  const form = new FakeForm(challengeUrl);
  const status = form.appendChild(new FakeElement("p"));
  status.setAttribute("data-pow-status", "");
  const button = form.appendChild(new FakeElement("button"));
  const fetches: string[] = [];
  const windowListeners = new Map<string, Listener[]>();
  const document = {
    baseURI: `${ORIGIN}/report`,
    querySelectorAll: (selector: string) => (selector === "form[data-pow-challenge-url]" ? [form] : []),
    querySelector: () => null,
    createElement: (tag: string) => new FakeElement(tag),
  };
  const fetch = async (url: string, init: { headers?: Record<string, string> }) => {
    const target = new URL(url);
    expect(target.origin).toBe(ORIGIN);
    fetches.push(target.pathname);
    const response = await app.inject({
      method: "GET",
      url: target.pathname + target.search,
      headers: init.headers ?? {},
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers.set(name, String(value));
    }
    return new Response(response.body, { status: response.statusCode, headers });
  };
  const context = vm.createContext({
    document,
    location: { origin: ORIGIN, href: `${ORIGIN}/report` },
    fetch,
    crypto: globals.subtle === false ? {} : globalThis.crypto,
    TextEncoder,
    URL,
    URLSearchParams,
    btoa,
    performance,
    setTimeout,
    addEventListener: (type: string, listener: Listener) => {
      windowListeners.set(type, [...(windowListeners.get(type) ?? []), listener]);
    },
  });
  vm.runInContext(SCRIPT, context, { filename: "pow.js" });
  return { form, status, button, fetches, windowListeners };
}

/** Polls (generously, for slow CI machines) until the assertion holds. */
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 10_000, interval: 10 });

const powInput = (page: Page) => page.form.querySelector('input[name="pow"]');

describe("/assets/pow.js", () => {
  it("solves on page load and fills the hidden input with a payload the server accepts", async () => {
    const page = load("/api/v1/pow/challenge");
    expect(page.status.getAttribute("aria-live")).toBe("polite");
    expect(powInput(page)?.getAttribute("autocomplete")).toBe("off");
    expect(powInput(page)?.type).toBe("hidden");
    await until(() => expect(page.status.textContent).toBe("Anti-spam check complete."));
    expect(page.fetches).toEqual(["/api/v1/pow/challenge"]);
    const replay = new ReplayGuard();
    expect(await verifyPowSolution(powInput(page)?.value, opts, replay)).toBe("valid");

    // Solved: submitting goes straight through with the payload.
    page.form.requestSubmit(page.button);
    expect(page.form.sent).toHaveLength(1);
    expect(page.form.sent[0]?.pow).toBe(powInput(page)?.value);
  });

  it("holds an early submit until the work is done, then submits once with the same submitter", async () => {
    const page = load("/api/v1/pow/challenge");
    page.form.requestSubmit(page.button);
    page.form.requestSubmit(page.button); // impatient double click
    expect(page.form.sent).toHaveLength(0);
    expect(page.status.textContent).toBe("Finishing the anti-spam check, then sending…");
    await until(() => expect(page.form.sent).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(page.form.sent).toHaveLength(1);
    expect(page.form.sent[0]?.submitter).toBe(page.button);
    expect(await verifyPowSolution(page.form.sent[0]?.pow, opts, new ReplayGuard())).toBe("valid");
    expect(page.fetches).toHaveLength(1);
  });

  it("solves again at submit time when the solution is about to expire", async () => {
    const page = load("/short/api/v1/pow/challenge");
    await until(() => expect(page.status.textContent).toBe("Anti-spam check complete."));
    const first = powInput(page)?.value;
    page.form.requestSubmit(page.button);
    await until(() => expect(page.form.sent).toHaveLength(1));
    expect(page.fetches).toHaveLength(2);
    expect(page.form.sent[0]?.pow).not.toBe(first);
    expect(await verifyPowSolution(page.form.sent[0]?.pow, shortLived, new ReplayGuard())).toBe("valid");
  });

  it("starts over when the page comes back from the back/forward cache", async () => {
    const page = load("/api/v1/pow/challenge");
    await until(() => expect(page.status.textContent).toBe("Anti-spam check complete."));
    const first = powInput(page)?.value;
    const persisted: FakeEvent = {
      type: "pageshow",
      submitter: null,
      persisted: true,
      defaultPrevented: false,
      preventDefault() {},
    };
    for (const listener of page.windowListeners.get("pageshow") ?? []) listener(persisted);
    expect(powInput(page)?.value).toBe("");
    await until(() => expect(page.status.textContent).toBe("Anti-spam check complete."));
    expect(powInput(page)?.value).not.toBe(first);
    expect(page.fetches).toHaveLength(2);
  });

  it("without WebCrypto (e.g. plain HTTP) it leaves the form alone", () => {
    const page = load("/api/v1/pow/challenge", { subtle: false });
    expect(page.status.textContent).toMatch(/cannot run the automatic anti-spam check/);
    expect(powInput(page)).toBeNull();
    page.form.requestSubmit(page.button);
    expect(page.form.sent).toEqual([{ pow: undefined, submitter: page.button }]);
    expect(page.fetches).toEqual([]);
  });

  it("when the challenge cannot be fetched it still submits, without a payload", async () => {
    const page = load("/broken");
    await until(() => expect(page.status.textContent).toMatch(/did not run; you can still send/));
    page.form.requestSubmit(page.button);
    await until(() => expect(page.form.sent).toHaveLength(1));
    expect(page.form.sent[0]?.pow).toBe("");
    expect(await verifyPowSolution(page.form.sent[0]?.pow, opts, new ReplayGuard())).toBe("missing");
  });

  it("refuses a challenge URL on another origin", () => {
    const page = load("https://elsewhere.example/api/v1/pow/challenge");
    expect(page.fetches).toEqual([]);
    expect(page.status.textContent).toMatch(/did not run/);
  });

  it("is plain script with no inline-handler or eval use", () => {
    expect(SCRIPT).not.toMatch(/\beval\s*\(|new Function|innerHTML|import\s|export\s/);
    expect(() => new vm.Script(SCRIPT)).not.toThrow();
  });
});
