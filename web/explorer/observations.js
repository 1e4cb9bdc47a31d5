// Observation collections on the map (Argo floats, CF discrete sampling geometry files): the
// "Observations" section of the controls lists them (GET /api/v1/observations, asked when the
// section is first opened, or when the permalink names one: not with the page); a chosen one
// draws its profiles' positions in the map's view and the time range
// (…/observations?bbox=&start=&end=&limit=, following `next` up to MOST profiles, "showing N of
// M" beyond), coloured by time, and the whole tracks of their platforms (…/platforms/{p}: split
// at 180° by the API, drawn on three copies of the world as the coastlines are, so a track
// across the antimeridian continues on the next copy). Moving the map asks again, once it rests.
// A click on a position opens its profile's panel (profile.js).

import L from "leaflet";
import { getJSON, withQuery } from "../lib/http.js";
import { coordinate, wrap } from "./state.js";

const PAGE = 1000; // profiles per request
const MOST = 5000; // profiles drawn at most (five pages)
const TRACKS = 40; // platforms whose tracks are drawn at most
const DEBOUNCE_MS = 300;
const SUGGESTED = 1000; // profile ids offered in the profile field
// Viridis at eleven stops (matplotlib's), the track plot's colours of time: earliest dark.
const VIRIDIS = [
  [68, 1, 84], [72, 36, 117], [65, 68, 135], [53, 95, 141], [42, 120, 142], [33, 145, 140],
  [34, 168, 132], [68, 191, 112], [122, 209, 81], [189, 223, 38], [253, 231, 37],
];
const count = (n) => n.toLocaleString("en");
const hex = (rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;

/** The colour of `fraction` (0 to 1) along viridis. */
export function timeColour(fraction) {
  const x = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0.5)) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const t = x - i;
  return hex(VIRIDIS[i].map((c, k) => c + (VIRIDIS[i + 1][k] - c) * t));
}

/** The map's view as a `bbox`: longitudes in ±180 (west > east across the antimeridian), the
 * whole globe once the view spans 360°. */
export function viewBox(map) {
  const bounds = map.getBounds();
  const south = Math.max(-90, bounds.getSouth());
  const north = Math.min(90, bounds.getNorth());
  const [west, east] =
    bounds.getEast() - bounds.getWest() >= 360 ? [-180, 180] : [wrap(bounds.getWest()), wrap(bounds.getEast())];
  return [west, south, east, north].map(coordinate).join(",");
}

/** A date picked (yyyy-mm-dd) as the search's instant: its start, or (`end`) its last second. */
const instant = (day, end) => (day ? `${day}T${end ? "23:59:59" : "00:00:00"}Z` : null);

/**
 * Start the observation layer on `map`. `api` is /api/v1/; `elements` the section's controls;
 * `open(feature)` opens a profile's panel; `changed()` is told the state changed (the URL).
 */
export function startObservations(map, { api, elements, open, changed }) {
  const { details, select, start, end, tracks: tracksBox, fit: fitButton, status, problem, link, legend } = elements;
  const { profile: profileInput, profiles: suggestions } = elements;
  // The tracks under the positions, both over the coastlines (450).
  map.createPane("observation-tracks").style.zIndex = 455;
  map.createPane("observations").style.zIndex = 460;
  map.createPane("observation-mark").style.zIndex = 465; // the open profile's ring, on top
  const trackRenderer = L.canvas({ pane: "observation-tracks", padding: 0.1 });
  const renderer = L.canvas({ pane: "observations", padding: 0.1 });
  const markRenderer = L.canvas({ pane: "observation-mark", padding: 0.1 });
  const trackLayer = L.layerGroup().addTo(map);
  const pointLayer = L.layerGroup().addTo(map);
  const ring = L.layerGroup().addTo(map);
  const limits = { page: PAGE, most: MOST, tracks: TRACKS };
  let collections = [];
  let listing = null;
  let chosen = null; // the collection's id (also while the list is still being asked for)
  let shown = []; // the positions drawn: [{ id, lon, lat, x (the longitude drawn), colour, platform }]
  let searched = null; // the first page's URL
  let generation = 0;
  let timer = null;
  const trackCache = new Map(); // `${collection}/${platform}` -> Promise of its MultiLineString

  const summary = () => collections.find((c) => c.id === chosen) ?? null;
  const setStatus = (state, text) => {
    details.dataset.status = state;
    status.textContent = text;
  };

  /** The collections (GET /api/v1/observations, once; asked again after a failure). */
  function list() {
    listing ??= getJSON(new URL("observations", api)).then(
      (answer) => {
        // The page draws profiles: collections of CF time series only are not offered.
        collections = answer.collections.filter((c) => !c.feature_types || c.feature_types.includes("profile"));
        select.replaceChildren(
          new Option("none", ""),
          ...collections.map((c) => {
            const option = new Option(c.available ? c.title : `${c.title} (unavailable)`, c.id);
            option.disabled = !c.available;
            if (!c.available) option.title = c.unavailable_reason ?? "";
            return option;
          }),
        );
        select.value = collections.some((c) => c.id === chosen && c.available) ? chosen : "";
        select.disabled = false;
        return collections;
      },
      (error) => {
        listing = null;
        problem.textContent = `The collections could not be listed: ${error.message}`;
        return [];
      },
    );
    return listing;
  }

  details.addEventListener("toggle", () => {
    if (details.open) list();
  });

  /** The search's URL for the view and the time range: the first page. */
  function searchURL() {
    return withQuery(new URL(`datasets/${encodeURIComponent(chosen)}/observations`, api), {
      bbox: viewBox(map),
      start: instant(start.value, false),
      end: instant(end.value, true),
      limit: limits.page,
    });
  }

  /** The time range the colours span: the one picked, else the collection's. */
  function colourRange() {
    const extent = summary()?.time_extent;
    const low = Date.parse(instant(start.value, false) ?? extent?.start ?? "");
    const high = Date.parse(instant(end.value, true) ?? extent?.end ?? "");
    return [low, high];
  }

  function drawLegend() {
    const [low, high] = colourRange();
    legend.hidden = !chosen || !Number.isFinite(low) || !Number.isFinite(high);
    if (legend.hidden) return;
    const day = (ms) => new Date(ms).toISOString().slice(0, 10);
    legend.querySelector(".from").textContent = day(low);
    legend.querySelector(".to").textContent = day(high);
  }

  function clear() {
    suggestions.replaceChildren();
    pointLayer.clearLayers();
    trackLayer.clearLayers();
    shown = [];
    searched = null;
    link.hidden = true;
  }

  /** Ask for the profiles in view (and their platforms' tracks) and draw them; unless `force`,
   * not again for the search drawn last (a move that ends where it started). */
  async function refresh({ force = false } = {}) {
    clearTimeout(timer);
    if (!force && chosen && searched !== null && searched === searchURL()) {
      details.dataset.status = "idle";
      return;
    }
    const mine = ++generation;
    problem.textContent = "";
    if (!chosen) {
      clear();
      setStatus("idle", "");
      drawLegend();
      return;
    }
    if (start.value && end.value && start.value > end.value) {
      problem.textContent = "The time range's start must not be after its end.";
      setStatus("error", "");
      return;
    }
    const first = searchURL();
    setStatus("loading", "Finding the profiles in view…");
    try {
      const features = [];
      let matched = 0;
      let next = first;
      while (next && features.length < limits.most) {
        const page = await getJSON(next);
        if (mine !== generation) return;
        matched = page.numberMatched;
        features.push(...page.features.slice(0, limits.most - features.length));
        next = page.links.find((l) => l.rel === "next")?.href ?? null;
      }
      searched = first;
      draw(features);
      link.hidden = false;
      link.querySelector("a").href = first;
      link.querySelector("code").textContent = first;
      const name = summary()?.title ?? chosen;
      setStatus(
        "loading",
        matched === 0
          ? `${name}: no profiles in view${start.value || end.value ? " in the time range" : ""} ("Show all" frames the collection's).`
          : features.length < matched
            ? `${name}: showing ${count(features.length)} of ${count(matched)} profiles in view (the earliest; zoom in or narrow the time range for the rest).`
            : `${name}: ${count(matched)} profile${matched === 1 ? "" : "s"} in view.`,
      );
      const platforms = await drawTracks(features, mine);
      if (mine !== generation) return;
      if (platforms > limits.tracks) {
        status.textContent += ` Tracks of the first ${limits.tracks} of their ${count(platforms)} platforms.`;
      }
      details.dataset.status = "idle";
    } catch (error) {
      if (mine !== generation) return;
      problem.textContent = error.message;
      setStatus("error", "");
    }
  }

  /** Draw the features as positions coloured by time, each in the copy of the world nearest
   * the view's centre. */
  function draw(features) {
    pointLayer.clearLayers();
    const [low, high] = colourRange();
    const centre = map.getCenter().lng;
    // Smaller where the world is small: a crowd of positions stays a set of dots.
    const zoom = map.getZoom();
    const radius = zoom <= 2 ? 3 : zoom <= 4 ? 4 : 5;
    shown = [];
    for (const feature of features) {
      if (!feature.geometry) continue; // a position flagged missing
      const [lon, lat] = feature.geometry.coordinates;
      const time = Date.parse(feature.properties.time);
      const colour = timeColour(high > low ? (time - low) / (high - low) : 0.5);
      const x = lon + 360 * Math.round((centre - lon) / 360);
      const marker = L.circleMarker([lat, x], {
        renderer,
        pane: "observations",
        radius,
        weight: 1,
        color: "#1d2a33",
        fillColor: colour,
        fillOpacity: 1,
        bubblingMouseEvents: false,
      });
      marker.bindTooltip(`${feature.id} · ${feature.properties.time?.slice(0, 10) ?? "no time"}`, { direction: "top" });
      marker.on("click", (event) => open(feature, event));
      pointLayer.addLayer(marker);
      shown.push({ id: feature.id, lon, lat, x, colour, platform: feature.properties.platform });
    }
    // The ids in view, offered as the profile field's suggestions (the first SUGGESTED).
    suggestions.replaceChildren(...shown.slice(0, SUGGESTED).map((m) => new Option(m.id)));
    drawLegend();
  }

  function track(platform) {
    const key = `${chosen}/${platform}`;
    if (!trackCache.has(key)) {
      const url = new URL(`datasets/${encodeURIComponent(chosen)}/platforms/${encodeURIComponent(platform)}`, api);
      const asked = getJSON(url).then((answer) => answer.track);
      asked.catch(() => trackCache.delete(key));
      trackCache.set(key, asked);
    }
    return trackCache.get(key);
  }

  /** The whole tracks of the platforms drawn (the first TRACKS of them), on three copies of
   * the world; how many platforms there are. */
  async function drawTracks(features, mine) {
    trackLayer.clearLayers();
    const all = [...new Set(features.map((f) => f.properties.platform))];
    if (!tracksBox.checked) return 0;
    const platforms = all.slice(0, limits.tracks);
    const lines = await Promise.all(platforms.map((p) => track(p).catch(() => null)));
    if (mine !== generation) return all.length;
    for (const [i, multi] of lines.entries()) {
      if (!multi) continue;
      for (const shift of [-360, 0, 360]) {
        const polyline = L.polyline(
          multi.coordinates.map((part) => part.map(([lon, lat]) => [lat, lon + shift])),
          { renderer: trackRenderer, pane: "observation-tracks", color: "#1d2a33", weight: 1.5, opacity: 0.75, interactive: false },
        );
        polyline.platform = platforms[i];
        trackLayer.addLayer(polyline);
      }
    }
    return all.length;
  }

  /** Refresh once the map has rested. */
  function later() {
    clearTimeout(timer);
    if (!chosen) return;
    details.dataset.status = "loading";
    timer = setTimeout(refresh, DEBOUNCE_MS);
  }
  map.on("moveend", later);

  /** Frame the collection's positions (its box, a little wider) on the map. */
  function frame() {
    const found = summary();
    if (!found?.bbox) return;
    const [west, south, east, north] = found.bbox;
    const box = L.latLngBounds([south, west], [north, east < west ? east + 360 : east]);
    map.fitBounds(box.pad(0.15), { animate: false, maxZoom: 7 });
  }
  fitButton.addEventListener("click", frame);

  /** Choose the collection `id` ("" for none); `fit` frames its positions. */
  async function choose(id, { fit = false } = {}) {
    chosen = id || null;
    clear();
    fitButton.disabled = true;
    profileInput.disabled = true;
    if (chosen) {
      await list();
      const found = summary();
      if (!found?.available) {
        problem.textContent = found ? `${found.title}: ${found.unavailable_reason}` : `No collection "${id}".`;
        setStatus("error", "");
        return;
      }
      if (fit) frame();
    }
    fitButton.disabled = !summary()?.bbox;
    profileInput.disabled = !summary()?.available;
    changed();
    await refresh();
  }

  select.addEventListener("change", () => choose(select.value, { fit: true }));
  for (const input of [start, end]) {
    input.addEventListener("change", () => {
      changed();
      refresh();
    });
  }
  tracksBox.addEventListener("change", () => {
    changed();
    refresh({ force: true });
  });

  /** Mark the open profile's position (null: none). */
  function mark(lonlat) {
    ring.clearLayers();
    if (!lonlat) return;
    const [lon, lat] = lonlat;
    for (const shift of [-360, 0, 360]) {
      ring.addLayer(
        L.circleMarker([lat, lon + shift], { renderer: markRenderer, pane: "observation-mark", radius: 9, weight: 3, color: "#111", fill: false, interactive: false }),
      );
    }
  }

  /** Restore the permalink's choices: collection, time range, tracks. */
  async function restore(initial) {
    start.value = initial.obs_start ?? "";
    end.value = initial.obs_end ?? "";
    tracksBox.checked = initial.obs_tracks !== "off";
    if (!initial.obs) return;
    chosen = initial.obs;
    details.open = true;
    await choose(initial.obs);
  }

  return {
    choose,
    restore,
    refresh,
    mark,
    list,
    limits,
    collection: summary,
    /** What the page's URL keeps. */
    state: () => ({
      obs: chosen,
      obs_start: chosen ? start.value || null : null,
      obs_end: chosen ? end.value || null : null,
      obs_tracks: chosen && !tracksBox.checked ? "off" : null,
    }),
    /** The positions drawn, the tracks drawn and the first page's URL (for tests). */
    shown: () => shown,
    tracks: () =>
      trackLayer.getLayers().map((line) => ({
        platform: line.platform,
        lines: line.getLatLngs().map((part) => part.map((p) => [p.lng, p.lat])),
      })),
    searched: () => searched,
  };
}
