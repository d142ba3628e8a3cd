// The page scripts in another language and time zone (node --test; no browser, no network).
// The French sentences here are those of site/locales/fr (the build puts them in the page).
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { ApiError } from "../../../site/docs/assets/js/api.js";
import { nt, setLanguage, supported, t, useCatalogs } from "../../../site/docs/assets/js/i18n.js";
import { checkForm, register } from "../../../site/docs/assets/js/register.js";
import { formatEnd, remaining, statusText } from "../../../site/docs/assets/js/status.js";

const FRENCH = {
  fr: {
    plural: ["one", "many", "other"],
    messages: {
      "Your environment for {title} is ready.": "Votre environnement pour {title} est prêt.",
      "in {h} h {mm} min": "dans {h} h {mm} min",
      "Enter your first name.": "Saisissez votre prénom.",
      "Your environment for {title} is queued: {n} person ahead of you. It will be ready soon…": [
        "Votre environnement pour {title} est en file d’attente : {n} personne avant vous. Il sera bientôt prêt…",
        "Votre environnement pour {title} est en file d’attente : {n} personnes avant vous. Il sera bientôt prêt…",
        "Votre environnement pour {title} est en file d’attente : {n} personnes avant vous. Il sera bientôt prêt…",
      ],
    },
  },
};

afterEach(() => {
  setLanguage("en");
  useCatalogs(null);
});

test("a language we speak is chosen from a browser tag, English otherwise", () => {
  useCatalogs(FRENCH);
  assert.equal(supported("fr-CA"), "fr");
  assert.equal(supported("FR"), "fr");
  assert.equal(supported("de-DE"), null);
  assert.equal(setLanguage("de-DE"), "en");
  assert.equal(setLanguage("fr-FR"), "fr");
});

test("the status page speaks French, plurals included", () => {
  useCatalogs(FRENCH);
  setLanguage("fr");
  assert.equal(statusText({ status: "ready", workshop_title: "Python 101" }),
    "Votre environnement pour Python 101 est prêt.");
  assert.match(statusText({ status: "deploying", workshop_title: "X", queue_position: 1 }),
    /1 personne avant vous/);
  assert.match(statusText({ status: "deploying", workshop_title: "X", queue_position: 3 }),
    /3 personnes avant vous/);
  assert.equal(remaining("2026-11-27T11:05:00Z", Date.parse("2026-11-27T10:00:00Z")),
    "dans 1 h 05 min");
  assert.equal(checkForm({ email: "a@b.c", first_name: "", last_name: "L", company: "C",
    accept_terms: true }).first_name, "Saisissez votre prénom.");
});

test("an untranslated sentence falls back to English, placeholders filled", () => {
  useCatalogs(FRENCH);
  setLanguage("fr");
  assert.equal(t("Your session of {title} is ending…", { title: "X" }), "Your session of X is ending…");
  assert.equal(nt("{n} seat", "{n} seats", 2), "2 seats");
});

test("the end time is shown in the registration's zone, with its name", () => {
  const iso = "2026-11-27T11:00:00Z";
  const paris = formatEnd(iso, "Europe/Paris", "fr");
  assert.match(paris, /vendredi 27 novembre/);
  assert.match(paris, /12:00 \(Europe\/Paris\)$/);
  const newYork = formatEnd(iso, "America/New_York", "en");
  assert.match(newYork, /Friday, November 27/);
  assert.match(newYork, /06:00\s?AM \(America\/New_York\)$/);
  // A zone the browser does not know: its own zone, named.
  assert.ok(formatEnd(iso, "Mars/Olympus_Mons", "en").length > 0);
});

test("the registration carries the zone and language, and goes again without them if refused", async () => {
  const sent = [];
  const refusing = async (_method, _path, { body }) => {
    sent.push(body);
    if ("time_zone" in body) {
      throw new ApiError(422, { error: "validation_error", fields: { time_zone: "unknown" } });
    }
    return { registration_id: "r" };
  };
  const result = await register({ workshop_id: "w", email: "a@b.c", time_zone: "Nowhere/X",
    language: "fr" }, refusing);
  assert.deepEqual(result, { registration_id: "r" });
  assert.deepEqual(sent.map((body) => "time_zone" in body), [true, false]);
  assert.equal("language" in sent[1], false);
});

test("a refusal of a field the participant typed is not retried", async () => {
  let calls = 0;
  const refusing = async () => {
    calls += 1;
    throw new ApiError(422, { fields: { email: "bad", time_zone: "unknown" } });
  };
  await assert.rejects(register({ email: "x", time_zone: "Nowhere/X" }, refusing));
  assert.equal(calls, 1);
});
