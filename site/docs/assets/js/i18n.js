// The participant's language on the site's pages. Sentences are written in English and wrapped in
// t("… {name} …", {name}) or nt("one …", "{n} …", n): `make translations` extracts them into
// site/locales (gettext catalogs), and the build puts each language's translations in the page
// (<script id="wod-i18n">, site/hooks/wod_site_i18n.py). English is the source language.

export const SOURCE_LANGUAGE = "en";

let catalogs = null; // {fr: {plural: ["one", "many", "other"], messages: {id: text | [forms]}}}
let current = SOURCE_LANGUAGE;

function loaded() {
  if (catalogs === null) {
    const node = typeof document !== "undefined" ? document.getElementById("wod-i18n") : null;
    try {
      catalogs = node ? JSON.parse(node.textContent) : {};
    } catch (_) {
      catalogs = {};
    }
  }
  return catalogs;
}

/** Use these catalogs instead of the page's (the unit tests). */
export function useCatalogs(value) {
  catalogs = value || {};
}

/** Every language the pages speak, English first. */
export function languages() {
  return [SOURCE_LANGUAGE, ...Object.keys(loaded()).filter((l) => l !== SOURCE_LANGUAGE)];
}

/** The language we speak for a tag such as "fr-CA", or null. */
export function supported(tag) {
  if (!tag) return null;
  const primary = String(tag).toLowerCase().split(/[-_]/)[0];
  return languages().includes(primary) ? primary : null;
}

/** The first of the browser's preferred languages that we speak, else English. */
export function browserLanguage() {
  const nav = typeof navigator !== "undefined" ? navigator : {};
  for (const tag of nav.languages || [nav.language]) {
    const language = supported(tag);
    if (language) return language;
  }
  return SOURCE_LANGUAGE;
}

/** The browser's IANA time zone (e.g. "Europe/Paris"), or undefined if it does not say. */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch (_) {
    return undefined;
  }
}

/** Speak this language from now on (English for one we do not speak); returns it. */
export function setLanguage(tag) {
  current = supported(tag) || SOURCE_LANGUAGE;
  return current;
}

export function language() {
  return current;
}

/** A language's name in itself ("English", "français"). */
export function languageName(code) {
  try {
    return new Intl.DisplayNames([code], { type: "language" }).of(code) || code;
  } catch (_) {
    return code;
  }
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    values && Object.hasOwn(values, name) ? String(values[name]) : whole);
}

/** The sentence in the current language, with its {placeholders} filled. */
export function t(message, values) {
  const catalog = loaded()[current];
  const text = catalog && catalog.messages[message];
  return fill(typeof text === "string" && text ? text : message, values);
}

/** The singular or a plural form for `n` ({n} is filled with it). */
export function nt(singular, plural, n, values) {
  const all = { n, ...values };
  const catalog = loaded()[current];
  const forms = catalog && catalog.messages[singular];
  if (Array.isArray(forms)) {
    const form = forms[catalog.plural.indexOf(new Intl.PluralRules(current).select(n))];
    if (form) return fill(form, all);
  }
  return fill(n === 1 ? singular : plural, all);
}
