// The registration's proof of work: the bundled ALTCHA widget (assets/vendor/altcha, no CDN)
// fetches a challenge from GET /api/challenge and solves it in web workers as soon as the
// person starts filling in the form; the widget shows its progress, and nobody solves a puzzle.
import { ApiError, apiUrl } from "./api.js";

const WIDGET = "../vendor/altcha/altcha.js";
// Far above the solve time at the default difficulty (well under a second on a laptop).
const TIMEOUT_MS = 60000;

/** Whether a refused registration was refused for its proof of work (get a new one, retry). */
export function refusedProof(error) {
  return Boolean(error && error.status === 422 && error.body && error.body.fields
    && "altcha" in error.body.fields && Object.keys(error.body.fields).length === 1);
}

/** Wire the form's <altcha-widget>; returns { solution(), renew(), stop() }. */
export function proofOfWork(widget) {
  let payload = null;
  let waiting = [];
  const settle = (fn) => {
    const pending = waiting;
    waiting = [];
    pending.forEach(fn);
  };
  const onState = (event) => {
    const { state } = event.detail || {};
    if (state === "verified") {
      payload = event.detail.payload;
      settle(({ resolve }) => resolve(payload));
    } else if (state === "error") {
      payload = null;
      settle(({ reject }) => reject(new ApiError(0, null)));
    } else if (state === "expired" || state === "unverified") {
      payload = null;
    }
  };
  widget.setAttribute("challengeurl", apiUrl("challenge"));
  widget.addEventListener("statechange", onState);
  const loaded = import(WIDGET).then(() => customElements.whenDefined("altcha-widget"));

  return {
    /** The solved challenge (the `altcha` field): at once if it is ready, else when solved. */
    async solution() {
      await loaded;
      if (payload) return payload;
      const solved = new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        setTimeout(() => reject(new ApiError(0, null, true)), TIMEOUT_MS);
      });
      if (widget.getState() !== "verifying") widget.verify();
      return solved;
    },
    /** Forget the spent (or refused) solution and start on a new one. */
    async renew() {
      await loaded;
      payload = null;
      widget.reset();
      widget.verify();
    },
    stop() {
      widget.removeEventListener("statechange", onState);
      settle(({ reject }) => reject(new ApiError(0, null)));
    },
  };
}
