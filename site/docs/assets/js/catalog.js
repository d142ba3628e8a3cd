// The home page: live seats refreshed every 15 s, and the level/topic filters.
import { api, every } from "./api.js";
import { showSeats } from "./seats.js";

const REFRESH_MS = 15000;

function refreshSeats(cards) {
  return api("GET", "workshops")
    .then((workshops) => {
      const byId = new Map((Array.isArray(workshops) ? workshops : []).map((w) => [w.id, w]));
      for (const card of cards) {
        showSeats(card.querySelector("[data-wod-seats]"), byId.get(card.dataset.wodWorkshop) || null);
      }
    })
    .catch(() => {
      for (const card of cards) showSeats(card.querySelector("[data-wod-seats]"), null);
    });
}

function setupFilters(root, cards) {
  const form = root.querySelector("[data-wod-filters]");
  const count = root.querySelector("[data-wod-count]");
  const none = root.querySelector("[data-wod-none]");
  if (!form) return () => {};
  const level = form.elements.namedItem("level");
  const tag = form.elements.namedItem("tag");
  const params = new URLSearchParams(window.location.search);
  for (const select of [level, tag]) {
    const wanted = params.get(select.name);
    if (wanted && [...select.options].some((o) => o.value === wanted)) select.value = wanted;
  }

  const apply = (announce) => {
    let shown = 0;
    for (const card of cards) {
      const tags = (card.dataset.tags || "").split("|");
      const visible = (!level.value || card.dataset.level === level.value)
        && (!tag.value || tags.includes(tag.value));
      card.hidden = !visible;
      if (visible) shown += 1;
    }
    none.hidden = shown > 0;
    const text = `Showing ${shown} of ${cards.length} workshop${cards.length === 1 ? "" : "s"}`;
    if (announce || count.textContent) count.textContent = text;
    const url = new URL(window.location.href);
    for (const select of [level, tag]) {
      if (select.value) url.searchParams.set(select.name, select.value);
      else url.searchParams.delete(select.name);
    }
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url);
  };
  const onChange = () => apply(true);
  const onReset = () => setTimeout(onChange, 0); // after the form has reset the selects
  const onSubmit = (event) => event.preventDefault();
  form.addEventListener("change", onChange);
  form.addEventListener("reset", onReset);
  form.addEventListener("submit", onSubmit);
  form.hidden = false;
  apply(Boolean(level.value || tag.value));
  return () => {
    form.removeEventListener("change", onChange);
    form.removeEventListener("reset", onReset);
    form.removeEventListener("submit", onSubmit);
  };
}

/** Mount on the catalog page; returns the cleanup for instant navigation. */
export function mountCatalog(root) {
  const list = root.querySelector("[data-wod-catalog]");
  if (!list) return null;
  const cards = [...list.querySelectorAll("[data-wod-workshop]")];
  const stopFilters = setupFilters(root, cards);
  const stopSeats = every(REFRESH_MS, () => refreshSeats(cards));
  return () => {
    stopFilters();
    stopSeats();
  };
}
