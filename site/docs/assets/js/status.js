// The participant's status page (/status/?id=…&token=…, linked from their mails):
// GET /api/registrations/{id}?token=… until the environment is ready, then the Start button,
// the end time, "Add N minutes" when the workshop offers one self-extension (POST …/extension)
// and "End my session now" (DELETE). It speaks `?lang=` if given, else the registration's
// language, else the browser's; times are in the registration's time zone.
import { api } from "./api.js";
import { browserLanguage, language, languageName, languages, nt, setLanguage, supported, t }
  from "./i18n.js";

const POLL_BUSY_MS = 4000; // while pending, deploying or ending
// While ready, a check every 5 minutes and one just after the end: each check is a request to
// the API, and polling every 30 s was 80% of a registration's AWS cost (bench/cost.py). The
// "ends in …" text is counted down locally in between.
const POLL_READY_MS = 300000;
const TICK_MS = 30000;
const FINAL = new Set(["ended", "failed", "cancelled"]);
const CANCELLABLE = new Set(["pending", "deploying", "ready"]); // the API accepts DELETE then

/** A date in the registration's time zone and the page's language, with the zone's name:
 * "Friday, November 27, 14:30 (Europe/Paris)"; in the browser's zone if it does not know it. */
export function formatEnd(iso, timeZone, locale = language()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options = { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" };
  try {
    if (timeZone) return `${new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date)} (${timeZone})`;
  } catch (_) {
    // a zone this browser does not know: its own, named by it
  }
  return new Intl.DateTimeFormat(locale, { ...options, timeZoneName: "short" }).format(date);
}

/** "in 1 h 05 min" / "in 12 min" / "in less than a minute", or "" once past. */
export function remaining(iso, now = Date.now()) {
  const minutes = Math.floor((new Date(iso).getTime() - now) / 60000);
  if (Number.isNaN(minutes) || minutes < 0) return "";
  if (minutes < 1) return t("in less than a minute");
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? t("in {h} h {mm} min", { h, mm: String(m).padStart(2, "0") }) : t("in {m} min", { m });
}

/** How long to wait before checking a ready session again: 5 minutes, or until just after its
 * end if that comes sooner (never less than a busy poll). */
export function readyDelay(endsAt, now = Date.now()) {
  const untilEnd = new Date(endsAt).getTime() - now + 2000;
  if (Number.isNaN(untilEnd)) return POLL_READY_MS;
  return Math.max(POLL_BUSY_MS, Math.min(POLL_READY_MS, untilEnd));
}

/** The headline for a registration status. */
export function statusText(registration) {
  const title = registration.workshop_title || t("your workshop");
  switch (registration.status) {
    case "pending":
      return t("Your registration for {title} is received. Your environment is queued for deployment…", { title });
    case "deploying":
      if (registration.queue_position > 0) {
        return nt(
          "Your environment for {title} is queued: {n} person ahead of you. It will be ready soon…",
          "Your environment for {title} is queued: {n} people ahead of you. It will be ready soon…",
          registration.queue_position, { title },
        );
      }
      return t("Your environment for {title} is being deployed. This usually takes a minute or two…", { title });
    case "ready":
      return t("Your environment for {title} is ready.", { title });
    case "ending":
      return t("Your session of {title} is ending…", { title });
    case "ended":
      return t("Your session of {title} has ended. Thank you for taking part!", { title });
    case "failed":
      return t("Something went wrong while preparing {title}. We are sorry: please register again later, or answer your welcome mail to tell us.", { title });
    case "cancelled":
      return t("Your registration for {title} was cancelled.", { title });
    default:
      return t("Status of {title}: {status}.", { title, status: registration.status });
  }
}

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function detailFor(registration, onEnd, onExtend) {
  const parts = [];
  if (registration.status === "pending" || registration.status === "deploying") {
    parts.push(el("progress", { className: "wod-status__progress", ariaLabel: t("Deployment in progress") }));
  }
  if (registration.status === "ready") {
    if (registration.start_url) {
      parts.push(el("p", {}, [el("a", {
        className: "md-button md-button--primary wod-status__start",
        href: registration.start_url, target: "_blank", rel: "noopener",
        textContent: t("Start the workshop"),
      })]));
    }
    if (registration.username) {
      parts.push(el("p", {}, [t("Your username:") + " ", el("code", { textContent: registration.username }),
        " " + t("(your password is in the mail we sent you).")]));
    }
  }
  if (registration.ends_at && CANCELLABLE.has(registration.status)) {
    parts.push(el("p", { className: "wod-status__ends" }, [
      t("Your session ends on") + " ",
      el("time", {
        dateTime: registration.ends_at,
        textContent: formatEnd(registration.ends_at, registration.time_zone),
      }),
      el("span", { className: "wod-status__remaining" }),
    ]));
  }
  if (registration.extension_minutes && CANCELLABLE.has(registration.status)) {
    const extend = el("button", {
      type: "button", className: "md-button wod-status__extend",
      textContent: nt("Add {n} minute", "Add {n} minutes", registration.extension_minutes),
    });
    extend.addEventListener("click", () => {
      extend.disabled = true;
      onExtend().finally(() => {
        extend.disabled = false;
      });
    });
    parts.push(el("p", {}, [extend, " " + t("(once, while seats are free)")]));
  }
  if (CANCELLABLE.has(registration.status)) parts.push(endControls(onEnd));
  return parts;
}

function endControls(onEnd) {
  const box = el("div", { className: "wod-status__end" });
  const ask = el("button", {
    type: "button", className: "md-button wod-status__end-button", textContent: t("End my session now"),
  });
  const confirmText = el("p", {
    textContent: t("Ending your session deletes everything in your workshop account. End it now?"),
  });
  const yes = el("button", {
    type: "button", className: "md-button md-button--primary", textContent: t("Yes, end my session"),
  });
  const no = el("button", { type: "button", className: "md-button", textContent: t("Keep working") });
  const confirmBox = el("div", { className: "wod-status__confirm", hidden: true }, [confirmText, yes, no]);
  ask.addEventListener("click", () => {
    ask.hidden = true;
    confirmBox.hidden = false;
    no.focus();
  });
  no.addEventListener("click", () => {
    confirmBox.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener("click", () => {
    yes.disabled = true;
    onEnd().finally(() => {
      yes.disabled = false;
    });
  });
  box.append(ask, confirmBox);
  return box;
}

/** Mount on the status page; returns the cleanup for instant navigation. */
export function mountStatus(root) {
  const box = root.querySelector("[data-wod-status]");
  if (!box) return null;
  const message = box.querySelector("[data-wod-status-message]");
  const detail = box.querySelector("[data-wod-status-detail]");
  const params = new URLSearchParams(window.location.search);
  const id = params.get("id");
  const token = params.get("token");
  const asked = supported(params.get("lang")); // the language switch, or a shared link
  setLanguage(asked || browserLanguage());
  box.lang = language();
  let timer = null;
  let stopped = false;
  let shown = "";

  const say = (text, state) => {
    if (message.textContent !== text) message.textContent = text;
    box.dataset.state = state;
  };
  if (!id || !token) {
    say(t("This page needs the personal link from your registration mail."), "invalid");
    return () => {};
  }
  const path = `registrations/${encodeURIComponent(id)}`;

  const schedule = (ms) => {
    if (!stopped) timer = setTimeout(load, ms);
  };
  const render = (registration) => {
    if (!asked && !rendered) setLanguage(registration.language || language());
    box.lang = language();
    rendered = true;
    say(statusText(registration), registration.status);
    // Rebuild the details only when something shown changed, so focus and buttons stay put.
    const key = JSON.stringify([registration.status, registration.start_url, registration.ends_at,
      registration.username, registration.extension_minutes, language()]);
    if (key !== shown) {
      shown = key;
      detail.replaceChildren(...detailFor(registration, endSession, extendSession));
    }
    countDown();
  };
  const countDown = () => {
    const left = detail.querySelector(".wod-status__remaining");
    if (left && lastRegistration.ends_at) {
      const text = remaining(lastRegistration.ends_at);
      left.textContent = text ? ` (${text}).` : ".";
    }
    showLanguages();
  };
  // The language switch: links to this page in each language (?lang=), the current one marked.
  const switcher = el("nav", { className: "wod-status__languages", ariaLabel: t("Language") });
  box.append(switcher);
  let rendered = false;
  function showLanguages() {
    // Rebuilt only when the language changed, so that a focused link stays in place.
    if (languages().length < 2 || switcher.dataset.language === language()) return;
    switcher.dataset.language = language();
    switcher.replaceChildren(...languageLinks());
  }
  function languageLinks() {
    return languages().flatMap((code, index) => {
      const url = new URL(window.location.href);
      url.searchParams.set("lang", code);
      const link = el("a", { href: url.toString(), lang: code, hreflang: code, textContent: languageName(code) });
      if (code === language()) link.setAttribute("aria-current", "true");
      link.addEventListener("click", (event) => {
        event.preventDefault();
        window.history.replaceState(null, "", url.toString());
        setLanguage(code);
        shown = "";
        if (lastRegistration.status) render(lastRegistration);
        else showLanguages();
      });
      return index ? [" · ", link] : [link];
    });
  }
  const ticker = setInterval(countDown, TICK_MS);
  async function endSession() {
    try {
      const result = await api("DELETE", path, { params: { token } });
      render({ ...lastRegistration, status: (result && result.status) || "ending" });
      clearTimeout(timer);
      schedule(POLL_BUSY_MS);
    } catch (error) {
      const text = error.status === 0
        ? t("The service cannot be reached, so your session was not ended. Please try again.")
        : t("Your session could not be ended ({reason}). Please try again.", { reason: error.message });
      detail.append(el("p", { className: "wod-status__error", role: "alert", textContent: text }));
    }
  }
  async function extendSession() {
    try {
      const registration = await api("POST", `${path}/extension`, { params: { token } });
      lastRegistration = registration;
      render(registration);
    } catch (error) {
      const text = error.status === 409
        ? t("Your session cannot be extended now (every seat is needed, or you extended it already).")
        : t("Your session could not be extended. Please try again.");
      detail.append(el("p", { className: "wod-status__error", role: "alert", textContent: text }));
    }
  }
  let lastRegistration = {};
  if (languages().length > 1) showLanguages();
  else switcher.hidden = true;
  async function load() {
    try {
      const registration = await api("GET", path, { params: { token } });
      lastRegistration = registration;
      render(registration);
      if (FINAL.has(registration.status)) return;
      schedule(registration.status === "ready" ? readyDelay(registration.ends_at) : POLL_BUSY_MS);
    } catch (error) {
      if (error.status === 404) {
        say(t("We cannot find this registration: check that you opened the whole link from your mail."),
          "not_found");
        detail.replaceChildren();
        shown = "";
        return;
      }
      say(t("The service cannot be reached right now. We keep trying…"), "unreachable");
      schedule(POLL_BUSY_MS * 2);
    }
  }
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(ticker);
  };
}
