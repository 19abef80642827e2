/**
 * The node kind "ssdb": an ssdb-server 1.9.8 (binlog replication, `sync140`), booted from its disk:
 * `ssdb.conf` (settings, `replication.slaveof` blocks), the data log (keys and binlog) and the
 * meta database (a slave's resume point). Its own process, not a Redis node.
 */
import type { BootContext, NodeKind } from "../../process/contract.ts";
import { buildSsdbConf, withSlaveOf } from "./config.ts";
import { SsdbNode } from "./node.ts";
import { ssdbDownView, type SsdbView } from "./view.ts";

const CONFIG_FILE = "ssdb.conf";

export const SSDB: NodeKind<SsdbView> = {
  version: "ssdb",
  label: "SSDB 1.9.8",
  configFile: CONFIG_FILE,
  initialConfig: (settings) => buildSsdbConf(settings),
  withMaster: withSlaveOf,
  // `slaveof id host port` adds an upstream at run time (an empty id means `host|port`); there is no
  // command to stop following one: that takes ssdb.conf and a restart.
  replicaOfCommand: (master) =>
    master === null
      ? { error: "ssdb-server has no command to stop following a master: remove the slaveof block from ssdb.conf (persist) and restart the node" }
      : { argv: ["slaveof", "", master.host, String(master.port)] },
  boot: (context: BootContext) => new SsdbNode({ context, configFile: CONFIG_FILE }),
  downView: (disk) => ssdbDownView(disk, CONFIG_FILE),
};
