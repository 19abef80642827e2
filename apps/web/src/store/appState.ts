/** The whole client state: one Zustand store made of slices by concern. */
import type { CanvasSlice } from "./slices/canvasSlice.ts";
import type { ConnectionSlice } from "./slices/connectionSlice.ts";
import type { ConsoleSlice } from "./slices/consoleSlice.ts";
import type { LabSlice } from "./slices/labSlice.ts";
import type { NoticeSlice } from "./slices/noticeSlice.ts";
import type { PrefsSlice } from "./slices/prefsSlice.ts";
import type { SelectionSlice } from "./slices/selectionSlice.ts";
import type { TimelineSlice } from "./slices/timelineSlice.ts";

export type AppState = LabSlice & CanvasSlice & SelectionSlice & ConnectionSlice & NoticeSlice & ConsoleSlice & PrefsSlice & TimelineSlice;
