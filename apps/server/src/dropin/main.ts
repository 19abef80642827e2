/**
 * `bin/replica-lab-server`: one engine node as a drop-in redis-server 7.0.15 process. It takes
 * redis-server's command line (a config file, then `--name value` overrides), listens on `port`
 * (and `unixsocket`), keeps `dump.rdb` and the config file as real files in `dir`, writes redis's
 * log with the engine's decisions in words, and handles SIGTERM/SIGINT as redis's signal handler
 * does (a graceful SHUTDOWN). The node is the "7.0" kind of the lab, run through `NodeHost`.
 */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { nodeKind, parseConfigFile, Prng, REDIS_VERSION, setKeyHashSecret, type NodeEffect, type TraceEvent } from "@replica-lab/engine";
import { parseCommandLine } from "./command-line.ts";
import { splitConfig, type ProcessSettings } from "./directives.ts";
import { RedisLog, traceLines } from "./redis-log.ts";
import { RealDisk } from "./real-disk.ts";
import { NodeHost, WallClock } from "./node-host.ts";
import { ProcessConfig, singleCommand } from "./process-config.ts";

const pid = process.pid;

function fatal(text: string): never {
  process.stderr.write(text);
  process.exit(1);
}

/** The config file's text and the overrides after it, as redis's loadServerConfig joins them. */
function readConfig(configPath: string | null, overrideLines: readonly string[]): string {
  let fileText = "";
  if (configPath !== null) {
    try {
      fileText = readFileSync(configPath, "utf8");
    } catch (error) {
      fatal(`Fatal error, can't open config file '${configPath}': ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (error as Error).message}\n`);
    }
  }
  return `${fileText}\n${overrideLines.join("\n")}\n`;
}


/** loadServerConfigFromString's report of a bad line, as redis prints it before exiting. */
function configError(line: number, text: string, message: string): string {
  return `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\nReading the configuration file, at line ${line}\n>>> '${text}'\n${message}\n`;
}

function banner(settings: ProcessSettings): string {
  const pad = " ".repeat(24);
  return [
    "",
    `${pad}Redis ${REDIS_VERSION} (replica-lab engine node) 64 bit`,
    `${pad}Running in standalone mode`,
    `${pad}Port: ${settings.port}`,
    `${pad}PID: ${pid}`,
    `${pad}https://redis.io (a Replica Lab drop-in)`,
    "",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  // The node's dicts hash keys with this process's own secret, as redis-server keys its dicts at start-up.
  setKeyHashSecret(randomBytes(8));
  const commandLine = parseCommandLine(process.argv.slice(2), (path) => resolve(path));
  if (commandLine.kind === "version") {
    process.stdout.write(`Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=replica-lab\n`);
    return;
  }
  if (commandLine.kind === "help") {
    process.stdout.write("Usage: ./redis-server [/path/to/redis.conf] [options] [-]\n       ./redis-server - (read config from stdin)\n       ./redis-server -v or --version\n       ./redis-server -h or --help\n");
    return;
  }
  const config = splitConfig(readConfig(commandLine.configPath, commandLine.overrideLines));
  if (!config.ok) fatal(configError(config.line, config.text, config.message));
  const settings = config.settings;
  try {
    process.chdir(settings.dir);
  } catch (error) {
    // redis chdirs while it reads the `dir` line, so the failure is a config error at that line.
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (error as NodeJS.ErrnoException).code === "ENOTDIR" ? "Not a directory" : (error as Error).message;
    const at = settings.dirLine;
    if (at) fatal(configError(at.line, at.text, why));
    fatal(`Can't chdir to '${settings.dir}': ${why}\n`);
  }
  const log = new RedisLog(pid, settings.logfile, settings.loglevel);
  const processConfig = new ProcessConfig(
    config.lines,
    {
      port: String(settings.port),
      bind: settings.bind.join(" "),
      dir: process.cwd(),
      logfile: settings.logfile,
      loglevel: settings.loglevel,
      pidfile: settings.pidfile,
      daemonize: settings.daemonize ? "yes" : "no",
      unixsocket: settings.unixsocket,
      "always-show-logo": settings.alwaysShowLogo ? "yes" : "no",
    },
    {
      loglevel: (level) => {
        log.configure(settings.logfile, level as ProcessSettings["loglevel"]);
        return null;
      },
      dir: (path) => {
        try {
          process.chdir(path);
          return null;
        } catch (error) {
          return (error as Error).message;
        }
      },
    },
  );
  log.write("C", "warning", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
  log.write("C", "warning", `Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${pid}, just started`);
  log.write("C", "warning", commandLine.configPath === null ? "Warning: no config file specified, using the default config. In order to specify a config file use ./redis-server /path/to/redis.conf" : "Configuration loaded");
  for (const name of new Set(config.lines.filter((line) => line.owner === "unmodeled").map((line) => line.name))) {
    log.write("C", "verbose", `(lab) directive '${name}' is accepted and not modeled by the lab node`);
  }

  const engineConfig = parseConfigFile(config.engineText);
  const startsAsReplica = engineConfig.ok && engineConfig.replicaOf !== null;
  let role: "M" | "S" = startsAsReplica ? "S" : "M";
  const clock = new WallClock();
  let shuttingDown = false;
  let shutdownLogged = false;

  const onTrace = (event: TraceEvent, batch: readonly NodeEffect[]): void => {
    const view = host.process?.view();
    if (view) role = view.role === "replica" ? "S" : "M";
    if (event.kind === "persistence" && event.action === "save" && batch.some((effect) => effect.type === "exit")) {
      if (!shutdownLogged) log.write(role, "warning", "User requested shutdown...");
      shutdownLogged = true;
      log.write(role, "notice", "Saving the final RDB snapshot before exiting.");
    }
    if (event.kind === "persistence" && event.action === "load") {
      log.write(role, "notice", `Loading RDB produced by version ${REDIS_VERSION}`);
      log.write(role, "notice", `Done loading RDB, keys loaded: ${event.keys}, keys expired: 0.`);
      log.write(role, "notice", "DB loaded from disk: 0.000 seconds");
    }
    for (const line of traceLines(event)) log.write(role, line.level, line.text);
  };
  const host: NodeHost = new NodeHost(clock, {
    trace: onTrace,
    accepted: (peer) => log.write(role, "verbose", `Accepted ${peer}`),
    intercept: (chunk) => {
      const argv = singleCommand(chunk);
      return argv === null ? null : processConfig.answer(argv);
    },
    exit: () => {
      if (!shutdownLogged) log.write(role, "warning", "User requested shutdown...");
      host.stop();
      cleanUp();
      log.write(role, "warning", "Redis is now ready to exit, bye bye...");
      process.exit(0);
    },
  });

  const cleanUp = (): void => {
    for (const path of [settings.pidfile, settings.unixsocket]) {
      if (path === "") continue;
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
    }
  };

  try {
    await host.listenTcp(settings.port, settings.bind);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    const why = code === "EADDRINUSE" ? "Address already in use" : code === "EADDRNOTAVAIL" ? "Cannot assign requested address" : (error as Error).message;
    log.write(role, "warning", `Warning: Could not create server TCP listening socket ${settings.bind.join(" ")}:${settings.port}: bind: ${why}`);
    log.write(role, "warning", `Failed listening on port ${settings.port} (TCP), aborting.`);
    process.exit(1);
  }
  if (settings.unixsocket !== "") {
    try {
      await host.listenUnix(settings.unixsocket);
    } catch (error) {
      log.write(role, "warning", `Failed opening Unix socket: ${(error as Error).message}`);
      process.exit(1);
    }
  }
  if (settings.pidfile !== "") {
    try {
      writeFileSync(settings.pidfile, `${pid}\n`);
    } catch {
      // redis carries on without it too.
    }
  }
  if (settings.alwaysShowLogo || process.stdout.isTTY) log.raw(banner(settings));
  else log.write(role, "notice", `Running mode=standalone, port=${settings.port}.`);
  log.write(role, "warning", "Server initialized");

  const disk = new RealDisk({
    // Relative to the working directory, which CONFIG SET dir changes as redis's chdir does.
    dir: ".",
    configPath: commandLine.configPath,
    // The real file: the process's and the unmodeled settings with their running values, then
    // what the engine rewrote.
    composeConfig: (engineText) => `${processConfig.rewriteLines().join("\n")}\n${engineText}`,
    onError: (message) => log.write(role, "warning", message),
  });
  disk.seedConfig(config.engineText);
  disk.loadFromDir(engineConfig.ok ? (engineConfig.config.dbfilename ?? "dump.rdb") : "dump.rdb");
  const node = nodeKind("7.0").boot({
    hostname: settings.bind.find((address) => !address.includes("*")) ?? "127.0.0.1",
    port: settings.port,
    prng: Prng.fromSeed(randomBytes(16).toString("hex")),
    nowMs: clock.now(),
    epochMs: clock.epochMs,
    disk,
    pid,
  });
  host.start(node);
  log.write(role, "notice", "Ready to accept connections");

  const onSignal = (signal: "SIGTERM" | "SIGINT"): void => {
    if (shuttingDown && signal === "SIGINT") {
      log.write(role, "warning", "You insist... exiting now.");
      cleanUp();
      process.exit(1);
    }
    log.raw(`${pid}:signal-handler (${Math.floor(Date.now() / 1000)}) Received ${signal} scheduling shutdown...\n`);
    shuttingDown = true;
    // As redis, the shutdown runs from the event loop (serverCron), not inside the handler.
    setImmediate(() => {
      log.write(role, "warning", "User requested shutdown...");
      shutdownLogged = true;
      const login = host.process?.operatorLogin?.() ?? null;
      const replies = host.internalCommand(login ? [login, ["SHUTDOWN"]] : [["SHUTDOWN"]], "signal-handler:0");
      const last = replies[replies.length - 1];
      if (last && last[0] === 0x2d) {
        shuttingDown = false;
        shutdownLogged = false;
        log.write(role, "warning", `SIG${signal.slice(3)} received but errors trying to shut down the server, check the logs for more information`);
      }
    });
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("uncaughtException", (error) => {
    log.write(role, "warning", `=== REPLICA LAB NODE BUG REPORT: ${error.stack ?? String(error)}`);
    cleanUp();
    process.exit(1);
  });
}

void main();
