// The pages: storefront and widgets demo (static HTML using /widgets.js), the InstantSearch
// page (official instantsearch.js + algoliasearch lite, bundled) and the merchandiser console.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: false, // the widgets build ran first into the same folder
    target: "es2020",
    sourcemap: true,
    rollupOptions: {
      input: {
        instantsearch: "instantsearch.html",
        console: "console.html",
      },
    },
  },
});
