/**
 * A popover anchored to a button and rendered into document.body (so it sits above the canvas and
 * is not scaled with it): its place under the button, kept inside the window, and closing on
 * Escape or a click outside both. Menus and glossary popovers share it.
 */
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";

export interface Popover {
  readonly open: boolean;
  setOpen(open: boolean | ((was: boolean) => boolean)): void;
  /** Where the popover goes, once measured after opening. */
  readonly place: { readonly left: number; readonly top: number } | null;
  readonly button: RefObject<HTMLButtonElement | null>;
  readonly popover: RefObject<HTMLDivElement | null>;
}

/** `align`: the popover's right edge under the button's (menus) or its left edge (notes). */
export function usePopover(width: number, align: "right" | "left"): Popover {
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<{ left: number; top: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const popover = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    if (!open || !button.current) return;
    const rect = button.current.getBoundingClientRect();
    const wanted = align === "right" ? rect.right - width : rect.left;
    setPlace({ left: Math.min(window.innerWidth - width - 8, Math.max(8, wanted)), top: rect.bottom + 4 });
  }, [open, width, align]);

  useEffect(() => {
    if (!open) return;
    const onDown = (event: PointerEvent) => {
      const target = event.target as Node | null;
      if (target && (popover.current?.contains(target) || button.current?.contains(target))) return;
      setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false);
    };
    window.addEventListener("pointerdown", onDown, true);
    window.addEventListener("keydown", onKey, true);
    return () => {
      window.removeEventListener("pointerdown", onDown, true);
      window.removeEventListener("keydown", onKey, true);
    };
  }, [open]);

  return { open, setOpen, place, button, popover };
}
