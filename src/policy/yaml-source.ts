import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { PolicyProblem } from "./problems.js";

/**
 * A parsed YAML policy file that remembers where every value came from, so that problems
 * found later (by the schema, by cross-checks) can point at a line and column.
 */
export interface YamlSource {
  file: string;
  data: unknown;
  /** Position of the value at `path`, or of its key when `at` is "key"; falls back to the nearest parent. */
  locate(path: ReadonlyArray<PropertyKey>, at?: "value" | "key"): { line: number; column: number };
  /** Syntax problems (bad YAML, duplicate keys). When there are any, `data` must not be trusted. */
  syntaxProblems: PolicyProblem[];
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) turns a duplicate key into an error instead of a silent overwrite.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });

  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const syntaxProblems: PolicyProblem[] = [...doc.errors, ...doc.warnings].map((error) => {
    const at = position(error.pos[0]);
    // The error marks the start of the repeated key; the key is the rest of that line up to ":".
    const excerpt = /^([^:\n]*)/.exec(text.slice(error.pos[0]))?.[1]?.trim() ?? "";
    return { file, ...at, path: "", message: yamlErrorText(error.code, error.message, excerpt) };
  });

  const locate = (path: ReadonlyArray<PropertyKey>, at: "value" | "key" = "value") => {
    let node: Node | null | undefined = doc.contents;
    let offset = node?.range?.[0] ?? 0;
    for (const [index, segment] of path.entries()) {
      const last = index === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair === undefined) break;
        const keyNode = pair.key as Node;
        if (last && at === "key") {
          offset = keyNode.range?.[0] ?? offset;
          break;
        }
        node = pair.value as Node | null;
        // A key with an empty value has no value node: point at the key instead.
        offset = node?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment] as Node | undefined;
        if (item === undefined) break;
        node = item;
        offset = item.range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return position(offset);
  };

  return { file, data: doc.errors.length > 0 ? undefined : doc.toJS(), locate, syntaxProblems };
}

/** yaml's messages repeat the position and add a code excerpt; keep the sentence a person needs. */
function yamlErrorText(code: string, message: string, excerpt: string): string {
  const sentence = message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") {
    return `duplicate key ${JSON.stringify(excerpt)}: each key may appear only once in a mapping`;
  }
  return `invalid YAML: ${sentence}`;
}
