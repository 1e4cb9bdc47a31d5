// What the service's pages share: fetching its JSON (a problem+json answer becomes an Error
// with its detail), explaining why an image failed, building query URLs, and the pickers'
// labels. Every URL the pages build is relative to the page, so they work behind a proxy that
// serves the API under a path prefix.

const BUSY = new Set([429, 503]); // "too many requests from you" and "full": try again soon
const TRIES = 4;

/** Wait as long as a busy answer's Retry-After says (in seconds), at most 2 s. */
const pause = (response, attempt) => {
  const seconds = Number.parseFloat(response.headers.get("Retry-After"));
  const ms = Number.isFinite(seconds) ? Math.min(seconds * 1000, 2000) : 500 * attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
};

/**
 * GET a JSON document; a problem+json answer becomes an Error carrying its detail. A busy
 * answer (429, 503) is asked again, up to four times in all.
 */
export async function getJSON(url, options = {}) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
    if (BUSY.has(response.status) && attempt < TRIES) {
      await pause(response, attempt);
      continue;
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error(body?.detail ?? `${response.status} ${response.statusText}: ${url}`);
    }
    return body;
  }
}

/**
 * Why a tile or image failed, asked again: `{ reason, retry }` where `reason` is its problem's
 * detail (or WMS exception text), else the status, and `retry` says a later try may work (it
 * loaded now, or the service was busy: 429, 503).
 */
export async function failureOf(url) {
  try {
    const response = await fetch(url);
    const text = await response.text();
    if (response.ok) return { reason: `${url} loaded on a second try`, retry: true };
    const retry = BUSY.has(response.status);
    try {
      return { reason: JSON.parse(text).detail ?? text, retry };
    } catch {
      const found = text.match(/<ServiceException[^>]*>([\s\S]*?)<\/ServiceException>/);
      return { reason: found ? found[1].trim() : `${response.status} ${response.statusText}`, retry };
    }
  } catch (error) {
    return { reason: String(error), retry: false };
  }
}

/**
 * Show `url` in `image`, asking again (up to four times, 1, 2, 3, 4 s later) while the service
 * is busy (429, 503); `image.dataset.state` says "loading", "loaded" or "error", and `failed(reason)`
 * is told why it finally failed.
 */
export function showImage(image, url, failed = () => {}) {
  let tries = 0;
  image.dataset.state = "loading";
  image.onload = () => (image.dataset.state = "loaded");
  image.onerror = async () => {
    const { reason, retry } = await failureOf(url);
    if (image.getAttribute("src") !== url) return; // another image asked for since
    if (retry && tries < 4) {
      tries += 1;
      setTimeout(() => {
        if (image.getAttribute("src") === url) image.src = url;
      }, 1000 * tries);
      return;
    }
    image.dataset.state = "error";
    failed(reason);
  };
  image.src = url;
}

/** Why a tile or image failed: its problem's detail (or WMS exception text), else the status. */
export async function explainFailure(url) {
  return (await failureOf(url)).reason;
}

/**
 * `url` with the query's non-empty values set (null, undefined and "" are left out). The
 * separators of coordinates and times (, ; :) are left as they are, legal in a query and easier
 * to read in the URLs the pages show.
 */
export function withQuery(url, query) {
  const out = new URL(url);
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") out.searchParams.set(name, value);
  }
  out.search = out.search.replace(/%2C/gi, ",").replace(/%3B/gi, ";").replace(/%3A/gi, ":");
  return out.href;
}

/** A coordinate for a URL: four decimals (11 m), no "-0". */
export const fixed = (degrees) => (Math.abs(degrees) < 5e-5 ? 0 : degrees).toFixed(4);

/** Fill a <select> with [value, label] pairs, keeping `chosen` if it is one of them. */
export function fill(select, options, chosen, none = "none") {
  select.replaceChildren(
    ...options.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
  if (options.length === 0) {
    const option = document.createElement("option");
    option.value = "";
    option.textContent = none;
    select.append(option);
  }
  if (options.some(([value]) => value === chosen)) select.value = chosen;
  select.disabled = options.length === 0;
}

export const timeLabel = (iso) =>
  iso.replace(/T00:00(:00)?Z$/, "").replace(/:00Z$/, "Z").replace("T", " ");
export const depthLabel = (metres) => `${metres < 10 ? metres.toFixed(2) : metres.toFixed(1)} m`;
