// The participant's status page (/status/?id=…&token=…, linked from their mails):
// GET /api/registrations/{id}?token=… until the environment is ready, then the Start button,
// the end time, "Add N minutes" when the workshop offers one self-extension (POST …/extension)
// and "End my session now" (DELETE).
import { api } from "./api.js";

const POLL_BUSY_MS = 4000; // while pending, deploying or ending
// While ready, a check every 5 minutes and one just after the end: each check is a request to
// the API, and polling every 30 s was 80% of a registration's AWS cost (bench/cost.py). The
// "ends in …" text is counted down locally in between.
const POLL_READY_MS = 300000;
const TICK_MS = 30000;
const FINAL = new Set(["ended", "failed", "cancelled"]);
const CANCELLABLE = new Set(["pending", "deploying", "ready"]); // the API accepts DELETE then

/** A date as the participant's local time, e.g. "Friday 27 November, 14:30 (UTC+1)". */
export function formatEnd(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, {
    weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
    timeZoneName: "short",
  }).format(date);
}

/** "in 1 h 05 min" / "in 12 min" / "in less than a minute", or "" once past. */
export function remaining(iso, now = Date.now()) {
  const minutes = Math.floor((new Date(iso).getTime() - now) / 60000);
  if (Number.isNaN(minutes) || minutes < 0) return "";
  if (minutes < 1) return "in less than a minute";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? `in ${h} h ${String(m).padStart(2, "0")} min` : `in ${m} min`;
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
  const title = registration.workshop_title || "your workshop";
  switch (registration.status) {
    case "pending":
      return `Your registration for ${title} is received. Your environment is queued for deployment…`;
    case "deploying":
      if (registration.queue_position > 0) {
        const ahead = registration.queue_position === 1 ? "1 person" : `${registration.queue_position} people`;
        return `Your environment for ${title} is queued: ${ahead} ahead of you. It will be ready soon…`;
      }
      return `Your environment for ${title} is being deployed. This usually takes a minute or two…`;
    case "ready":
      return `Your environment for ${title} is ready.`;
    case "ending":
      return `Your session of ${title} is ending…`;
    case "ended":
      return `Your session of ${title} has ended. Thank you for taking part!`;
    case "failed":
      return `Something went wrong while preparing ${title}. We are sorry: please register again `
        + "later, or answer your welcome mail to tell us.";
    case "cancelled":
      return `Your registration for ${title} was cancelled.`;
    default:
      return `Status of ${title}: ${registration.status}.`;
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
    parts.push(el("progress", { className: "wod-status__progress", ariaLabel: "Deployment in progress" }));
  }
  if (registration.status === "ready") {
    if (registration.start_url) {
      parts.push(el("p", {}, [el("a", {
        className: "md-button md-button--primary wod-status__start",
        href: registration.start_url, target: "_blank", rel: "noopener",
        textContent: "Start the workshop",
      })]));
    }
    if (registration.username) {
      parts.push(el("p", {}, ["Your username: ", el("code", { textContent: registration.username }),
        ". Your password is in the mail we sent you."]));
    }
  }
  if (registration.ends_at && CANCELLABLE.has(registration.status)) {
    parts.push(el("p", { className: "wod-status__ends" }, [
      "Your session ends at ",
      el("time", { dateTime: registration.ends_at, textContent: formatEnd(registration.ends_at) }),
      el("span", { className: "wod-status__remaining" }),
    ]));
  }
  if (registration.extension_minutes && CANCELLABLE.has(registration.status)) {
    const extend = el("button", {
      type: "button", className: "md-button wod-status__extend",
      textContent: `Add ${registration.extension_minutes} minutes`,
    });
    extend.addEventListener("click", () => {
      extend.disabled = true;
      onExtend().finally(() => {
        extend.disabled = false;
      });
    });
    parts.push(el("p", {}, [extend, " (once, while seats are free)"]));
  }
  if (CANCELLABLE.has(registration.status)) parts.push(endControls(onEnd));
  return parts;
}

function endControls(onEnd) {
  const box = el("div", { className: "wod-status__end" });
  const ask = el("button", {
    type: "button", className: "md-button wod-status__end-button", textContent: "End my session now",
  });
  const confirmText = el("p", {
    textContent: "Ending your session deletes everything in your workshop account. End it now?",
  });
  const yes = el("button", {
    type: "button", className: "md-button md-button--primary", textContent: "Yes, end my session",
  });
  const no = el("button", { type: "button", className: "md-button", textContent: "Keep working" });
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
  let timer = null;
  let stopped = false;
  let shown = "";

  const say = (text, state) => {
    if (message.textContent !== text) message.textContent = text;
    box.dataset.state = state;
  };
  if (!id || !token) {
    say("This page needs the personal link from your registration mail.", "invalid");
    return () => {};
  }
  const path = `registrations/${encodeURIComponent(id)}`;

  const schedule = (ms) => {
    if (!stopped) timer = setTimeout(load, ms);
  };
  const render = (registration) => {
    say(statusText(registration), registration.status);
    // Rebuild the details only when something shown changed, so focus and buttons stay put.
    const key = JSON.stringify([registration.status, registration.start_url, registration.ends_at,
      registration.username, registration.extension_minutes]);
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
  };
  const ticker = setInterval(countDown, TICK_MS);
  async function endSession() {
    try {
      const result = await api("DELETE", path, { params: { token } });
      render({ ...lastRegistration, status: (result && result.status) || "ending" });
      clearTimeout(timer);
      schedule(POLL_BUSY_MS);
    } catch (error) {
      const text = error.status === 0
        ? "The service cannot be reached, so your session was not ended. Please try again."
        : `Your session could not be ended (${error.message}). Please try again.`;
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
        ? "Your session cannot be extended now (every seat is needed, or you extended it already)."
        : "Your session could not be extended. Please try again.";
      detail.append(el("p", { className: "wod-status__error", role: "alert", textContent: text }));
    }
  }
  let lastRegistration = {};
  async function load() {
    try {
      const registration = await api("GET", path, { params: { token } });
      lastRegistration = registration;
      render(registration);
      if (FINAL.has(registration.status)) return;
      schedule(registration.status === "ready" ? readyDelay(registration.ends_at) : POLL_BUSY_MS);
    } catch (error) {
      if (error.status === 404) {
        say("We cannot find this registration: check that you opened the whole link from your mail.",
          "not_found");
        detail.replaceChildren();
        shown = "";
        return;
      }
      say("The service cannot be reached right now. We keep trying…", "unreachable");
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
