// The registration API as seen from the pages: base URL from <meta name="wod-api-url">
// (mkdocs.yml `extra.api_url`, env WOD_API_URL), JSON in and out, and one error type.

/** An API call that did not succeed: `status` 0 means no answer came back, and `timedOut`
 * that the request may well have arrived (the answer was just too slow). */
export class ApiError extends Error {
  constructor(status, body, timedOut = false) {
    super((body && body.message) || (status ? `HTTP ${status}` : "The service cannot be reached"));
    this.name = "ApiError";
    this.status = status;
    this.body = body || {};
    this.timedOut = timedOut;
  }
}

/** The absolute URL of an API path such as `workshops` or `registrations/abc`. */
export function apiUrl(path, params) {
  const meta = document.querySelector('meta[name="wod-api-url"]');
  let base = (meta && meta.content) || "/api/";
  if (!base.endsWith("/")) base += "/";
  const url = new URL(path.replace(/^\//, ""), new URL(base, window.location.href));
  for (const [key, value] of Object.entries(params || {})) url.searchParams.set(key, value);
  return url.toString();
}

/** Call the API; resolves to the parsed JSON body or throws an ApiError. */
export async function api(method, path, { params, body, timeoutMs = 10000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(apiUrl(path, params), {
      method,
      headers: body === undefined ? { Accept: "application/json" }
        : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, null, error && error.name === "AbortError");
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Run `task` now and every `ms` while the page is visible; returns a stop function. */
export function every(ms, task) {
  let timer = null;
  const start = () => {
    if (timer === null) timer = setInterval(task, ms);
  };
  const stop = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  const onVisibility = () => {
    if (document.hidden) {
      stop();
    } else {
      task();
      start();
    }
  };
  document.addEventListener("visibilitychange", onVisibility);
  task();
  if (!document.hidden) start();
  return () => {
    stop();
    document.removeEventListener("visibilitychange", onVisibility);
  };
}
