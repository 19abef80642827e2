/**
 * One real redis-server 7.0.15 for tests that compare the engine with it: started on a free
 * loopback port with the given settings, reached through `RespClient`, stopped by its PID.
 * `liveRedisAvailable()` lets a test skip only its live part where the binary is absent.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, redisServerAvailable, RespClient } from "./backends.ts";
import { ReplyParser, type Lab, type LabConnection, type NodeId, type Reply } from "../src/index.ts";

export { RespClient };

/** True when a redis-server binary is installed. */
export function liveRedisAvailable(): boolean {
  return redisServerAvailable();
}

/** A running redis-server. */
export class LiveRedis {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
    readonly client: RespClient,
  ) {}

  /** Starts redis-server with `--save ""` plus `config` (name → value). */
  static async start(config: Record<string, string> = {}): Promise<LiveRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "replica-lab-live-"));
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir, "--logfile", join(dir, "log")];
    for (const [name, value] of Object.entries(config)) args.push(`--${name}`, value);
    const child = spawn("redis-server", args, { stdio: "ignore" });
    for (let i = 0; i < 200; i++) {
      try {
        const client = await RespClient.connect(port);
        const pong = await client.command("PING");
        if (pong.kind === "simple") return new LiveRedis(port, dir, child, client);
        client.close();
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill("SIGKILL");
    throw new Error(`redis-server on ${port} did not start`);
  }

  /** Resolves once this server, a replica, reports its master link up (gives up after 5 s). */
  async waitForMasterLink(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const info = await this.client.command("INFO", "replication");
      if (info.kind === "bulk" && info.value !== null && Buffer.from(info.value).toString().includes("master_link_status:up")) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Stops the server (by its PID) and removes its directory. */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGKILL");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A client connection into a lab node whose replies are parsed into `replies`, in order. */
export function labReplyConnection(lab: Lab, node: NodeId, peer: string): { readonly connection: LabConnection; readonly replies: Reply[] } {
  const parser = new ReplyParser();
  const replies: Reply[] = [];
  const connection = lab.openConnection(node, peer, {
    onData: (bytes) => {
      parser.push(bytes);
      for (let reply = parser.next(); reply !== undefined; reply = parser.next()) {
        if (reply.kind === "protocol-error") throw new Error(reply.message);
        replies.push(reply);
      }
    },
    onClose: () => {},
  });
  return { connection, replies };
}
