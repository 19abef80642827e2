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
  boot: (context: BootContext) => new SsdbNode({ context, configFile: CONFIG_FILE }),
  downView: (disk) => ssdbDownView(disk, CONFIG_FILE),
};
