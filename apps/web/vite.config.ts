import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dev server proxies the API (REST and the WebSocket stream) to a running Replica Lab server.
// Point it elsewhere with REPLICA_LAB_API=http://127.0.0.1:PORT.
const api = process.env.REPLICA_LAB_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": { target: api, ws: true, changeOrigin: true },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
});
