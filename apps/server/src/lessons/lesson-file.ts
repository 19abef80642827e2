/**
 * Reads a lesson file (`lessons/*.json`, the format of `lessons/README.md`) into a
 * `LessonDefinition`. A file is plain JSON written by people, so every mistake is reported with
 * the path of the value that is wrong ("steps[2].checks[0].field: unknown field
 * \"master_lnk_status\""), and nothing half-read is ever served. Whether the lesson's node kinds
 * exist is not this file's business: a lesson for a kind the engine lacks still reads, and the
 * catalogue marks it unavailable.
 */
import {
  CHECK_EVENTS,
  CHECK_FIELDS,
  GLOSSARY_TERMS,
  type CheckComparison,
  type CheckEvent,
  type CheckField,
  type CheckReference,
  type CheckValue,
  type GlossaryTerm,
  type LessonCheck,
  type LessonDefinition,
  type LessonOperation,
  type LessonSource,
  type LessonStep,
  type LessonWidget,
  type LocalizedText,
} from "@replica-lab/protocol";

/** A lesson file that cannot be served, with where in it the problem is. */
export class LessonFileError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${file}: ${path === "" ? "" : `${path}: `}${problem}`);
    this.name = "LessonFileError";
  }
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type JsonObject = { readonly [key: string]: Json };

/** The node kind a node gets when its `add-node` names none. */
export const DEFAULT_KIND = "7.0";

const ID = /^[a-z0-9][a-z0-9-]*$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+?)\.(port|host|address)\s*\}\}/g;
const WIDGETS: readonly LessonWidget[] = ["backlog-calculator"];

/** Parses and checks one lesson file's text. */
export function parseLessonFile(file: string, text: string): LessonDefinition {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (error) {
    throw new LessonFileError(file, "", `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return new Reader(file).lesson(json);
}

class Reader {
  /** Every node name an `add-node` of the lesson introduces, in order. */
  private readonly nodeNames = new Set<string>();

  constructor(private readonly file: string) {}

  private fail(path: string, problem: string): never {
    throw new LessonFileError(this.file, path, problem);
  }

  lesson(json: Json): LessonDefinition {
    const o = this.object(json, "", ["id", "order", "title", "summary", "sources", "terms", "setup", "steps"]);
    const id = this.string(o.id, "id");
    if (!ID.test(id)) this.fail("id", "use lowercase letters, digits and dashes");
    // Node names come first, so a check may name a node that a later step adds.
    const setupJson = this.array(o.setup ?? [], "setup");
    const stepsJson = this.array(o.steps, "steps");
    if (stepsJson.length === 0) this.fail("steps", "a lesson needs at least one step");
    this.collectNodeNames(setupJson, stepsJson);
    const setup = setupJson.map((op, i) => this.operation(op, `setup[${i}]`));
    const steps = stepsJson.map((step, i) => this.step(step, `steps[${i}]`));
    const stepIds = new Set<string>();
    for (const [i, step] of steps.entries()) {
      if (stepIds.has(step.id)) this.fail(`steps[${i}].id`, `another step is also called "${step.id}"`);
      stepIds.add(step.id);
    }
    const terms = this.terms(o.terms ?? {}, stepIds);
    const kinds = new Set<string>();
    for (const op of [...setup, ...steps.flatMap((s) => [...s.run, ...s.do])]) if (op.op === "add-node") kinds.add(op.version ?? DEFAULT_KIND);
    return {
      id,
      order: this.number(o.order ?? 1000, "order"),
      title: this.localized(o.title, "title"),
      summary: this.localized(o.summary, "summary"),
      kinds: [...kinds],
      available: true,
      missingKinds: [],
      stepCount: steps.length,
      sources: this.array(o.sources ?? [], "sources").map((s, i) => this.source(s, `sources[${i}]`)),
      terms,
      setup,
      steps,
    };
  }

  private collectNodeNames(setup: readonly Json[], steps: readonly Json[]): void {
    const ops: { json: Json; path: string }[] = setup.map((json, i) => ({ json, path: `setup[${i}]` }));
    for (const [i, step] of steps.entries()) {
      if (step === null || typeof step !== "object" || Array.isArray(step)) continue;
      const s = step as JsonObject;
      for (const field of ["run", "do"] as const) {
        const list = s[field];
        if (Array.isArray(list)) for (const [j, json] of (list as readonly Json[]).entries()) ops.push({ json, path: `steps[${i}].${field}[${j}]` });
      }
    }
    for (const { json, path } of ops) {
      if (json === null || typeof json !== "object" || Array.isArray(json)) continue;
      const op = json as JsonObject;
      if (op.op !== "add-node") continue;
      const name = this.string(op.name, `${path}.name`);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.length > 32) this.fail(`${path}.name`, "a node name is 1-32 letters, digits, _ . -, starting with a letter or digit");
      if (this.nodeNames.has(name)) this.fail(`${path}.name`, `node ${name} is added twice`);
      this.nodeNames.add(name);
    }
  }

  private step(json: Json, path: string): LessonStep {
    const o = this.object(json, path, ["id", "title", "text", "try", "run", "do", "checks", "widget"]);
    const id = this.string(o.id, `${path}.id`);
    if (!ID.test(id)) this.fail(`${path}.id`, "use lowercase letters, digits and dashes");
    const run = this.array(o.run ?? [], `${path}.run`).map((op, i) => this.operation(op, `${path}.run[${i}]`));
    const does = this.array(o.do ?? [], `${path}.do`).map((op, i) => this.operation(op, `${path}.do[${i}]`));
    const tryText = o.try === undefined ? undefined : this.localized(o.try, `${path}.try`);
    if (tryText && does.length === 0) this.fail(`${path}.do`, `a "try it yourself" step needs the operations "do it for me" runs`);
    if (!tryText && does.length > 0) this.fail(`${path}.try`, `a step with "do" must say what the user is asked to try`);
    const checks = this.array(o.checks ?? [], `${path}.checks`).map((c, i) => this.check(c, `${path}.checks[${i}]`));
    if (tryText && checks.length === 0) this.fail(`${path}.checks`, `a "try it yourself" step needs checks that tell when it is done`);
    let widget: LessonWidget | undefined;
    if (o.widget !== undefined) widget = this.oneOf(o.widget, `${path}.widget`, WIDGETS);
    return {
      id,
      title: this.localized(o.title, `${path}.title`),
      text: this.localized(o.text, `${path}.text`),
      ...(tryText ? { try: tryText } : {}),
      run,
      do: does,
      checks,
      ...(widget ? { widget } : {}),
    };
  }

  private operation(json: Json, path: string): LessonOperation {
    const kind = this.string(this.object(json, path, null).op, `${path}.op`);
    const node = (o: JsonObject): string => this.node(o.node, `${path}.node`);
    switch (kind) {
      case "add-node": {
        const o = this.object(json, path, ["op", "name", "version", "config"]);
        const config = o.config === undefined ? undefined : this.config(o.config, `${path}.config`);
        return {
          op: "add-node",
          name: this.string(o.name, `${path}.name`),
          ...(o.version === undefined ? {} : { version: this.string(o.version, `${path}.version`) }),
          ...(config ? { config } : {}),
        };
      }
      case "replicaof": {
        const o = this.object(json, path, ["op", "node", "master", "persist"]);
        const master = o.master === null ? null : this.node(o.master, `${path}.master`);
        return { op: "replicaof", node: node(o), master, ...(o.persist === undefined ? {} : { persist: this.boolean(o.persist, `${path}.persist`) }) };
      }
      case "command": {
        const o = this.object(json, path, ["op", "node", "argv"]);
        const argv = this.array(o.argv, `${path}.argv`).map((a, i) => this.placeholders(this.string(a, `${path}.argv[${i}]`), `${path}.argv[${i}]`));
        if (argv.length === 0) this.fail(`${path}.argv`, "a command needs at least its name");
        return { op: "command", node: node(o), argv };
      }
      case "write": {
        const o = this.object(json, path, ["op", "node", "count", "prefix", "valueBytes"]);
        const count = this.integer(o.count, `${path}.count`, 1, 2000);
        return {
          op: "write",
          node: node(o),
          count,
          ...(o.prefix === undefined ? {} : { prefix: this.string(o.prefix, `${path}.prefix`) }),
          ...(o.valueBytes === undefined ? {} : { valueBytes: this.integer(o.valueBytes, `${path}.valueBytes`, 1, 65_536) }),
        };
      }
      case "shutdown": {
        const o = this.object(json, path, ["op", "node", "save"]);
        return { op: "shutdown", node: node(o), ...(o.save === undefined ? {} : { save: this.boolean(o.save, `${path}.save`) }) };
      }
      case "restart": {
        const o = this.object(json, path, ["op", "node", "wipe"]);
        return { op: "restart", node: node(o), ...(o.wipe === undefined ? {} : { wipe: this.boolean(o.wipe, `${path}.wipe`) }) };
      }
      case "kill":
      case "freeze":
      case "thaw": {
        const o = this.object(json, path, ["op", "node"]);
        return { op: kind, node: node(o) };
      }
      case "link": {
        const o = this.object(json, path, ["op", "a", "b", "partitioned", "latencyMs", "bandwidthBytesPerSec"]);
        return {
          op: "link",
          a: this.node(o.a, `${path}.a`),
          b: this.node(o.b, `${path}.b`),
          ...(o.partitioned === undefined ? {} : { partitioned: this.boolean(o.partitioned, `${path}.partitioned`) }),
          ...(o.latencyMs === undefined ? {} : { latencyMs: this.integer(o.latencyMs, `${path}.latencyMs`, 0, 60_000) }),
          ...(o.bandwidthBytesPerSec === undefined ? {} : { bandwidthBytesPerSec: this.integer(o.bandwidthBytesPerSec, `${path}.bandwidthBytesPerSec`, 1, 1e12) }),
        };
      }
      case "wait": {
        const o = this.object(json, path, ["op", "ms"]);
        return { op: "wait", ms: this.integer(o.ms, `${path}.ms`, 1, 3_600_000) };
      }
      default:
        return this.fail(`${path}.op`, `unknown operation "${kind}" (add-node, replicaof, command, write, kill, shutdown, restart, freeze, thaw, link, wait)`);
    }
  }

  private check(json: Json, path: string): LessonCheck {
    const o = this.object(json, path, null);
    const label = o.label === undefined ? undefined : this.localized(o.label, `${path}.label`);
    const withLabel = <C extends LessonCheck>(check: C): C => (label ? { ...check, label } : check);
    if (o.field !== undefined) {
      this.object(json, path, ["node", "field", "equals", "notEquals", "atLeast", "atMost", "sameAs", "differsFrom", "label"]);
      return withLabel({ kind: "field", node: this.node(o.node, `${path}.node`), field: this.field(o.field, `${path}.field`), compare: this.comparison(o, path) });
    }
    if (o.event !== undefined) {
      this.object(json, path, ["event", "node", "side", "peer", "detail", "absent", "atLeast", "since", "label"]);
      const absent = o.absent === undefined ? false : this.boolean(o.absent, `${path}.absent`);
      if (absent && o.atLeast !== undefined) this.fail(path, `"absent" and "atLeast" exclude each other`);
      return withLabel({
        kind: "event",
        event: this.oneOf(o.event, `${path}.event`, CHECK_EVENTS) satisfies CheckEvent,
        ...(o.node === undefined ? {} : { node: this.node(o.node, `${path}.node`) }),
        ...(o.side === undefined ? {} : { side: this.oneOf(o.side, `${path}.side`, ["master", "replica"] as const) }),
        ...(o.peer === undefined ? {} : { peer: this.node(o.peer, `${path}.peer`) }),
        ...(o.detail === undefined ? {} : { detail: this.string(o.detail, `${path}.detail`) }),
        absent,
        atLeast: o.atLeast === undefined ? 1 : this.integer(o.atLeast, `${path}.atLeast`, 1, 1_000_000),
        since: o.since === undefined ? "step" : this.oneOf(o.since, `${path}.since`, ["step", "lesson"] as const),
      });
    }
    if (o.key !== undefined) {
      this.object(json, path, ["node", "key", "db", "equals", "exists", "label"]);
      const equals = o.equals === undefined ? undefined : this.string(o.equals, `${path}.equals`);
      const exists = o.exists === undefined ? true : this.boolean(o.exists, `${path}.exists`);
      if (equals !== undefined && !exists) this.fail(path, `"equals" with "exists": false can never hold`);
      return withLabel({
        kind: "key",
        node: this.node(o.node, `${path}.node`),
        key: this.string(o.key, `${path}.key`),
        db: o.db === undefined ? 0 : this.integer(o.db, `${path}.db`, 0, 15),
        ...(equals === undefined ? {} : { equals }),
        exists,
      });
    }
    if (o.sameData !== undefined) {
      this.object(json, path, ["node", "sameData", "label"]);
      return withLabel({ kind: "same-data", node: this.node(o.node, `${path}.node`), as: this.node(o.sameData, `${path}.sameData`) });
    }
    if (o.typed !== undefined) {
      this.object(json, path, ["node", "typed", "label"]);
      const command = this.string(o.typed, `${path}.typed`);
      if (!/^[A-Za-z]+$/.test(command)) this.fail(`${path}.typed`, "a command name (letters only)");
      return withLabel({ kind: "typed", node: this.node(o.node, `${path}.node`), command: command.toUpperCase() });
    }
    return this.fail(path, `a check has one of "field", "event", "key", "sameData" or "typed"`);
  }

  private comparison(o: JsonObject, path: string): CheckComparison {
    const present = (["equals", "notEquals", "atLeast", "atMost", "sameAs", "differsFrom"] as const).filter((k) => o[k] !== undefined);
    if (present.length !== 1) this.fail(path, `a field check has exactly one of equals, notEquals, atLeast, atMost, sameAs, differsFrom (found ${present.length})`);
    const kind = present[0]!;
    switch (kind) {
      case "equals":
      case "notEquals":
        return { kind, value: this.value(o[kind]!, `${path}.${kind}`) };
      case "atLeast":
      case "atMost":
        return { kind, value: this.number(o[kind]!, `${path}.${kind}`) };
      case "sameAs":
      case "differsFrom":
        return { kind, ref: this.reference(o[kind]!, `${path}.${kind}`) };
    }
  }

  private reference(json: Json, path: string): CheckReference {
    if (typeof json === "string") return { node: this.node(json, path) };
    const o = this.object(json, path, ["node", "field"]);
    return { node: this.node(o.node, `${path}.node`), ...(o.field === undefined ? {} : { field: this.field(o.field, `${path}.field`) }) };
  }

  private terms(json: Json, stepIds: ReadonlySet<string>): { term: GlossaryTerm; step: string }[] {
    const o = this.object(json, "terms", GLOSSARY_TERMS);
    const out: { term: GlossaryTerm; step: string }[] = [];
    for (const term of GLOSSARY_TERMS) {
      if (o[term] === undefined) continue;
      const step = this.string(o[term], `terms.${term}`);
      if (!stepIds.has(step)) this.fail(`terms.${term}`, `no step is called "${step}"`);
      out.push({ term, step });
    }
    return out;
  }

  private source(json: Json, path: string): LessonSource {
    const o = this.object(json, path, ["seed", "section", "code", "url"]);
    const url = o.url === undefined ? undefined : this.string(o.url, `${path}.url`);
    if (url !== undefined && !/^https:\/\//.test(url)) this.fail(`${path}.url`, "an https:// address");
    return {
      seed: this.string(o.seed, `${path}.seed`),
      section: this.string(o.section, `${path}.section`),
      ...(o.code === undefined ? {} : { code: this.string(o.code, `${path}.code`) }),
      ...(url === undefined ? {} : { url }),
    };
  }

  private config(json: Json, path: string): Record<string, string | number | boolean> {
    const o = this.object(json, path, null);
    const out: Record<string, string | number | boolean> = {};
    for (const [name, value] of Object.entries(o)) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") this.fail(`${path}.${name}`, "a string, number or boolean");
      out[name] = value;
    }
    return out;
  }

  private placeholders(text: string, path: string): string {
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (!this.nodeNames.has(match[1]!)) this.fail(path, `{{${match[1]}.${match[2]}}} names no node of the lesson`);
    }
    return text;
  }

  // -------------------------------------------------------------------------------------------
  // Primitive readers

  /** An object whose keys are among `allowed` (null: any keys). */
  private object(json: Json | undefined, path: string, allowed: readonly string[] | null): JsonObject {
    if (json === null || json === undefined || typeof json !== "object" || Array.isArray(json)) this.fail(path, "an object");
    const o = json as JsonObject;
    if (allowed) {
      for (const key of Object.keys(o)) if (!allowed.includes(key)) this.fail(path === "" ? key : `${path}.${key}`, `unknown property (expected one of ${allowed.join(", ")})`);
    }
    return o;
  }

  private array(json: Json | undefined, path: string): readonly Json[] {
    if (!Array.isArray(json)) this.fail(path, "a list");
    return json as readonly Json[];
  }

  private string(json: Json | undefined, path: string): string {
    if (typeof json !== "string" || json.trim() === "") this.fail(path, "a non-empty string");
    return json as string;
  }

  private number(json: Json | undefined, path: string): number {
    if (typeof json !== "number" || !Number.isFinite(json)) this.fail(path, "a number");
    return json as number;
  }

  private integer(json: Json | undefined, path: string, min: number, max: number): number {
    const n = this.number(json, path);
    if (!Number.isInteger(n) || n < min || n > max) this.fail(path, `a whole number from ${min} to ${max}`);
    return n;
  }

  private boolean(json: Json | undefined, path: string): boolean {
    if (typeof json !== "boolean") this.fail(path, "true or false");
    return json as boolean;
  }

  private value(json: Json, path: string): CheckValue {
    if (typeof json === "string" || typeof json === "number" || typeof json === "boolean") return json;
    return this.fail(path, "a string, number or boolean");
  }

  private oneOf<T extends string>(json: Json | undefined, path: string, options: readonly T[]): T {
    const s = this.string(json, path);
    if (!(options as readonly string[]).includes(s)) this.fail(path, `"${s}" is not one of ${options.join(", ")}`);
    return s as T;
  }

  private field(json: Json | undefined, path: string): CheckField {
    return this.oneOf(json, path, CHECK_FIELDS);
  }

  private node(json: Json | undefined, path: string): string {
    const name = this.string(json, path);
    if (!this.nodeNames.has(name)) this.fail(path, `no add-node of the lesson adds a node called "${name}"`);
    return name;
  }

  private localized(json: Json | undefined, path: string): LocalizedText {
    const o = this.object(json, path, ["en", "zh"]);
    return { en: this.string(o.en, `${path}.en`), zh: this.string(o.zh, `${path}.zh`) };
  }
}
