/**
 * Controls for the network path between two nodes: partition toggle, latency and bandwidth. Named
 * presets (selects) rather than sliders, so each is one click or one key press, and testable.
 */
import { useTranslation } from "react-i18next";
import { useActions } from "../app/AppContext.tsx";
import { formatBandwidth } from "../format/units.ts";
import { useShallow } from "zustand/react/shallow";
import { useApp } from "../store/store.ts";
import { lockable, useFollowLock } from "../classroom/followLock.ts";

const LATENCIES_MS = [0, 1, 5, 20, 50, 100, 250, 500, 1000, 2000] as const;
/** Bytes per second: 1 Gbit/s down to 10 kbit/s; 12.5 MB/s (100 Mbit/s) is the lab's default. */
const BANDWIDTHS = [125_000_000, 12_500_000, 1_250_000, 125_000, 12_500, 1_250] as const;

export interface LinkSettingsView {
  readonly latencyMs: number;
  readonly bandwidthBytesPerSec: number;
  readonly partitioned: boolean;
}

/** The settings of the path a ↔ b as the server reports them (defaults when none are set). */
export function useLinkSettings(a: string, b: string): LinkSettingsView {
  return useApp(
    useShallow((s): LinkSettingsView => {
      const link = s.lab.links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
      if (link) return { latencyMs: link.latencyMs, bandwidthBytesPerSec: link.bandwidthBytesPerSec, partitioned: link.partitioned };
      // Replication edges carry the path's settings too, defaults included.
      for (const id of s.lab.edgeIds) {
        const e = s.lab.edges[id];
        if (e && ((e.replicaId === a && e.masterId === b) || (e.replicaId === b && e.masterId === a))) {
          return { latencyMs: e.latencyMs, bandwidthBytesPerSec: e.bandwidthBytesPerSec, partitioned: e.partitioned };
        }
      }
      return { latencyMs: 1, bandwidthBytesPerSec: 12_500_000, partitioned: false };
    }),
  );
}

function withCurrent(values: readonly number[], current: number): number[] {
  return values.includes(current) ? [...values] : [...values, current].sort((x, y) => x - y);
}

export function LinkControls({ a, b, aName, bName }: { readonly a: string; readonly b: string; readonly aName: string; readonly bName: string }) {
  const actions = useActions();
  const lock = useFollowLock();
  const link = useLinkSettings(a, b);
  const { t } = useTranslation();
  return (
    <div className="link-controls" data-testid={`link-controls-${aName}-${bName}`}>
      <div className="control-row">
        <button
          type="button"
          className={`btn ${link.partitioned ? "danger active" : ""}`}
          aria-pressed={link.partitioned}
          {...lockable(lock)}
          onClick={() => actions.patchLink(a, b, { partitioned: !link.partitioned })}
          data-testid="toggle-partition"
        >
          {link.partitioned ? t("network.heal", { a: aName, b: bName }) : t("network.partition", { a: aName, b: bName })}
        </button>
      </div>
      <label className="control-row">
        <span className="k">{t("network.latency")}</span>
        <select value={link.latencyMs} onChange={(e) => actions.patchLink(a, b, { latencyMs: Number(e.target.value) })} data-testid="latency" {...lockable(lock)}>
          {withCurrent(LATENCIES_MS, link.latencyMs).map((ms) => (
            <option key={ms} value={ms}>
              {t("network.latencyValue", { ms })}
            </option>
          ))}
        </select>
      </label>
      <label className="control-row">
        <span className="k">{t("network.bandwidth")}</span>
        <select value={link.bandwidthBytesPerSec} onChange={(e) => actions.patchLink(a, b, { bandwidthBytesPerSec: Number(e.target.value) })} data-testid="bandwidth" {...lockable(lock)}>
          {withCurrent(BANDWIDTHS, link.bandwidthBytesPerSec).map((bps) => (
            <option key={bps} value={bps}>
              {formatBandwidth(bps)}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
