// InstantSearch.js with the algoliasearch lite client pointed at this server's Algolia-protocol
// endpoint: both packages are used as published, only the host differs.
import { liteClient } from "algoliasearch/lite";
import instantsearch from "instantsearch.js";
import {
  clearRefinements, currentRefinements, hierarchicalMenu, hits, pagination, rangeInput,
  refinementList, searchBox, sortBy, stats,
} from "instantsearch.js/es/widgets";
import "instantsearch.css/themes/satellite-min.css";

const params = new URLSearchParams(window.location.search);
const host = params.get("host") || window.location.host;
const protocol = (params.get("protocol") || window.location.protocol.replace(":", "")) as "http" | "https";
// a public search key when the server restricts origins; any text otherwise
const apiKey = params.get("key") || "public";

const client = liteClient("discovery", apiKey, {
  hosts: [{ url: host, accept: "read", protocol }],
});

const search = instantsearch({ indexName: "products", searchClient: client, insights: false });

search.addWidgets([
  searchBox({ container: "#searchbox", placeholder: "Search products", showLoadingIndicator: false }),
  stats({ container: "#stats" }),
  sortBy({
    container: "#sort",
    items: [
      { label: "Relevance", value: "products" },
      { label: "Price: low to high", value: "products_price_asc" },
      { label: "Price: high to low", value: "products_price_desc" },
    ],
  }),
  currentRefinements({ container: "#current" }),
  clearRefinements({ container: "#current" }),
  hierarchicalMenu({
    container: "#category",
    attributes: ["category.lvl0", "category.lvl1", "category.lvl2"],
    separator: " > ",
  }),
  refinementList({ container: "#brand", attribute: "brand", showMore: true }),
  refinementList({ container: "#material", attribute: "material" }),
  rangeInput({ container: "#price", attribute: "price_per_piece" }),
  hits({
    container: "#hits",
    templates: {
      item: (hit, { html, components }) => html`
        <article data-sku="${hit.objectID}">
          <div class="hit-name">${components.Highlight({ hit, attribute: "name" })}</div>
          <div class="hit-meta">SKU ${hit.objectID} · ${hit.brand ?? ""} · ${hit.price_per_piece ?? ""} ${hit.currency ?? ""}</div>
        </article>`,
      empty: (results, { html }) => html`<p>No products for “${results.query}”.</p>`,
    },
  }),
  pagination({ container: "#pagination" }),
]);

search.start();
