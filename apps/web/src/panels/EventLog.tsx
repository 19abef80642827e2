/**
 * The event log: what nodes reported and what the operator did, each entry with its reason
 * ("full resync for C: replid 1a2b3c… is unknown to this master"), explained in the language shown
 * from the event's structured detail (`eventText.ts`). Filter by node, by group, by text. Only the
 * newest entries that match are rendered, and the list sticks to the bottom unless the reader
 * scrolled up.
 */
import { memo, useEffect, useMemo, useRef } from "react";
import { useTranslation } from "react-i18next";
import { useShallow } from "zustand/react/shallow";
import type { LabEvent } from "@replica-lab/protocol";
import { formatVirtualTime } from "../format/units.ts";
import { EVENT_GROUP_LABEL_KEYS, EVENT_GROUPS, eventGroup, eventTone, matchesFilter, type EventGroup } from "../store/eventGroups.ts";
import { sequenceStore, useSequence } from "../sequence/sequenceStore.ts";
import { useNodeChoices } from "../store/selectors.ts";
import { useApp } from "../store/store.ts";
import { eventKindLabel, eventLine, explainEvent, type EventContext, type PsyncSent } from "./eventText.ts";

const RENDER_LIMIT = 300;

/**
 * Names, addresses and versions of the lab's nodes, as one string per node: the log re-renders
 * when a name or an address changes, not on every offset update.
 */
function useNodeDirectory(): readonly string[] {
  return useApp(useShallow((s) => s.lab.nodeIds.map((id) => [id, s.lab.nodes[id]?.name ?? id, s.lab.nodes[id]?.address ?? "", s.lab.nodes[id]?.version ?? ""].join("\u0000"))));
}

/** What explanations need around each event: names for addresses, and the PSYNCs replicas sent. */
function useEventContext(events: readonly LabEvent[]): EventContext {
  const directory = useNodeDirectory();
  return useMemo(() => {
    const nameByAddress = new Map<string, string>();
    const addressById = new Map<string, string>();
    const versionById = new Map<string, string>();
    for (const row of directory) {
      const [id = "", name = "", address = "", version = ""] = row.split("\u0000");
      nameByAddress.set(address, name);
      addressById.set(id, address);
      versionById.set(id, version);
    }
    // A master's full-resync event names its own id; what the replica asked for is in the replica's
    // psync-request, sent just before. Indexed by "replica address>master address".
    const psyncs = new Map<string, { seq: number; sent: PsyncSent }[]>();
    for (const event of events) {
      if (event.detail.kind !== "psync-request" || event.nodeId === null) continue;
      const from = addressById.get(event.nodeId);
      if (from === undefined) continue;
      const key = `${from}>${event.detail.masterAddress}`;
      const list = psyncs.get(key) ?? [];
      list.push({ seq: event.seq, sent: { replid: event.detail.replid, offset: event.detail.offset } });
      psyncs.set(key, list);
    }
    return {
      nameOf: (address) => nameByAddress.get(address) ?? address,
      addressOf: (id) => (id === null ? null : (addressById.get(id) ?? null)),
      versionOf: (id) => (id === null ? null : (versionById.get(id) ?? null)),
      psyncBefore: (seq, replica, master) => {
        const list = psyncs.get(`${replica}>${master}`);
        if (!list) return null;
        for (let i = list.length - 1; i >= 0; i--) if (list[i]!.seq < seq) return list[i]!.sent;
        return null;
      },
    };
  }, [directory, events]);
}

export function EventLog() {
  const events = useApp((s) => s.lab.events);
  const dropped = useApp((s) => s.lab.droppedEvents);
  const filter = useApp((s) => s.eventFilter);
  const setFilter = useApp((s) => s.setEventFilter);
  const choices = useNodeChoices();
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const { t } = useTranslation();
  const ctx = useEventContext(events);

  const shown = useMemo(() => {
    const out: LabEvent[] = [];
    const lineOf = (e: LabEvent): string => eventLine(explainEvent(e, t, ctx), t);
    for (let i = events.length - 1; i >= 0 && out.length < RENDER_LIMIT; i--) {
      const e = events[i]!;
      if (matchesFilter(e, filter, lineOf)) out.push(e);
    }
    return out.reverse();
  }, [events, filter, t, ctx]);

  useEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [shown]);

  const toggleGroup = (group: EventGroup): void => {
    const groups = filter.groups.includes(group) ? filter.groups.filter((g) => g !== group) : [...filter.groups, group];
    setFilter({ groups });
  };

  return (
    <section className="panel events-panel" aria-label={t("events.label")}>
      <div className="panel-head">
        <h2>{t("events.title")}</h2>
        <select value={filter.nodeId ?? ""} onChange={(e) => setFilter({ nodeId: e.target.value === "" ? null : e.target.value })} aria-label={t("events.nodeFilter")} data-testid="event-node-filter">
          <option value="">{t("events.allNodes")}</option>
          {choices.map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </select>
        <input
          className="event-search"
          value={filter.text}
          placeholder={t("events.search")}
          aria-label={t("events.searchLabel")}
          onChange={(e) => setFilter({ text: e.target.value })}
        />
      </div>
      <div className="chips" role="group" aria-label={t("events.kindFilter")}>
        {EVENT_GROUPS.map((group) => (
          <button
            key={group}
            type="button"
            className={`chip${filter.groups.includes(group) ? " on" : ""}`}
            aria-pressed={filter.groups.includes(group)}
            onClick={() => toggleGroup(group)}
            data-testid={`event-group-${group}`}
            data-group={group}
          >
            {t(EVENT_GROUP_LABEL_KEYS[group])}
          </button>
        ))}
        {dropped > 0 && <span className="muted small">{t("events.dropped", { count: dropped })}</span>}
      </div>
      <ol
        className="event-list"
        ref={list}
        data-testid="event-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {shown.length === 0 && <li className="muted pad">{t("events.noMatch")}</li>}
        {shown.map((event) => (
          <EventRow key={event.seq} event={event} ctx={ctx} />
        ))}
      </ol>
    </section>
  );
}

const EventRow = memo(function EventRow({ event, ctx }: { readonly event: LabEvent; readonly ctx: EventContext }) {
  const { t } = useTranslation();
  const { head, reason, serverText } = explainEvent(event, t, ctx);
  const group = eventGroup(event.kind);
  // Linked with the sequence diagram: a click selects the event there, and the events of the
  // message selected there are lit here.
  const linked = useSequence((s) => s.litEvents.includes(event.seq));
  return (
    <li
      className={`event tone-${eventTone(event)}${linked ? " linked" : ""}`}
      data-seq={event.seq}
      data-linked={linked}
      onClick={() => sequenceStore.getState().select({ kind: "event", seq: event.seq })}
      data-kind={event.kind}
      data-group={group}
      data-node={event.nodeName ?? ""}
      // The node's own line (redis-like log wording) stays available on hover.
      title={t("events.serverLine", { message: event.message })}
    >
      <span className="event-time mono">{formatVirtualTime(event.timeMs)}</span>
      {event.nodeName && <span className="event-node">{event.nodeName}</span>}
      <span className="event-kind">{eventKindLabel(event.kind, t)}</span>
      <span className="event-msg">
        {head}
        {reason !== null && (
          <>
            {t("events.separator")}
            <strong className="event-reason">{reason}</strong>
          </>
        )}
        {serverText !== null && (
          <>
            {t("events.separator")}
            <strong className="event-reason server-text" lang="en" data-server-text>
              {serverText}
            </strong>
          </>
        )}
      </span>
    </li>
  );
});
