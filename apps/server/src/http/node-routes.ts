/**
 * REST routes for the nodes of a lab. `:node` is a node id (`n1`) or a node name (`A`); ids are
 * the stable handles, names are what people type.
 */
import type { FastifyPluginAsync } from "fastify";
import type { NodeSnapshot } from "@replica-lab/engine";
import type { LabOperation } from "@replica-lab/protocol";
import { runOperation } from "../labs/operations.ts";
import { requireVersion } from "../labs/templates.ts";
import { missingBodyIsEmpty, type RoutesOptions } from "./lab-routes.ts";
import { bodySchemas, params } from "./schemas.ts";

interface NodeParams {
  lab: string;
  node: string;
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
