import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { I18nextProvider } from "react-i18next";
import "@xyflow/react/dist/base.css";
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { Root } from "./app/Root.tsx";
import { i18n } from "./i18n/i18n.ts";

const container = document.getElementById("root");
if (container === null) throw new Error("index.html has no #root element");
createRoot(container).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <Root />
    </I18nextProvider>
  </StrictMode>,
);
