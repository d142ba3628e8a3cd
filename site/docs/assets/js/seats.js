// Live seats: fills every [data-wod-seats] of a card or workshop page from the API.

/** The text of a seat counter, or "unavailable" when the API gave nothing for this workshop. */
export function seatsText(workshop) {
  if (!workshop || typeof workshop.seats_available !== "number") return "unavailable";
  if (workshop.closed) return "Closed"; // by the organizer: no registration now
  if (workshop.seats_available <= 0) return "Full";
  const total = typeof workshop.seats_total === "number" ? ` of ${workshop.seats_total}` : "";
  return `${workshop.seats_available}${total} free`;
}

/** Show the seats of `workshop` (an API object, or null when unknown) in `element`. */
export function showSeats(element, workshop) {
  const text = seatsText(workshop);
  if (element.textContent !== text) element.textContent = text;
  const states = { Full: "full", Closed: "closed", unavailable: "unavailable" };
  element.dataset.state = states[text] || "open";
  const holder = element.closest("[data-wod-workshop]");
  if (holder) holder.classList.toggle("wod-card--full", text === "Full" || text === "Closed");
}
