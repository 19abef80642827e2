/**
 * The event log: what nodes reported and what the operator did, each entry with its reason
 * ("full resync for …: replid 1a2b3c unknown to this master"). Filter by node, by group, by text.
 * Only the newest entries that match are rendered, and the list sticks to the bottom unless the
 * reader scrolled up.
 */
import { memo, useEffect, useMemo, useRef } from "react";
import type { LabEvent } from "@replica-lab/protocol";
import { formatVirtualTime } from "../format/units.ts";
import { EVENT_GROUP_LABELS, EVENT_GROUPS, eventGroup, eventTone, matchesFilter, splitReason, type EventGroup } from "../store/eventGroups.ts";
import { useNodeChoices } from "../store/selectors.ts";
import { useApp } from "../store/store.ts";

const RENDER_LIMIT = 300;

export function EventLog() {
  const events = useApp((s) => s.lab.events);
  const dropped = useApp((s) => s.lab.droppedEvents);
  const filter = useApp((s) => s.eventFilter);
  const setFilter = useApp((s) => s.setEventFilter);
  const choices = useNodeChoices();
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);

  const shown = useMemo(() => {
    const out: LabEvent[] = [];
    for (let i = events.length - 1; i >= 0 && out.length < RENDER_LIMIT; i--) {
      const e = events[i]!;
      if (matchesFilter(e, filter)) out.push(e);
    }
    return out.reverse();
  }, [events, filter]);

  useEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [shown]);

  const toggleGroup = (group: EventGroup): void => {
    const groups = filter.groups.includes(group) ? filter.groups.filter((g) => g !== group) : [...filter.groups, group];
    setFilter({ groups });
  };

  return (
    <section className="panel events-panel" aria-label="Event log">
      <div className="panel-head">
        <h2>Events</h2>
        <select value={filter.nodeId ?? ""} onChange={(e) => setFilter({ nodeId: e.target.value === "" ? null : e.target.value })} aria-label="Filter by node" data-testid="event-node-filter">
          <option value="">all nodes</option>
          {choices.map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </select>
        <input
          className="event-search"
          value={filter.text}
          placeholder="search"
          aria-label="Search events"
          onChange={(e) => setFilter({ text: e.target.value })}
        />
      </div>
      <div className="chips" role="group" aria-label="Filter by kind">
        {EVENT_GROUPS.map((group) => (
          <button
            key={group}
            type="button"
            className={`chip${filter.groups.includes(group) ? " on" : ""}`}
            aria-pressed={filter.groups.includes(group)}
            onClick={() => toggleGroup(group)}
            data-testid={`event-group-${group}`}
          >
            {EVENT_GROUP_LABELS[group]}
          </button>
        ))}
        {dropped > 0 && <span className="muted small">{dropped} older events not shown</span>}
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
        {shown.length === 0 && <li className="muted pad">No events match.</li>}
        {shown.map((event) => (
          <EventRow key={event.seq} event={event} />
        ))}
      </ol>
    </section>
  );
}

const EventRow = memo(function EventRow({ event }: { readonly event: LabEvent }) {
  const { head, reason } = splitReason(event.message);
  const group = eventGroup(event.kind);
  return (
    <li className={`event tone-${eventTone(event)}`} data-kind={event.kind} data-group={group} data-node={event.nodeName ?? ""}>
      <span className="event-time mono">{formatVirtualTime(event.timeMs)}</span>
      {event.nodeName && <span className="event-node">{event.nodeName}</span>}
      <span className="event-kind">{event.kind}</span>
      <span className="event-msg">
        {reason === null ? (
          head
        ) : (
          <>
            {head}: <strong className="event-reason">{reason}</strong>
          </>
        )}
      </span>
    </li>
  );
});
