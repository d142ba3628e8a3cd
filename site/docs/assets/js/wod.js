// Entry point of the site's scripts (an ES module listed in mkdocs.yml `extra_javascript`).
// mkdocs-material's instant navigation swaps pages without reloading scripts, so each page is
// mounted from `document$` and the previous page's timers are stopped first.
import { mountCatalog } from "./catalog.js";
import { mountWorkshop } from "./register.js";
import { mountStatus } from "./status.js";
// The badge page (another issue) will add `mountBadge` from "./badge.js" here.

const MOUNTS = [mountCatalog, mountWorkshop, mountStatus];
let cleanups = [];

function mount(root) {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  for (const mountPage of MOUNTS) {
    try {
      const cleanup = mountPage(root);
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
