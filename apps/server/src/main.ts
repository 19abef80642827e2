/**
 * `npm start`: builds nothing, only listens. Creates the default lab from the
 * `one-master-two-replicas` template (so the first page a user opens is alive), serves the API and
 * the web app on one port, and prints one line with the URL.
 *
 * Environment: PORT (default 8080), HOST (default 127.0.0.1), REPLICA_LAB_WEB_ROOT (default
 * apps/web/dist), REPLICA_LAB_ALLOW_OUTBOUND (comma-separated hosts, addresses and CIDRs lab nodes
 * may replicate from outside the lab; default loopback only, nothing when exposed),
 * REPLICA_LAB_SECRET (the operator secret an exposed server requires; default: one made at start
 * and printed in the URL line), REPLICA_LAB_ALLOWED_HOSTS and REPLICA_LAB_ALLOWED_ORIGINS
 * (comma-separated names the server also answers to, and pages also allowed to drive it),
 * REPLICA_LAB_DATA_DIR (where labs are kept across restarts; default `data/` at the repository's
 * root, created if missing).
 *
 * A HOST that is not loopback exposes the server: the URL line then carries `?token=<secret>`
 * (a generated secret only; one set in REPLICA_LAB_SECRET is not printed).
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { fileURLToPath } from "node:url";
import { setKeyHashSecret } from "@replica-lab/engine";
import { buildApp } from "./app.ts";
import { LabStore } from "./storage/lab-store.ts";
import { OutboundPolicy } from "./outbound/outbound-policy.ts";
import { isLoopbackHost } from "./security/addresses.ts";
import { warmUpForks } from "./labs/warm-up.ts";

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

/** A comma-separated list; empty entries dropped. */
function listFromEnv(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/** The operator's list, or undefined for the default (loopback, or nothing when exposed). */
function allowOutboundFromEnv(text: string | undefined): readonly string[] | undefined {
  const entries = listFromEnv(text);
  if (entries.length === 0) return undefined;
  try {
    new OutboundPolicy(entries);
  } catch (error) {
    console.error(`REPLICA_LAB_ALLOW_OUTBOUND: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  return entries;
}

/** `REPLICA_LAB_MAX_LABS`: how many labs the server holds at once (a classroom needs more than the default). */
function maxLabsFromEnv(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 10_000) {
    console.error("REPLICA_LAB_MAX_LABS must be a whole number from 1 to 10000");
    process.exit(2);
  }
  return value;
}

function secretFromEnv(text: string | undefined): string | undefined {
  if (text === undefined || text === "") return undefined;
  if (text.length < 8) {
    console.error("REPLICA_LAB_SECRET must be at least 8 characters long");
    process.exit(2);
  }
  return text;
}

async function main(): Promise<void> {
  // Every lab's dicts hash keys with this process's own secret (before any lab exists), so no
  // client can choose keys that collide and stall every lab (as redis keys its dicts at start-up).
  setKeyHashSecret(randomBytes(8));
  const port = portFromEnv(process.env.PORT);
  const allowOutbound = allowOutboundFromEnv(process.env.REPLICA_LAB_ALLOW_OUTBOUND);
  const host = process.env.HOST || "127.0.0.1";
  const exposed = !isLoopbackHost(host);
  const secret = secretFromEnv(process.env.REPLICA_LAB_SECRET);
  const maxLabs = maxLabsFromEnv(process.env.REPLICA_LAB_MAX_LABS);
  // A HOST given by name is one of the names the server answers to.
  const allowedHosts = [...listFromEnv(process.env.REPLICA_LAB_ALLOWED_HOSTS), ...(isIP(host) === 0 ? [host] : [])];
  const allowedOrigins = listFromEnv(process.env.REPLICA_LAB_ALLOWED_ORIGINS);
  const webRoot = process.env.REPLICA_LAB_WEB_ROOT || fileURLToPath(new URL("../../web/dist", import.meta.url));
  const dataDir = process.env.REPLICA_LAB_DATA_DIR || fileURLToPath(new URL("../../../data", import.meta.url));
  let store: LabStore;
  try {
    store = await LabStore.open(dataDir);
  } catch (error) {
    console.error(`REPLICA_LAB_DATA_DIR: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const app = buildApp({
    webRoot,
    logger: { level: "warn" },
    ...(allowOutbound ? { allowOutbound } : {}),
    access: { exposed, allowedHosts, allowedOrigins, ...(secret ? { secret } : {}) },
    ...(maxLabs !== undefined ? { limits: { maxLabs } } : {}),
    store,
  });
  await app.ready();
  warmUpForks();
  // Labs kept from the last run come back first (on their own ports where free), then the default
  // lab is made if it was not among them.
  for (const problem of await app.persistence!.restore(app.timelines)) console.error(`lab ${problem.labId} was not restored: ${problem.error}`);
  if (!app.labs.has(DEFAULT_LAB_ID)) await app.labs.create({ id: DEFAULT_LAB_ID, name: "default", template: "one-master-two-replicas" });
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${boundPort}/?lab=${DEFAULT_LAB_ID}`;
  if (!exposed) console.log(`Replica Lab: ${url}`);
  else if (secret) console.log(`Replica Lab: ${url} (listening beyond loopback: the API needs the secret set in REPLICA_LAB_SECRET)`);
  // Printed once, here; the page load turns it into a cookie and drops it from the address.
  else console.log(`Replica Lab: ${url}&token=${app.access.secret} (listening beyond loopback: the API needs this token; set REPLICA_LAB_SECRET to choose it)`);

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
