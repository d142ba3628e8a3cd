// A workshop's page: live seats and the registration form (POST /api/registrations).
import { api, every } from "./api.js";
import { showSeats } from "./seats.js";

const REFRESH_MS = 15000;
const FIELDS = ["email", "first_name", "last_name", "company", "accept_terms"];
const LABELS = {
  email: "Email",
  first_name: "First name",
  last_name: "Last name",
  company: "Company",
  accept_terms: "Terms",
};
const REQUIRED = {
  email: "Enter your email address.",
  first_name: "Enter your first name.",
  last_name: "Enter your last name.",
  company: "Enter your company or organization.",
  accept_terms: "Accept the terms of participation to register.",
};

/** Field problems found before sending: empty fields, an address without "@", unchecked terms. */
export function checkForm(values) {
  const problems = {};
  for (const name of FIELDS) {
    const value = values[name];
    if (name === "accept_terms" ? value !== true : !String(value || "").trim()) {
      problems[name] = REQUIRED[name];
    }
  }
  if (!problems.email && !/^[^@\s]+@[^@\s]+$/.test(values.email.trim())) {
    problems.email = "Enter an email address like name@example.org.";
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
        return "The registration service did not answer in time. If a welcome mail reaches you "
          + "in the next minutes, you are registered; otherwise try again (registering twice "
          + "never takes a second seat).";
      }
      return "The registration service cannot be reached right now. "
        + "Please try again in a few minutes.";
    case 409:
      if (body.error === "workshop_closed") {
        return "This workshop is closed for registration right now.";
      }
      return `This workshop is full right now. ${body.message || ""}`.trim();
    case 404:
      return "This workshop is not open for registration any more.";
    case 422:
      return body.message || "Some fields need your attention.";
    case 429:
      return "Too many attempts. Please wait a minute and try again.";
    default:
      return `Registration failed (${error.message}). Please try again in a few minutes.`;
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
    const items = names.map((name) => `${LABELS[name]}: ${sentence(problems[name])}`)
      .concat(extra.map((name) => `${name}: ${sentence(String(problems[name]))}`));
    const head = summary || `Please correct ${n} field${n === 1 ? "" : "s"}.`;
    setAlert(alert, "error", `${head} ${items.join(" ")}`);
  }
  if (first) first.focus();
}

function setAlert(alert, kind, text) {
  alert.className = `wod-form__alert${kind ? ` wod-form__alert--${kind}` : ""}`;
  alert.textContent = text;
}

function setupForm(form) {
  const workshopId = form.dataset.wodRegister;
  const alert = form.querySelector("[data-wod-form-alert]");
  const button = form.querySelector('button[type="submit"]');
  let busy = false;

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
    setAlert(alert, "info", "Sending your registration…");
    try {
      // A registration may wait for a cold start, a seat and three follow-ups: allow it time.
      const result = await api("POST", "registrations", {
        body: { workshop_id: workshopId, ...values },
        timeoutMs: 30000,
      });
      const done = document.createElement("div");
      done.className = "wod-form__done";
      done.setAttribute("role", "status");
      done.tabIndex = -1;
      const title = document.createElement("p");
      title.className = "wod-form__done-title";
      title.textContent = "You are registered!";
      const text = document.createElement("p");
      text.textContent = `We are sending a mail to ${values.email} with a link to follow the `
        + "preparation of your workshop environment. Check your spam folder if it does not arrive.";
      done.append(title, text);
      if (result && result.message) {
        const server = document.createElement("p");
        server.textContent = result.message;
        done.append(server);
      }
      form.replaceWith(done);
      done.focus();
    } catch (error) {
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
  return () => form.removeEventListener("submit", onSubmit);
}

/** Mount on a workshop page; returns the cleanup for instant navigation. */
export function mountWorkshop(root) {
  const form = root.querySelector("[data-wod-register]");
  if (!form) return null;
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
