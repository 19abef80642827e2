/**
 * End-to-end tests: the real server (started by global-setup.ts on a port the OS picks) serving the
 * freshly built web app, driven in Debian's Chromium. `npx playwright install` cannot download
 * browsers here, so the system browser is used.
 */
import { defineConfig } from "@playwright/test";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.ts",
  testIgnore: "**/artifacts/**",
  outputDir: "artifacts/test-results",
  globalSetup: "./global-setup.ts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    // global-setup.ts sets REPLICA_LAB_URL before the workers start.
    baseURL: process.env.REPLICA_LAB_URL,
    viewport: { width: 1440, height: 900 },
    screenshot: "only-on-failure",
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    },
  },
});
