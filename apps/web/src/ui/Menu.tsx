/**
 * A small popover menu rendered into document.body, so it sits above every canvas card. Closes on
 * Escape, on an outside click, and after an item runs.
 */
import type { ReactNode } from "react";
import { createPortal } from "react-dom";
import { usePopover } from "./usePopover.ts";

export interface MenuItem {
  readonly label: string;
  readonly hint?: string;
  readonly danger?: boolean;
  readonly disabled?: boolean;
  readonly onSelect: () => void;
}

export type MenuEntry = MenuItem | "separator" | { readonly heading: string };

export interface MenuProps {
  readonly label: string;
  /** The entries, or a function that builds them when the menu opens (nothing to subscribe to). */
  readonly items: readonly MenuEntry[] | (() => readonly MenuEntry[]);
  readonly children: ReactNode;
  readonly className?: string;
  readonly testId?: string;
  /** Why the menu's actions are out of reach now (a follower's page), or null: set, the button is disabled with it as its tooltip. */
  readonly lock?: string | null;
}

export function Menu({ label, items, children, className, testId, lock = null }: MenuProps) {
  const { open, setOpen, place, button, popover } = usePopover(240, "right");

  return (
    <>
      <button
        ref={button}
        type="button"
        className={`nodrag ${className ?? "btn icon"}`}
        aria-label={label}
        title={lock ?? label}
        disabled={lock !== null}
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid={testId}
        onClick={(event) => {
          event.stopPropagation();
          setOpen((o) => !o);
        }}
      >
        {children}
      </button>
      {open &&
        place &&
        createPortal(
          <div ref={popover} className="menu" role="menu" style={{ left: place.left, top: place.top }}>
            {(typeof items === "function" ? items() : items).map((entry, i) => {
              if (entry === "separator") return <div key={i} className="menu-sep" role="separator" />;
              if ("heading" in entry) return <div key={i} className="menu-heading">{entry.heading}</div>;
              return (
                <button
                  key={i}
                  type="button"
                  role="menuitem"
                  className={`menu-item${entry.danger ? " danger" : ""}`}
                  disabled={entry.disabled}
                  onClick={() => {
                    setOpen(false);
                    entry.onSelect();
                  }}
                >
                  <span>{entry.label}</span>
                  {entry.hint && <kbd>{entry.hint}</kbd>}
                </button>
              );
            })}
          </div>,
          document.body,
        )}
    </>
  );
}
