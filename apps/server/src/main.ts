/**
 * `npm start`: builds nothing, only listens. Creates the default lab from the
 * `one-master-two-replicas` template (so the first page a user opens is alive), serves the API and
 * the web app on one port, and prints one line with the URL.
 *
 * Environment: PORT (default 8080), HOST (default 127.0.0.1), REPLICA_LAB_WEB_ROOT (default
 * apps/web/dist), REPLICA_LAB_ALLOW_OUTBOUND (comma-separated hosts, addresses and CIDRs lab nodes
 * may replicate from outside the lab; default loopback only).
 */
import { fileURLToPath } from "node:url";
import { buildApp } from "./app.ts";
import { DEFAULT_OUTBOUND_ALLOW, OutboundPolicy } from "./outbound/outbound-policy.ts";

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

function allowOutboundFromEnv(text: string | undefined): readonly string[] {
  if (text === undefined || text.trim() === "") return DEFAULT_OUTBOUND_ALLOW;
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  try {
    new OutboundPolicy(entries);
  } catch (error) {
    console.error(`REPLICA_LAB_ALLOW_OUTBOUND: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  return entries;
}

async function main(): Promise<void> {
  const port = portFromEnv(process.env.PORT);
  const allowOutbound = allowOutboundFromEnv(process.env.REPLICA_LAB_ALLOW_OUTBOUND);
  const host = process.env.HOST || "127.0.0.1";
  const webRoot = process.env.REPLICA_LAB_WEB_ROOT || fileURLToPath(new URL("../../web/dist", import.meta.url));
  const app = buildApp({ webRoot, logger: { level: "warn" }, allowOutbound });
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
