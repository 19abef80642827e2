/**
 * `npm start`: builds nothing, only listens. Creates the default lab from the
 * `one-master-two-replicas` template (so the first page a user opens is alive), serves the API and
 * the web app on one port, and prints one line with the URL.
 *
 * Environment: PORT (default 8080), HOST (default 127.0.0.1), REPLICA_LAB_WEB_ROOT (default
 * apps/web/dist).
 */
import { fileURLToPath } from "node:url";
import { buildApp } from "./app.ts";

const DEFAULT_LAB_ID = "default";

function portFromEnv(text: string | undefined): number {
  if (text === undefined || text === "") return 8080;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be an integer from 0 to 65535, not ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const port = portFromEnv(process.env.PORT);
  const host = process.env.HOST || "127.0.0.1";
  const webRoot = process.env.REPLICA_LAB_WEB_ROOT || fileURLToPath(new URL("../../web/dist", import.meta.url));
  const app = buildApp({ webRoot, logger: { level: "warn" } });
  await app.ready();
  await app.labs.create({ id: DEFAULT_LAB_ID, name: "default", template: "one-master-two-replicas" });
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  console.log(`Replica Lab: http://${shownHost}:${boundPort}/?lab=${DEFAULT_LAB_ID}`);

  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
