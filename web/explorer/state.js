// The page's state in its URL: a permalink restores the dataset, variable, depth, time, colour
// map and range, opacity, coastlines, the view (lon, lat, zoom), the tool, and the open panels
// (point, line, box, and the box's difference map's other time, compare), the observation
// collection shown (obs, its time range obs_start and obs_end as days, obs_tracks=off without
// the tracks) and the open profile (profile), so a view can be bookmarked and shared.
//
//   ?dataset=glorys&variable=thetao&depth=6.0541&time=2021-06-29T00:00:00Z&colormap=thermal
//    &scale=8,18&opacity=0.9&lon=-5&lat=58&zoom=4&point=-10.5,50.25&line=-12,49;-4,58
//    &box=-15,48,5,62
//   ?dataset=glorys&lon=112&lat=-11&zoom=6&obs=argo-5900865&obs_start=2006-01-01&profile=5900865_040
//   ?dataset=ersst-v5&time=2020-08-01T00:00:00Z&box=-170,-10,-120,10&compare=2019-08-01T00:00:00Z

import { fixed } from "../lib/http.js";

export const KEYS = [
  "dataset",
  "variable",
  "depth",
  "time",
  "colormap",
  "scale",
  "opacity",
  "coastlines",
  "lon",
  "lat",
  "zoom",
  "tool",
  "point",
  "line",
  "box",
  "compare",
  "obs",
  "obs_start",
  "obs_end",
  "obs_tracks",
  "profile",
];

/** The state the page's URL holds: {key: string} for the keys present. */
export function readState(href = location.href) {
  const query = new URL(href).searchParams;
  return Object.fromEntries(KEYS.filter((key) => query.has(key)).map((key) => [key, query.get(key)]));
}

/** A query value kept readable: the separators of coordinates and times are left as they are. */
const encode = (value) =>
  encodeURIComponent(value).replace(/%2C/g, ",").replace(/%3B/g, ";").replace(/%3A/g, ":");

/** The page's address for `state` (keys in KEYS order; empty values left out). */
export function permalink(state, href = location.href) {
  const url = new URL(href);
  const query = KEYS.filter((key) => state[key] !== null && state[key] !== undefined && state[key] !== "")
    .map((key) => `${key}=${encode(String(state[key]))}`)
    .join("&");
  url.search = query ? `?${query}` : "";
  url.hash = "";
  return url.href;
}

/** Replace the page's address with `state`'s, without a new history entry. */
export function remember(state) {
  const address = permalink(state);
  if (address !== location.href) history.replaceState(null, "", address);
  return address;
}

// Geometry as the API writes it --------------------------------------------------------------

/** A longitude in [-180, 180]: the map's wrapped copies of the world give any value. */
export const wrap = (lon) => (lon >= -180 && lon <= 180 ? lon : ((((lon + 180) % 360) + 360) % 360) - 180);

const number = (text) => {
  const value = Number.parseFloat(text);
  if (!Number.isFinite(value) || !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) {
    throw new Error(`"${text.trim()}" is not a number`);
  }
  return value;
};

function checkLat(lat) {
  if (lat < -90 || lat > 90) throw new Error(`latitude ${lat} is not within -90 to 90`);
  return lat;
}

/** "lon,lat" → [lon, lat]; an Error saying what is wrong. */
export function parsePoint(text) {
  const parts = text.split(",");
  if (parts.length !== 2) throw new Error("a point is lon,lat: two numbers");
  return [wrap(number(parts[0])), checkLat(number(parts[1]))];
}

/** "lon,lat;lon,lat;…" → [[lon, lat], …] with at least two vertices. */
export function parseLine(text) {
  const vertices = text
    .split(";")
    .filter((part) => part.trim() !== "")
    .map(parsePoint);
  if (vertices.length < 2) throw new Error("a line is at least two lon,lat points, separated by ;");
  return vertices;
}

/** "west,south,east,north" → [w, s, e, n]; west > east crosses the antimeridian. */
export function parseBox(text) {
  const parts = text.split(",");
  if (parts.length !== 4) throw new Error("a box is west,south,east,north: four numbers");
  const [west, south, east, north] = parts.map(number);
  if (!(south < north)) throw new Error("a box's south must be below its north");
  if (west === east) throw new Error("a box's west and east must differ");
  return [wrap(west), checkLat(south), wrap(east), checkLat(north)];
}

/** A coordinate as the URLs write it: four decimals at most (11 m), no trailing zeros. */
export const coordinate = (degrees) => String(Number(fixed(degrees)));
export const formatPoint = ([lon, lat]) => `${coordinate(lon)},${coordinate(lat)}`;
export const formatLine = (vertices) => vertices.map(formatPoint).join(";");
export const formatBox = (box) => box.map(coordinate).join(",");
