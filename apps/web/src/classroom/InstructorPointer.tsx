/**
 * The instructor's pointer on the canvas. The instructor's page sends where its pointer is, in the
 * canvas's own coordinates (so it lands on the same card whatever each viewer's zoom and pan), at
 * most five times a second; a follower's page draws it over its own canvas.
 */
import { useEffect } from "react";
import { createPortal } from "react-dom";
import { useReactFlow, useViewport } from "@xyflow/react";
import { useTranslation } from "react-i18next";
import type { ClassroomPointer } from "@replica-lab/protocol";
import { sharePointer } from "./classroomApi.ts";

/** How often the instructor's pointer is sent at most. */
const SEND_EVERY_MS = 200;

/** The instructor's side: sends the pointer while it moves over the canvas, and null when it leaves. */
export function PointerShare({ code }: { readonly code: string }) {
  const flow = useReactFlow();
  useEffect(() => {
    let latest: ClassroomPointer | null = null;
    let sent: ClassroomPointer | null = null;
    let timer: number | null = null;
    const send = (): void => {
      timer = null;
      if (latest?.x === sent?.x && latest?.y === sent?.y) return;
      sent = latest;
      void sharePointer(code, latest).catch(() => undefined); // the next move tries again
    };
    const onMove = (event: PointerEvent): void => {
      const onCanvas = event.target instanceof Element && event.target.closest(".react-flow") !== null;
      const at = onCanvas ? flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }) : null;
      latest = at === null ? null : { x: Math.round(at.x), y: Math.round(at.y) };
      if (timer === null) timer = window.setTimeout(send, SEND_EVERY_MS);
    };
    document.addEventListener("pointermove", onMove);
    return () => {
      document.removeEventListener("pointermove", onMove);
      if (timer !== null) window.clearTimeout(timer);
    };
  }, [code, flow]);
  return null;
}

/** A follower's side: the instructor's pointer drawn where it is on this page's canvas. */
export function InstructorPointer({ at }: { readonly at: ClassroomPointer | null }) {
  const flow = useReactFlow();
  // Re-rendered when the viewer pans or zooms, so the mark stays on the same spot of the canvas.
  useViewport();
  const { t } = useTranslation();
  if (at === null) return null;
  const screen = flow.flowToScreenPosition(at);
  return createPortal(
    <div className="classroom-pointer" style={{ left: screen.x, top: screen.y }} data-testid="instructor-pointer" role="img" aria-label={t("classroom.pointer")} />,
    document.body,
  );
}
