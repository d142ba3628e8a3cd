// A workshop's page: live seats and the registration form (POST /api/registrations). The form's
// messages speak the browser's language, and the registration carries the browser's time zone
// and language, so that the participant's mails and status page use them.
import { api, every } from "./api.js";
import { browserLanguage, browserTimeZone, nt, setLanguage, t } from "./i18n.js";
import { proofOfWork, refusedProof } from "./proof.js";
import { showSeats } from "./seats.js";

const REFRESH_MS = 15000;
const FIELDS = ["email", "first_name", "last_name", "company", "accept_terms"];
// Optional fields the API may refuse (an unknown zone, a tag it cannot read): then the form
// sends the registration again without them, as a client older than them would.
const OPTIONAL = ["time_zone", "language"];
const LABELS = {
  email: () => t("Email"),
  first_name: () => t("First name"),
  last_name: () => t("Last name"),
  company: () => t("Company"),
  accept_terms: () => t("Terms"),
};
const REQUIRED = {
  email: () => t("Enter your email address."),
  first_name: () => t("Enter your first name."),
  last_name: () => t("Enter your last name."),
  company: () => t("Enter your company or organization."),
  accept_terms: () => t("Accept the terms of participation to register."),
};

/** What the registration says of the participant's browser: its time zone and language. */
export function browserFields() {
  const fields = { language: browserLanguage() };
  const zone = browserTimeZone();
  if (zone) fields.time_zone = zone;
  return fields;
}

/** Field problems found before sending: empty fields, an address without "@", unchecked terms. */
export function checkForm(values) {
  const problems = {};
  for (const name of FIELDS) {
    const value = values[name];
    if (name === "accept_terms" ? value !== true : !String(value || "").trim()) {
      problems[name] = REQUIRED[name]();
    }
  }
  if (!problems.email && !/^[^@\s]+@[^@\s]+$/.test(values.email.trim())) {
    problems.email = t("Enter an email address like name@example.org.");
  }
  return problems;
}

/** The sentence shown for a failed registration, from the API's error. */
export function failureText(error) {
  const body = error.body || {};
  switch (error.status) {
    case 0:
      if (error.timedOut) {
        // The request may have arrived: say so, and that trying again is safe (the API answers
        // a second registration of the same email with the first one, never a second seat).
        return t("The registration service did not answer in time. If a welcome mail reaches you in the next minutes, you are registered; otherwise try again (registering twice never takes a second seat).");
      }
      return t("The registration service cannot be reached right now. Please try again in a few minutes.");
    case 409:
      if (body.error === "workshop_closed") {
        return t("This workshop is closed for registration right now.");
      }
      return [t("This workshop is full right now."), body.message || ""].join(" ").trim();
    case 404:
      return t("This workshop is not open for registration any more.");
    case 422:
      return body.message || t("Some fields need your attention.");
    case 429:
      return t("Too many attempts. Please wait a minute and try again.");
    default:
      return t("Registration failed ({reason}). Please try again in a few minutes.", { reason: error.message });
  }
}

function readForm(form) {
  const values = {};
  for (const name of FIELDS) {
    const input = form.elements.namedItem(name);
    values[name] = input.type === "checkbox" ? input.checked : input.value.trim();
  }
  return values;
}

function showProblems(form, alert, problems, summary) {
  let first = null;
  for (const name of FIELDS) {
    const input = form.elements.namedItem(name);
    const slot = form.querySelector(`[data-wod-error-for="${name}"]`);
    const message = problems[name] || "";
    slot.textContent = message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    } else {
      input.removeAttribute("aria-invalid");
    }
  }
  const names = Object.keys(problems).filter((name) => FIELDS.includes(name));
  const extra = Object.keys(problems).filter((name) => !FIELDS.includes(name));
  if (names.length || extra.length) {
    const n = names.length + extra.length;
    const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);
    const items = names.map((name) => `${LABELS[name]()}: ${sentence(problems[name])}`)
      .concat(extra.map((name) => `${name}: ${sentence(String(problems[name]))}`));
    const head = summary || nt("Please correct {n} field.", "Please correct {n} fields.", n);
    setAlert(alert, "error", `${head} ${items.join(" ")}`);
  }
  if (first) first.focus();
}

function setAlert(alert, kind, text) {
  alert.className = `wod-form__alert${kind ? ` wod-form__alert--${kind}` : ""}`;
  alert.textContent = text;
}

/** POST the registration; if the API refuses only the optional fields, again without them. */
export async function register(body, post = api) {
  // A registration may wait for a cold start, a seat and three follow-ups: allow it time.
  const send = (payload) => post("POST", "registrations", { body: payload, timeoutMs: 30000 });
  try {
    return await send(body);
  } catch (error) {
    const fields = Object.keys((error.body && error.body.fields) || {});
    if (error.status !== 422 || !fields.length || !fields.every((f) => OPTIONAL.includes(f))) {
      throw error;
    }
    const plain = { ...body };
    for (const name of OPTIONAL) delete plain[name];
    return send(plain);
  }
}

function setupForm(form) {
  const workshopId = form.dataset.wodRegister;
  const alert = form.querySelector("[data-wod-form-alert]");
  const button = form.querySelector('button[type="submit"]');
  const proof = proofOfWork(form.querySelector("altcha-widget"));
  let busy = false;

  const send = async (values) => {
    setAlert(alert, "info", t("Checking automatically that a person is registering…"));
    const altcha = await proof.solution();
    setAlert(alert, "info", t("Sending your registration…"));
    return register({ workshop_id: workshopId, ...values, ...browserFields(), altcha });
  };

  const onSubmit = async (event) => {
    event.preventDefault();
    if (busy) return;
    const values = readForm(form);
    const problems = checkForm(values);
    if (Object.keys(problems).length) {
      showProblems(form, alert, problems, "");
      return;
    }
    showProblems(form, alert, {}, "");
    busy = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      let result;
      try {
        result = await send(values);
      } catch (error) {
        if (!refusedProof(error)) throw error;
        // Expired while the form stayed open, or spent by an earlier attempt: once more.
        proof.renew();
        result = await send(values);
      }
      const done = document.createElement("div");
      done.className = "wod-form__done";
      done.setAttribute("role", "status");
      done.tabIndex = -1;
      const title = document.createElement("p");
      title.className = "wod-form__done-title";
      title.textContent = t("You are registered!");
      const text = document.createElement("p");
      text.textContent = t("We are sending a mail to {email} with a link to follow the preparation of your workshop environment. Check your spam folder if it does not arrive.", { email: values.email });
      done.append(title, text);
      // The API's own sentence, in the language the registration sent.
      if (result && result.message) {
        const server = document.createElement("p");
        server.textContent = result.message;
        done.append(server);
      }
      form.replaceWith(done);
      done.focus();
    } catch (error) {
      proof.renew(); // a solution is spent by the request that carried it
      if (error.status === 422 && error.body && error.body.fields) {
        showProblems(form, alert, error.body.fields, "");
      } else {
        setAlert(alert, "error", failureText(error));
        alert.focus();
      }
    } finally {
      busy = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  };
  form.addEventListener("submit", onSubmit);
  return () => {
    form.removeEventListener("submit", onSubmit);
    proof.stop();
  };
}

/** Mount on a workshop page; returns the cleanup for instant navigation. */
export function mountWorkshop(root) {
  const form = root.querySelector("[data-wod-register]");
  if (!form) return null;
  setLanguage(browserLanguage());
  const id = form.dataset.wodRegister;
  const seats = [...root.querySelectorAll("[data-wod-seats]")];
  const stopSeats = every(REFRESH_MS, () =>
    api("GET", `workshops/${encodeURIComponent(id)}`)
      .then((workshop) => seats.forEach((el) => showSeats(el, workshop)))
      .catch(() => seats.forEach((el) => showSeats(el, null))));
  const stopForm = setupForm(form);
  return () => {
    stopSeats();
    stopForm();
  };
}
