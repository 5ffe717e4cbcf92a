/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The built files go to web/dist, which crates/server/build.rs embeds into
// the binary. `npm run dev` proxies the API to a running `artisync serve`
// (ARTISYNC_URL, default http://127.0.0.1:8420).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      "/api": { target: process.env.ARTISYNC_URL ?? "http://127.0.0.1:8420", changeOrigin: true },
      "/login": { target: process.env.ARTISYNC_URL ?? "http://127.0.0.1:8420", changeOrigin: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
