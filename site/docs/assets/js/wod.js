// Entry point of the site's scripts (an ES module listed in mkdocs.yml `extra_javascript`).
// mkdocs-material's instant navigation swaps pages without reloading scripts, so each page is
// mounted from `document$` and the previous page's timers are stopped first. A page's module
// is imported only when its marker element is on the page (the catalog does not load the form).

const PAGES = [
  ["[data-wod-catalog]", () => import("./catalog.js"), "mountCatalog"],
  ["[data-wod-register]", () => import("./register.js"), "mountWorkshop"],
  ["[data-wod-status]", () => import("./status.js"), "mountStatus"],
  ["[data-wod-badge]", () => import("./badge.js"), "mountBadge"],
];
let cleanups = [];
let generation = 0;

async function mount(root) {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  const current = ++generation;
  for (const [selector, load, name] of PAGES) {
    if (!root.querySelector(selector)) continue;
    try {
      const module = await load();
      if (current !== generation) return; // the participant already navigated on
      const cleanup = module[name](root);
      if (cleanup) cleanups.push(cleanup);
    } catch (error) {
      console.error("wod: cannot mount page script", error);
    }
  }
}

if (typeof window.document$ !== "undefined") {
  window.document$.subscribe(() => mount(document));
} else {
  mount(document);
}
