// The public badge of a finished session (/badge/?id=…&token=…, linked from the thank-you
// mail): GET /api/badges/{id}?token=… and show who earned which workshop's badge, and when.
// It speaks `?lang=` if given, else the visitor's browser language.
import { api, apiUrl } from "./api.js";
import { browserLanguage, language, setLanguage, supported, t } from "./i18n.js";

/** "Ada completed Python 101 on 27 November 2026" (the date as the visitor reads dates). */
export function caption(badge) {
  const date = new Date(`${badge.date}T12:00:00Z`);
  const when = Number.isNaN(date.getTime()) ? badge.date
    : new Intl.DateTimeFormat(language(), { day: "numeric", month: "long", year: "numeric" }).format(date);
  return t("{name} completed {title} on {date}", {
    name: badge.first_name, title: badge.workshop_title, date: when,
  });
}

/** The LinkedIn share link of this very page. */
export function linkedinShare(pageUrl) {
  return `https://www.linkedin.com/sharing/share-offsite/?url=${encodeURIComponent(pageUrl)}`;
}

export function mountBadge(root) {
  const box = root.querySelector("[data-wod-badge]");
  if (!box) return null;
  const message = box.querySelector("[data-wod-badge-message]");
  const params = new URLSearchParams(window.location.search);
  const id = params.get("id");
  const token = params.get("token");
  setLanguage(supported(params.get("lang")) || browserLanguage());
  box.lang = language();
  box.querySelector("[data-wod-badge-linkedin]").textContent = t("Share on LinkedIn");
  if (!id || !token) {
    message.textContent = t("This page needs the badge link from your thank-you mail.");
    box.dataset.state = "invalid";
    return () => {};
  }
  api("GET", `badges/${encodeURIComponent(id)}`, { params: { token } })
    .then((badge) => {
      const text = caption(badge);
      message.textContent = text;
      const image = box.querySelector("[data-wod-badge-image]");
      // image_url is an API path such as /api/workshops/<id>/badge.svg
      image.src = apiUrl(badge.image_url.replace(/^\/?api\//, ""));
      image.alt = t("{title} badge of {organization}", {
        title: badge.workshop_title, organization: badge.organization,
      });
      box.querySelector("[data-wod-badge-caption]").textContent =
        `${badge.workshop_title} · ${badge.organization}`;
      box.querySelector("[data-wod-badge-figure]").hidden = false;
      box.querySelector("[data-wod-badge-linkedin]").href = linkedinShare(window.location.href);
      box.querySelector("[data-wod-badge-share]").hidden = false;
      box.dataset.state = "shown";
    })
    .catch((error) => {
      message.textContent = error.status === 404
        ? t("No badge here: the link is wrong, or the session has not finished yet.")
        : t("The badge cannot be loaded right now. Please try again in a moment.");
      box.dataset.state = "error";
    });
  return () => {};
}
