/**
 * Serves the web app's build (`apps/web/dist`) when it exists, with a single-page-app fallback: any
 * GET outside `/api/` that is not a file gets `index.html`, so `/?lab=<id>` and deep links load the
 * app. Without a build, non-API paths are plain 404s.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { ApiFailure } from "./errors.ts";

/**
 * Installs on the root instance (not as an encapsulated plugin: the not-found handler must cover
 * every path). `root` is the directory holding `index.html`, or null for none.
 */
export function installWebApp(app: FastifyInstance, root: string | null): void {
  const hasApp = root !== null && existsSync(join(root, "index.html"));
  if (hasApp) app.register(fastifyStatic, { root, prefix: "/", wildcard: true, index: ["index.html"] });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    if (hasApp && (request.method === "GET" || request.method === "HEAD") && !path.startsWith("/api/") && path !== "/api") {
      return reply.type("text/html").sendFile("index.html");
    }
    const failure = new ApiFailure("not-found", `no route ${request.method} ${path}`);
    return reply.code(failure.statusCode).send(failure.toBody());
  });
}
