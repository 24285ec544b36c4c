// The embeddable widgets: one self-contained script (styles inlined), served as /widgets.js.
import { defineConfig } from "vite";

export default defineConfig({
  publicDir: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    lib: {
      entry: "src/widgets/index.ts",
      name: "Discovery",
      formats: ["iife"],
      fileName: () => "widgets.js",
    },
    sourcemap: true,
  },
});
