// Unit tests of the pure parts of the page scripts (node --test; no browser, no network).
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../../../site/docs/assets/js/api.js";
import { checkForm, failureText } from "../../../site/docs/assets/js/register.js";
import { refusedProof } from "../../../site/docs/assets/js/proof.js";
import { seatsText } from "../../../site/docs/assets/js/seats.js";
import { caption, linkedinShare } from "../../../site/docs/assets/js/badge.js";
import { readyDelay, remaining, statusText } from "../../../site/docs/assets/js/status.js";

const valid = {
  email: "ada@example.org",
  first_name: "Ada",
  last_name: "Lovelace",
  company: "Engines",
  accept_terms: true,
};

test("seats: free, full, unknown", () => {
  assert.equal(seatsText({ seats_available: 3, seats_total: 20 }), "3 of 20 free");
  assert.equal(seatsText({ seats_available: 0, seats_total: 20 }), "Full");
  assert.equal(seatsText({ seats_available: 0, seats_total: 20, closed: true }), "Closed");
  assert.equal(seatsText(null), "unavailable");
  assert.equal(seatsText({ id: "x" }), "unavailable");
});

test("form check: a complete form passes", () => {
  assert.deepEqual(checkForm(valid), {});
});

test("form check: blanks, unchecked terms and an address without @", () => {
  const problems = checkForm({ ...valid, first_name: "  ", accept_terms: false, email: "ada" });
  assert.deepEqual(Object.keys(problems).sort(), ["accept_terms", "email", "first_name"]);
});

test("form check leaves finer email rules to the API", () => {
  assert.deepEqual(checkForm({ ...valid, email: "ada@nodot" }), {});
});

test("failure texts name the problem", () => {
  assert.match(failureText(new ApiError(0, null)), /cannot be reached/);
  // A timeout does not mean nothing was sent: say that trying again is safe.
  const slow = failureText(new ApiError(0, null, true));
  assert.match(slow, /did not answer in time/);
  assert.match(slow, /never takes a second seat/);
  assert.match(failureText(new ApiError(409, { message: "Every seat is taken." })), /full.*Every seat/);
  assert.match(failureText(new ApiError(404, {})), /not open/);
  assert.match(failureText(new ApiError(500, { message: "boom" })), /boom/);
});

test("status texts cover every state", () => {
  const states = ["pending", "deploying", "ready", "ending", "ended", "failed", "cancelled"];
  for (const status of states) {
    assert.match(statusText({ status, workshop_title: "Python 101" }), /Python 101/);
  }
  assert.match(statusText({ status: "ready", workshop_title: "X" }), /ready/);
});

test("remaining time", () => {
  const now = Date.parse("2026-11-27T10:00:00Z");
  assert.equal(remaining("2026-11-27T11:05:00Z", now), "in 1 h 05 min");
  assert.equal(remaining("2026-11-27T10:12:30Z", now), "in 12 min");
  assert.equal(remaining("2026-11-27T10:00:30Z", now), "in less than a minute");
  assert.equal(remaining("2026-11-27T09:00:00Z", now), "");
});

test("badge caption and LinkedIn share link", () => {
  const text = caption({ first_name: "Ada", workshop_title: "Python 101", date: "2026-11-27" });
  assert.match(text, /^Ada completed Python 101 on /);
  assert.match(text, /2026/);
  const share = linkedinShare("http://site/badge/?id=1&token=t");
  assert.equal(
    share,
    "https://www.linkedin.com/sharing/share-offsite/?url=http%3A%2F%2Fsite%2Fbadge%2F%3Fid%3D1%26token%3Dt",
  );
});

test("proof of work: only a refusal naming altcha alone asks for a new solution", () => {
  const refusal = (fields) => new ApiError(422, { error: "altcha_rejected", fields });
  assert.equal(refusedProof(refusal({ altcha: "expired" })), true);
  assert.equal(refusedProof(refusal({ altcha: "x", email: "y" })), false);
  assert.equal(refusedProof(refusal({ email: "y" })), false);
  assert.equal(refusedProof(new ApiError(409, { fields: { altcha: "x" } })), false);
  assert.equal(refusedProof(new ApiError(0, null)), false);
});

test("a ready session is checked every 5 minutes, and just after its end", () => {
  const now = Date.parse("2026-11-27T10:00:00Z");
  assert.equal(readyDelay("2026-11-27T11:00:00Z", now), 300000);
  assert.equal(readyDelay("2026-11-27T10:01:00Z", now), 62000);
  assert.equal(readyDelay("2026-11-27T09:00:00Z", now), 4000);
  assert.equal(readyDelay("not a date", now), 300000);
});

test("a closed workshop says so, not that it is full", () => {
  const closed = { status: 409, body: { error: "workshop_closed", message: "closed" } };
  assert.match(failureText(closed), /closed for registration/);
  assert.match(failureText({ status: 409, body: { error: "workshop_full" } }), /full/);
});
