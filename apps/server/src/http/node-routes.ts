/**
 * REST routes for the nodes of a lab. `:node` is a node id (`n1`) or a node name (`A`); ids are
 * the stable handles, names are what people type.
 */
import type { FastifyPluginAsync } from "fastify";
import { datasetDigestHex, keyspacePage, RedisNode, type NodeProcess, type NodeSnapshot } from "@replica-lab/engine";
import type { DigestsAnswer, KeyspaceAnswer, LabOperation } from "@replica-lab/protocol";
import { runOperation } from "../labs/operations.ts";
import { requireVersion } from "../labs/templates.ts";
import { missingBodyIsEmpty, type RoutesOptions } from "./lab-routes.ts";
import { bodySchemas, params } from "./schemas.ts";

interface NodeParams {
  lab: string;
  node: string;
}

/** `GET …/keyspace` query: a db, a page of keys, and how many elements each key previews. */
const keyspaceQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    db: { type: "integer", minimum: 0, maximum: 1023, default: 0 },
    offset: { type: "integer", minimum: 0, default: 0 },
    count: { type: "integer", minimum: 1, maximum: 200, default: 50 },
    items: { type: "integer", minimum: 0, maximum: 50, default: 10 },
  },
} as const;

/**
 * Cards poll every node's digest; beyond this many keys a node shows none. The digest is a SHA1
 * of every key and value in plain JavaScript (tens of ms per thousand keys): a lab under write load
 * must not spend its server on it at each poll.
 */
export const CARD_DIGEST_MAX_KEYS = 2_000;
/**
 * The last digest per process, kept while its data cannot have changed: every write counts in
 * `dirty`, which only a save or load resets, and those are trace events (`changeCount`); expiries
 * change the key count.
 */
const digestCache = new WeakMap<NodeProcess, { readonly version: string; readonly hex: string | null }>();

function cardDigest(process: NodeProcess | null): string | null {
  if (!(process instanceof RedisNode)) return null;
  const version = `${process.dirty}/${process.changeCount}/${process.keyspace.totalKeys}`;
  const cached = digestCache.get(process);
  if (cached !== undefined && cached.version === version) return cached.hex;
  const hex = datasetDigestHex(process, CARD_DIGEST_MAX_KEYS);
  digestCache.set(process, { version, hex });
  return hex;
}

export const nodeRoutes: FastifyPluginAsync<RoutesOptions> = async (app, { registry }) => {
  const bodies = bodySchemas(registry.limits);
  const run = (labId: string, op: LabOperation) => runOperation(registry.get(labId), op, registry.limits);

  app.post<{ Params: { lab: string }; Body: { name?: string; version?: string; config?: Record<string, string | number | boolean>; resp?: boolean; port?: number } }>(
    "/labs/:lab/nodes",
    { schema: { params: params.lab, body: bodies.addNode }, preValidation: missingBodyIsEmpty },
    async (request, reply) => {
      const { version, ...rest } = request.body;
      const node = await run(request.params.lab, { kind: "add-node", ...rest, ...(version === undefined ? {} : { version: requireVersion(version) }) });
      reply.code(201);
      return node;
    },
  );

  app.get<{ Params: NodeParams }>("/labs/:lab/nodes/:node", { schema: { params: params.node } }, async (request): Promise<NodeSnapshot> => {
    const runtime = registry.get(request.params.lab);
    return runtime.nodeView(runtime.requireNode(request.params.node));
  });

  // Reads of the data, for the keyspace browser and the cards: no command runs, so looking changes
  // nothing (no keyspace hits, no lazy expiry, nothing in the lab's input log).
  app.get<{ Params: NodeParams; Querystring: { db: number; offset: number; count: number; items: number } }>(
    "/labs/:lab/nodes/:node/keyspace",
    { schema: { params: params.node, querystring: keyspaceQuery } },
    async (request): Promise<KeyspaceAnswer> => {
      const runtime = registry.get(request.params.lab);
      const id = runtime.requireNode(request.params.node);
      const process = runtime.lab.process(id);
      if (process === null) return { kind: "unavailable", reason: "down" };
      if (!(process instanceof RedisNode)) return { kind: "unavailable", reason: "not-redis" };
      return { kind: "keys", page: keyspacePage(process, request.query) };
    },
  );

  app.get<{ Params: { lab: string } }>("/labs/:lab/digests", { schema: { params: params.lab } }, async (request): Promise<DigestsAnswer> => {
    const runtime = registry.get(request.params.lab);
    const digests: Record<string, string | null> = {};
    for (const id of runtime.lab.nodeIds()) digests[id] = cardDigest(runtime.lab.process(id));
    return { digests };
  });

  app.delete<{ Params: NodeParams }>("/labs/:lab/nodes/:node", { schema: { params: params.node } }, async (request, reply) => {
    await run(request.params.lab, { kind: "remove-node", nodeId: request.params.node });
    return reply.code(204).send();
  });

  app.post<{ Params: NodeParams; Body: { argv: string[]; session?: string } }>(
    "/labs/:lab/nodes/:node/command",
    { schema: { params: params.node, body: bodies.command } },
    async (request) => {
      const { argv, session } = request.body;
      return run(request.params.lab, { kind: "command", nodeId: request.params.node, argv, ...(session === undefined ? {} : { session }) });
    },
  );

  app.put<{ Params: NodeParams; Body: { masterId: string | null; persist?: boolean } }>(
    "/labs/:lab/nodes/:node/master",
    { schema: { params: params.node, body: bodies.setMaster } },
    async (request) =>
      run(request.params.lab, { kind: "set-master", nodeId: request.params.node, masterId: request.body.masterId, persist: request.body.persist === true }),
  );

  app.get<{ Params: NodeParams }>("/labs/:lab/nodes/:node/config-file", { schema: { params: params.node } }, async (request): Promise<{ text: string }> => {
    const runtime = registry.get(request.params.lab);
    return runtime.configFile(runtime.requireNode(request.params.node));
  });

  app.put<{ Params: NodeParams; Body: { text: string } }>(
    "/labs/:lab/nodes/:node/config-file",
    { schema: { params: params.node, body: bodies.configFile } },
    async (request) => run(request.params.lab, { kind: "config-file", nodeId: request.params.node, text: request.body.text }),
  );

  app.post<{ Params: NodeParams; Body: { save?: boolean } }>(
    "/labs/:lab/nodes/:node/shutdown",
    { schema: { params: params.node, body: bodies.shutdown }, preValidation: missingBodyIsEmpty },
    async (request) => {
      const save = request.body.save;
      return run(request.params.lab, { kind: "shutdown", nodeId: request.params.node, ...(save === undefined ? {} : { save }) });
    },
  );

  for (const kind of ["kill", "freeze", "thaw"] as const) {
    app.post<{ Params: NodeParams }>(
      `/labs/:lab/nodes/:node/${kind}`,
      { schema: { params: params.node, body: bodies.empty }, preValidation: missingBodyIsEmpty },
      async (request) => run(request.params.lab, { kind, nodeId: request.params.node }),
    );
  }

  app.post<{ Params: NodeParams; Body: { wipe?: boolean; version?: string } }>(
    "/labs/:lab/nodes/:node/restart",
    { schema: { params: params.node, body: bodies.restart }, preValidation: missingBodyIsEmpty },
    async (request) => {
      const { wipe, version } = request.body;
      return run(request.params.lab, { kind: "restart", nodeId: request.params.node, wipe: wipe === true, ...(version === undefined ? {} : { version: requireVersion(version) }) });
    },
  );

  app.put<{ Params: NodeParams; Body: { opsPerSec: number } }>(
    "/labs/:lab/nodes/:node/write-load",
    { schema: { params: params.node, body: bodies.writeLoad } },
    async (request) => ({ writeLoads: await run(request.params.lab, { kind: "write-load", nodeId: request.params.node, opsPerSec: request.body.opsPerSec }) }),
  );
};
