/**
 * JSON schemas for every input: REST bodies, params and queries, and the operations a client sends
 * over the stream. Defined once here; the REST route for an operation and the stream's `op` message
 * validate against the same body schema, so both reject the same input with the same code.
 */
import { MAX_SPEED, MIN_SPEED } from "../labs/lab-clock.ts";
import { TEMPLATES } from "../labs/templates.ts";
import type { ServerLimits } from "../limits.ts";

/** A JSON schema as plain data (Ajv compiles it; Fastify reads it). */
export type Schema = Readonly<Record<string, unknown>>;

/** Longest step a client may ask for in one request (1 hour of virtual time). */
export const MAX_STEP_MS = 3_600_000;
/** The step length when `stepMs` is absent. */
export const DEFAULT_STEP_MS = 100;
/** Longest config file accepted, in characters (redis.conf from redis 7.0 is about 106 KB with its comments). */
export const MAX_CONFIG_FILE_CHARS = 256 * 1024;

const id = { type: "string", minLength: 1, maxLength: 64 } as const;
const nodeName = { type: "string", minLength: 1, maxLength: 32, pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$" } as const;

/** Body schemas by operation; `kind` and the ids come from the URL in REST, from the message in the stream. */
export function bodySchemas(limits: ServerLimits) {
  return {
    createLab: {
      type: "object",
      additionalProperties: false,
      properties: {
        name: { type: "string", minLength: 1, maxLength: 64 },
        seed: { anyOf: [{ type: "string", minLength: 1, maxLength: 64 }, { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER }] },
        template: { type: "string", enum: [...TEMPLATES] },
        // The template's node version; checked against the kinds there are (`bad-version`).
        version: { type: "string", minLength: 1, maxLength: 16 },
        // A lesson's id: the lab starts at the lesson's first step (not with a template).
        lesson: { type: "string", minLength: 1, maxLength: 64 },
        // A lab file (GET .../export): checked by the recording reader, which names what is wrong.
        import: {},
      },
      not: { required: ["lesson", "template"] },
      // An import is the whole lab: nothing else may be asked for with it.
      if: { required: ["import"] },
      then: { maxProperties: 1 },
    },
    addNode: {
      type: "object",
      additionalProperties: false,
      properties: {
        name: nodeName,
        // Any short string: a well-formed but unavailable version is `bad-version`, not `bad-request`.
        version: { type: "string", minLength: 1, maxLength: 16 },
        config: {
          type: "object",
          maxProperties: 64,
          propertyNames: { type: "string", minLength: 1, maxLength: 64 },
          additionalProperties: { anyOf: [{ type: "string", maxLength: 1024 }, { type: "number" }, { type: "boolean" }] },
        },
        resp: { type: "boolean" },
        port: { type: "integer", minimum: 1, maximum: 65535 },
      },
    },
    command: {
      type: "object",
      additionalProperties: false,
      required: ["argv"],
      properties: {
        argv: { type: "array", minItems: 1, maxItems: limits.maxArgs, items: { type: "string" } },
        // The caller's own console, kept between calls (see labs/consoles.ts).
        session: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._:-]+$" },
      },
    },
    setMaster: {
      type: "object",
      additionalProperties: false,
      required: ["masterId"],
      properties: { masterId: { anyOf: [id, { type: "null" }] }, persist: { type: "boolean" } },
    },
    shutdown: {
      type: "object",
      additionalProperties: false,
      properties: { save: { type: "boolean" } },
    },
    configFile: {
      type: "object",
      additionalProperties: false,
      required: ["text"],
      properties: { text: { type: "string", maxLength: MAX_CONFIG_FILE_CHARS } },
    },
    restart: {
      type: "object",
      additionalProperties: false,
      // `version` starts the node as another kind (an upgrade); unknown ones are `bad-version`.
      properties: { wipe: { type: "boolean" }, version: { type: "string", minLength: 1, maxLength: 16 } },
    },
    empty: { type: "object", additionalProperties: false, properties: {} },
    link: {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: {
        latencyMs: { type: "number", minimum: 0, maximum: 60_000 },
        bandwidthBytesPerSec: { type: "number", minimum: 1, maximum: 1e12 },
        partitioned: { type: "boolean" },
      },
    },
    clock: {
      type: "object",
      additionalProperties: false,
      required: ["action"],
      properties: {
        action: { type: "string", enum: ["pause", "resume", "step"] },
        speed: { type: "number", minimum: MIN_SPEED, maximum: MAX_SPEED },
        stepMs: { type: "integer", minimum: 1, maximum: MAX_STEP_MS },
      },
    },
    writeLoad: {
      type: "object",
      additionalProperties: false,
      required: ["opsPerSec"],
      properties: { opsPerSec: { type: "integer", minimum: 0, maximum: limits.maxWriteLoadOpsPerSec } },
    },
  } as const satisfies Record<string, Schema>;
}

export type BodySchemas = ReturnType<typeof bodySchemas>;

/** Path parameters. */
export const params = {
  lab: { type: "object", required: ["lab"], properties: { lab: id } },
  node: { type: "object", required: ["lab", "node"], properties: { lab: id, node: id } },
  link: { type: "object", required: ["lab", "from", "to"], properties: { lab: id, from: id, to: id } },
} as const satisfies Record<string, Schema>;

/** `GET /events` query. */
export const eventsQuery = {
  type: "object",
  additionalProperties: false,
  properties: { after: { type: "integer", minimum: 0 } },
} as const satisfies Schema;

/** An operation's schema for the stream: the REST body plus `kind` and the ids REST takes from the path. */
function operation(kind: string, idFields: readonly string[], body: Schema): Schema {
  const bodyProperties = (body.properties ?? {}) as Record<string, unknown>;
  const bodyRequired = (body.required ?? []) as readonly string[];
  const properties: Record<string, unknown> = { kind: { const: kind }, ...bodyProperties };
  for (const field of idFields) properties[field] = id;
  const schema: Record<string, unknown> = {
    type: "object",
    additionalProperties: false,
    required: ["kind", ...idFields, ...bodyRequired],
    properties,
  };
  if (body.minProperties !== undefined) schema.minProperties = Number(body.minProperties) + 1 + idFields.length;
  return schema;
}

/** The stream's client messages (`ClientMessage` in the protocol package). */
export function clientMessageSchema(limits: ServerLimits): Schema {
  const b = bodySchemas(limits);
  const operations = [
    operation("add-node", [], b.addNode),
    operation("remove-node", ["nodeId"], b.empty),
    operation("command", ["nodeId"], b.command),
    operation("set-master", ["nodeId"], b.setMaster),
    operation("kill", ["nodeId"], b.empty),
    operation("shutdown", ["nodeId"], b.shutdown),
    operation("config-file", ["nodeId"], b.configFile),
    operation("restart", ["nodeId"], b.restart),
    operation("freeze", ["nodeId"], b.empty),
    operation("thaw", ["nodeId"], b.empty),
    operation("link", ["a", "b"], b.link),
    operation("clock", [], b.clock),
    operation("write-load", ["nodeId"], b.writeLoad),
  ];
  return {
    type: "object",
    required: ["type"],
    discriminator: { propertyName: "type" },
    oneOf: [
      {
        type: "object",
        additionalProperties: false,
        required: ["type", "requestId", "op"],
        properties: {
          type: { const: "op" },
          requestId: { type: "string", minLength: 1, maxLength: 128 },
          op: { type: "object", required: ["kind"], discriminator: { propertyName: "kind" }, oneOf: operations },
        },
      },
      {
        type: "object",
        additionalProperties: false,
        required: ["type", "sentAt"],
        properties: { type: { const: "ping" }, sentAt: { type: "number" } },
      },
      { type: "object", additionalProperties: false, required: ["type"], properties: { type: { const: "resync" } } },
    ],
  };
}
