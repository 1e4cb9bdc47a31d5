// The explorer at the service's root: a map of any dataset's tiles with its pickers, the value
// and plots at a clicked point, a transect and Hovmöller diagram along a drawn line, a map and
// download of a drawn box, the API call behind each of them, time animation, and the whole
// state in the page's URL; and the observation collections' profiles on the map, each a click
// away from its panel (observations.js, profile.js). Everything here is a request to this service's API, relative to the
// page, so the page works behind a proxy that serves the API under a path prefix.

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./explorer.css";
import { depthLabel, fill, getJSON, showImage, timeLabel, withQuery } from "../lib/http.js";
import { startTools } from "./draw.js";
import { Frames } from "./frames.js";
import { startObservations } from "./observations.js";
import { KINDS, startPanels } from "./panels.js";
import { startPlayer } from "./player.js";
import { profilePanel } from "./profile.js";
import {
  coordinate,
  formatBox,
  formatLine,
  formatPoint,
  parseBox,
  parseLine,
  parsePoint,
  readState,
  remember,
  wrap,
} from "./state.js";

const ROOT = new URL("./", location.href);
const API = new URL("api/v1/", ROOT);
const datasetURL = (id) => new URL(`datasets/${encodeURIComponent(id)}/`, API);
const $ = (id) => document.getElementById(id);

const picks = {
  dataset: $("dataset"),
  variable: $("variable"),
  depth: $("depth"),
  time: $("time"),
  colormap: $("colormap"),
  range: $("range"),
  min: $("range-min"),
  max: $("range-max"),
  opacity: $("opacity"),
  coastlines: $("coastlines"),
};
const inputs = { point: $("point-input"), line: $("line-input"), box: $("box-input") };
const FORMATTERS = { point: formatPoint, line: formatLine, box: formatBox };
const PARSERS = { point: parsePoint, line: parseLine, box: parseBox };
const mapElement = $("map");
const status = $("status");
const legend = $("legend");

const initial = readState();
let datasets = [];
let variables = [];
let times = [];
let depths = [];
let failure = null;
let fetching = false;
let layerLoading = false;
let generation = 0;
let started = false;

// The map ----------------------------------------------------------------------------------
const map = L.map(mapElement, {
  minZoom: 0,
  maxZoom: 12,
  worldCopyJump: true,
  // Tiles appear at once: no cross-fade muddling the colours of the data while they load.
  fadeAnimation: false,
  keyboardPanDelta: 120,
});
map.attributionControl.setPrefix(false);
L.control.scale({ imperial: false }).addTo(map);
map.createPane("coastlines").style.zIndex = 450;
let coastlines = null;

const frames = new Frames(map, ({ loading, failure: why }) => {
  layerLoading = loading;
  if (why) failure = why;
  report();
});

function report() {
  const state = failure ? "error" : fetching || layerLoading ? "loading" : "idle";
  mapElement.dataset.status = state;
  status.textContent = failure ?? (state === "loading" ? "Loading…" : "");
  status.classList.toggle("error", failure !== null);
}

function fail(error) {
  fetching = false;
  failure = String(error.message ?? error);
  report();
}

// The selection ----------------------------------------------------------------------------
const currentVariable = () => variables.find((v) => v.id === picks.variable.value);
const currentDataset = () => datasets.find((d) => d.id === picks.dataset.value);

/** The time and depth asked for: null where the variable has no such axis. */
function selection() {
  const variable = currentVariable();
  return {
    time: variable?.has_time && picks.time.value ? picks.time.value : null,
    depth: variable?.has_depth && picks.depth.value ? picks.depth.value : null,
  };
}

/** The colour choices as the API's parameters: colormap and scale (absent: the variable's own). */
function style() {
  const out = {};
  if (picks.colormap.value) out.colormap = picks.colormap.value;
  if (picks.range.value === "auto") out.scale = "auto";
  if (picks.range.value === "custom") out.scale = `${picks.min.value},${picks.max.value}`;
  return out;
}

/** A typed range is two numbers, min below max; else the reason, shown beside the inputs. */
function checkRange() {
  const custom = picks.range.value === "custom";
  picks.min.disabled = !custom;
  picks.max.disabled = !custom;
  if (!custom) return null;
  const low = Number.parseFloat(picks.min.value);
  const high = Number.parseFloat(picks.max.value);
  if (!Number.isFinite(low) || !Number.isFinite(high)) return "Type the range's min and max.";
  if (!(low < high)) return "The range's min must be below its max.";
  return null;
}

/** Everything the page's URL keeps. */
function state() {
  const center = map.getCenter();
  const chosen = selection();
  const scale = layerStyle.scale ?? null;
  return {
    dataset: picks.dataset.value,
    variable: picks.variable.value,
    depth: chosen.depth,
    time: chosen.time,
    colormap: picks.colormap.value || null,
    scale,
    opacity: picks.opacity.value === "0.9" ? null : picks.opacity.value,
    coastlines: picks.coastlines.checked ? null : "off",
    lon: coordinate(wrap(center.lng)),
    lat: coordinate(center.lat),
    zoom: String(map.getZoom()),
    tool: tools.tool() === "point" ? null : tools.tool(),
    point: inputs.point.value.trim() || null,
    line: inputs.line.value.trim() || null,
    box: inputs.box.value.trim() || null,
    compare: panels.geometry("box") ? compared() : null,
    ...observations.state(),
    profile: panels.geometry("profile")?.id ?? null,
  };
}

// The other time of the box's difference map (A at the chosen time, B at this one): null for
// none, or where the variable has no such time.
let compareTime = initial.compare ?? null;
const compared = () => {
  const { time } = selection();
  return time && compareTime !== time && times.includes(compareTime) ? compareTime : null;
};

function keep() {
  if (started) remember(state());
}

/** What the panels need to build their URLs. */
function context() {
  const chosen = selection();
  const dataset = currentDataset();
  return {
    dataset,
    variable: currentVariable(),
    time: chosen.time,
    depth: chosen.depth,
    timeCount: times.length,
    depthCount: depths.length,
    style: () => layerStyle,
    times,
    compareTime: compared(),
    /** Keep the box's difference map's other time (null: none) in the page's URL. */
    compare: (time) => {
      compareTime = time;
      keep();
    },
    /** Whether GET plot-types lists this dataset for the plot type `type`. */
    offers: (type) => offered.get(type)?.has(dataset.id) ?? false,
    /** The chosen time for a plot of the variable `id` (not the one picked): null where it has
     * no time axis (GLORYS-mesh's sst has times, its temperature and salinity none). */
    timeOf: (id) => (variables.find((v) => v.id === id)?.has_time && picks.time.value ? picks.time.value : null),
    // Plots sized for the panel: 560 px wide, 4:3 (a map: its own shape for its box).
    plotURL: (type, query) =>
      withQuery(new URL(`plots/${type}`, datasetURL(dataset.id)), {
        ...query,
        width: 560,
        height: type === "map" ? null : 420,
      }),
    // Values in the units the plots and the legend use (the catalog's display units), unless
    // the query says (`units: null`: the values of other variables, in their own units).
    dataURL: (kind, query) =>
      withQuery(new URL(`data/${kind}`, datasetURL(dataset.id)), {
        ...query,
        units: "units" in query ? query.units : currentVariable().display_units,
      }),
  };
}

// The plot types that apply to each dataset (GET plot-types: name -> dataset ids), asked for
// when the first panel opens rather than with the page: the list carries every type's
// parameter schema (50 kB), and a page that opens no panel has no use for it.
let offered = new Map();
let asking = null;

function plotTypes() {
  asking ??= getJSON(new URL("plot-types", API)).then(
    (list) => (offered = new Map(list.plot_types.map((t) => [t.name, new Set(t.datasets)]))),
    () => {
      // Not known now: the panel has the plots every dataset has; the next one asks again.
      asking = null;
      return offered;
    },
  );
  return asking;
}

/** Open (or replace) the `kind` panel at `geometry`, once the plot types are known. */
async function openPanel(kind, geometry, focus = true) {
  await plotTypes();
  panels.show(kind, geometry, context(), focus);
}

// The layer --------------------------------------------------------------------------------
// The colour choices of the layer shown: the legend and the panels follow them, not a min or
// max still being typed (the pickers' values until their "change").
let layerStyle = {};

/** Fetch the TileJSON of the chosen layer and show it; `fit` frames the dataset. */
async function showLayer(fit = false) {
  const mine = ++generation;
  const variable = currentVariable();
  if (!variable) return;
  const problem = checkRange();
  $("range-problem").textContent = problem ?? "";
  if (problem) return;
  const chosen = selection();
  const styled = style();
  const query = { variable: variable.id, depth: chosen.depth, ...styled };
  fetching = true;
  failure = null;
  report();
  try {
    const url = withQuery(new URL("tiles/WebMercatorQuad/tilejson.json", datasetURL(picks.dataset.value)), query);
    const tilejson = await getJSON(url);
    if (mine !== generation) return;
    layerStyle = styled;
    fetching = false;
    const [west, south, east, north] = tilejson.bounds;
    frames.reset(
      tilejson.tiles[0],
      {
        bounds: L.latLngBounds([south, west], [north, east]),
        minZoom: 0,
        maxZoom: 12,
        minNativeZoom: tilejson.minzoom,
        maxNativeZoom: tilejson.maxzoom,
        attribution: tilejson.attribution,
      },
      Number(picks.opacity.value),
    );
    if (fit) {
      const box = L.latLngBounds([Math.max(south, -85), west], [Math.min(north, 85), east]);
      map.fitBounds(box, { animate: false });
    }
    showTime();
    $("attribution").textContent = tilejson.attribution ?? "";
  } catch (error) {
    if (mine === generation) fail(error);
  }
}

/** Show the chosen time's frame, its legend, and the frames an animation would show next. */
function showTime({ refreshPanels = true } = {}) {
  const chosen = selection();
  frames.show(chosen.time, player.upcoming());
  updateLegend();
  if (refreshPanels) panels.refresh(context());
  keep();
}

function updateLegend() {
  const variable = currentVariable();
  const chosen = selection();
  const url = withQuery(new URL("plots/colorbar", datasetURL(picks.dataset.value)), {
    variable: variable.id,
    ...chosen,
    ...layerStyle,
    orientation: "horizontal",
    width: 280,
    numcolorbands: 250,
  });
  if (legend.getAttribute("src") !== url) {
    legend.alt = `Colour legend of ${variable.name} (${variable.units ?? "no units"})`;
    showImage(legend, url, (reason) => {
      failure = `The legend failed to load: ${reason}`;
      report();
    });
  }
}

// Pickers ----------------------------------------------------------------------------------
function chooseVariable(fit, wanted = {}) {
  const variable = currentVariable();
  picks.time.disabled = !variable.has_time || times.length === 0;
  picks.depth.disabled = !variable.has_depth || depths.length === 0;
  player.setEnabled(variable.has_time && times.length > 1);
  // A typed range starts from the variable's own, where the catalog gives one.
  if (wanted.scale && wanted.scale !== "auto") {
    const [low, high] = wanted.scale.split(",");
    picks.range.value = "custom";
    picks.min.value = low;
    picks.max.value = high;
  } else if (wanted.scale === "auto") {
    picks.range.value = "auto";
  } else if (variable.scale) {
    [picks.min.value, picks.max.value] = variable.scale;
  } else {
    // No range of its own: not the previous variable's either.
    picks.min.value = "";
    picks.max.value = "";
  }
  fill(
    picks.colormap,
    [["", `the variable's own (${variable.colormap ?? "default"})`], ...colormaps.map((name) => [name, name])],
    wanted.colormap ?? picks.colormap.value,
  );
  return showLayer(fit);
}

/**
 * A vector pair (a current, a wind) as a choice of variable: the API draws, plots and answers
 * its speed (and direction) under the pair's id, with its x component's axes and units.
 */
function asVariable(pair, list) {
  const x = list.find((v) => v.id === pair.x);
  return {
    ...x,
    id: pair.id,
    name: `${pair.title}: speed`,
    vector: null,
    pair,
    colormap: "speed",
    scale: null,
  };
}

/** The groups of the variable picker, where a dataset has more than one kind of choice. */
const VARIABLE_GROUPS = [
  ["file", "In the dataset"],
  ["derived", "Derived (TEOS-10)"],
  ["pair", "Vector pairs"],
];
const groupOf = (v) => (v.pair ? "pair" : v.derived ? "derived" : "file");

/** Fill the variable picker (keeping `chosen`): the dataset's own variables, then those the
 * API derives from them, then the vector pairs, each kind under its heading. */
function fillVariables(chosen) {
  fill(picks.variable, variables.map((v) => [v.id, `${v.name} (${v.id})`]), chosen);
  const kinds = new Set(variables.map(groupOf));
  if (kinds.size < 2) return;
  const options = [...picks.variable.options];
  picks.variable.replaceChildren(
    ...VARIABLE_GROUPS.filter(([kind]) => kinds.has(kind)).map(([kind, label]) => {
      const group = document.createElement("optgroup");
      group.label = label;
      group.append(...options.filter((_, i) => groupOf(variables[i]) === kind));
      return group;
    }),
  );
  picks.variable.value = options.some((o) => o.value === chosen) ? chosen : options[0].value;
}

async function chooseDataset(fit, wanted = {}) {
  const id = picks.dataset.value;
  fetching = true;
  failure = null;
  report();
  player.pause();
  try {
    const [detail, variableList, timeList, depthList] = await Promise.all([
      getJSON(new URL(`datasets/${encodeURIComponent(id)}`, API)),
      getJSON(new URL("variables", datasetURL(id))),
      getJSON(withQuery(new URL("times", datasetURL(id)), { limit: 10000 })),
      getJSON(new URL("depths", datasetURL(id))),
    ]);
    if (picks.dataset.value !== id) return;
    variables = [...variableList.variables, ...(detail.vectors ?? []).map((pair) => asVariable(pair, variableList.variables))];
    times = timeList.times;
    depths = depthList.levels;
    fillVariables(wanted.variable);
    // The latest instant unless asked otherwise: a forecast's newest step, a record's end.
    const chosenTime = times.includes(wanted.time) ? wanted.time : times.at(-1);
    fill(picks.time, times.map((t) => [t, timeLabel(t)]), chosenTime, "no time axis");
    const levels = depths.map((d) => [String(d), depthLabel(d)]);
    const wantedDepth = levels.find(([value]) => Number(value) === Number(wanted.depth))?.[0];
    fill(picks.depth, levels, wantedDepth, "no depth levels (surface)");
    if (timeList.total > times.length) picks.time.title = `The first ${times.length} of ${timeList.total} instants`;
    await chooseVariable(fit, wanted);
  } catch (error) {
    fail(error);
  }
}

// Panels -----------------------------------------------------------------------------------
let shown = {}; // kind -> the open panel's geometry as typed, at the last change
const panels = startPanels($("panels"), (open) => {
  map.invalidateSize({ pan: false });
  // A box closed: its difference map goes with it (a new box starts without one).
  if (shown.box && !open.box) compareTime = null;
  const now = Object.fromEntries(KINDS.map((kind) => [kind, open[kind] ? FORMATTERS[kind](open[kind]) : ""]));
  for (const kind of KINDS) {
    tools.show(kind, open[kind] ?? null);
    // Only the fields of the panels that changed: text typed in another, not applied yet,
    // stays (a panel may open a moment after its click, once the plot types are known).
    if (now[kind] !== (shown[kind] ?? "")) inputs[kind].value = now[kind];
  }
  shown = now;
  if (!open.profile) observations.mark(null);
  const profileId = open.profile?.id ?? "";
  if ($("obs-profile").value.trim() !== profileId) $("obs-profile").value = profileId;
  keep();
}, { profile: profilePanel });

const tools = startTools(map, {
  done: (kind, geometry) => openPanel(kind, geometry),
  help: (text) => ($("tool-help").textContent = text),
});

const toolButtons = document.querySelectorAll(".toolbar [data-tool]");
for (const button of toolButtons) {
  button.addEventListener("click", () => {
    for (const other of toolButtons) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    tools.use(button.dataset.tool);
    keep();
  });
}

/** The typed point, line and box: each one typed (or changed) opens its panel. */
$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  const problems = [];
  // Read every field first: opening a panel rewrites the fields from the open panels.
  const typed = Object.fromEntries(KINDS.map((kind) => [kind, inputs[kind].value.trim()]));
  for (const kind of KINDS) {
    const text = typed[kind];
    const open = panels.geometry(kind);
    if (!text) {
      if (open) panels.close(kind);
      continue;
    }
    try {
      const geometry = PARSERS[kind](text);
      if (!open || FORMATTERS[kind](open) !== FORMATTERS[kind](geometry)) {
        openPanel(kind, geometry);
      }
    } catch (error) {
      problems.push(`${kind}: ${error.message}`);
    }
  }
  $("input-problem").textContent = problems.join("; ");
});

// Observations ------------------------------------------------------------------------------
const observations = startObservations(map, {
  api: API,
  elements: {
    details: $("observations"),
    select: $("obs-collection"),
    start: $("obs-start"),
    end: $("obs-end"),
    tracks: $("obs-tracks"),
    fit: $("obs-fit"),
    profile: $("obs-profile"),
    profiles: $("obs-profiles"),
    status: $("obs-status"),
    problem: $("obs-problem"),
    link: $("obs-link"),
    legend: $("obs-legend"),
  },
  /** A click on a position: its profile's panel (or, drawing a line or box, a vertex there). */
  open(feature, event) {
    if (tools.tool() === "point") openProfile(feature.id);
    else map.fire("click", event);
  },
  changed() {
    // Another collection (or none): the open profile was of the one before.
    const profile = panels.geometry("profile");
    if (profile && profile.collection !== observations.collection()?.id) panels.close("profile");
    keep();
  },
});

/** A profile id typed (or picked from those in view): its panel; emptied: none. */
$("obs-profile").addEventListener("change", (event) => {
  const id = event.target.value.trim();
  if (!id) panels.close("profile");
  else if (id !== panels.geometry("profile")?.id) openProfile(id);
});

/** What a profile's panel needs to build its URLs. */
function observed() {
  const collection = observations.collection();
  const base = new URL(`datasets/${encodeURIComponent(collection.id)}/`, API);
  return {
    collection,
    profileURL: (id) => new URL(`observations/${encodeURIComponent(id)}`, base).href,
    plotURL: (type, query) => withQuery(new URL(`plots/${type}`, base), { ...query, width: 560, height: 420 }),
    searchURL: (query) => withQuery(new URL("observations", base), query),
    located: (profile) => observations.mark(profile.lon === null ? null : [profile.lon, profile.lat]),
  };
}

/** Open the panel of the chosen collection's profile `id`. */
function openProfile(id, focus = true) {
  const collection = observations.collection();
  if (!collection) return;
  panels.show("profile", { id, collection: collection.id }, observed(), focus);
}

// Time animation ---------------------------------------------------------------------------
const player = startPlayer({
  buttons: { play: $("play"), back: $("step-back"), forward: $("step-forward") },
  speed: $("speed"),
  times: () => times,
  index: () => picks.time.selectedIndex,
  /** Show the frame at `index`; the panels follow when the animation stops. */
  go(index, playing) {
    picks.time.selectedIndex = index;
    showTime({ refreshPanels: !playing });
  },
  ready: (index) => frames.ensure(times[index]).ready,
  stopped: () => panels.refresh(context()),
});

// Wiring -----------------------------------------------------------------------------------
picks.dataset.addEventListener("change", () => {
  picks.colormap.value = "";
  picks.range.value = "default";
  chooseDataset(true);
});
picks.variable.addEventListener("change", () => {
  picks.colormap.value = "";
  picks.range.value = "default";
  chooseVariable(false);
});
picks.depth.addEventListener("change", () => showLayer(false));
picks.time.addEventListener("change", () => {
  player.pause();
  showTime();
});
for (const name of ["colormap", "range"]) picks[name].addEventListener("change", () => showLayer(false));
for (const name of ["min", "max"]) picks[name].addEventListener("change", () => showLayer(false));
picks.opacity.addEventListener("input", () => {
  $("opacity-value").textContent = picks.opacity.value;
  frames.setOpacity(Number(picks.opacity.value));
  keep();
});
picks.coastlines.addEventListener("change", () => {
  showCoastlines();
  keep();
});
map.on("moveend", keep);

const toggle = $("toggle-controls");
toggle.addEventListener("click", () => {
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  $("controls").hidden = !open;
  map.invalidateSize();
});

// Keyboard: "," and "." step through time, "k" plays and pauses, when not typing in a field.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.("input, select, textarea")) return;
  if (event.key === ",") player.step(-1);
  else if (event.key === ".") player.step(1);
  else if (event.key === "k") player.toggle();
  else return;
  event.preventDefault();
});

async function showCoastlines() {
  if (!picks.coastlines.checked) {
    coastlines?.remove();
    return;
  }
  if (!coastlines) {
    const shapes = await getJSON(new URL("explorer/assets/coastlines.json", ROOT));
    // Three copies of the world, as the tiles repeat: the map can be panned across ±180°.
    const renderer = L.canvas({ pane: "coastlines", padding: 0.2 });
    coastlines = L.layerGroup(
      [-360, 0, 360].map((shift) =>
        L.geoJSON(shapes, {
          pane: "coastlines",
          renderer,
          interactive: false,
          coordsToLatLng: ([lon, lat]) => L.latLng(lat, lon + shift),
          style: { color: "#1d2a33", weight: 0.8, opacity: 0.7 },
        }),
      ),
    );
  }
  if (picks.coastlines.checked) coastlines.addTo(map);
}

let colormaps = [];

async function start() {
  fetching = true;
  report();
  if (initial.coastlines === "off") picks.coastlines.checked = false;
  if (initial.opacity) picks.opacity.value = initial.opacity;
  $("opacity-value").textContent = picks.opacity.value;
  for (const kind of KINDS) inputs[kind].value = initial[kind] ?? "";
  const toolButton = document.querySelector(`.toolbar [data-tool="${initial.tool}"]`);
  if (initial.tool && toolButton) toolButton.click();
  const where = ["lon", "lat", "zoom"].map((name) => Number.parseFloat(initial[name]));
  const placed = where.every(Number.isFinite);
  if (placed) map.setView([where[1], where[0]], Math.round(where[2]));
  else map.setView([20, 0], 2);
  // The permalink's collection, asked for beside the dataset (not at all without one).
  const restoring = observations.restore(initial).catch(fail);
  showCoastlines().catch(fail);
  try {
    const [datasetList, colormapList] = await Promise.all([
      getJSON(new URL("datasets", API)),
      getJSON(new URL("colormaps", API)),
    ]);
    datasets = datasetList.datasets.filter((d) => d.available);
    colormaps = colormapList.colormaps.map((c) => c.name);
    fill(picks.dataset, datasets.map((d) => [d.id, d.title]), initial.dataset);
  } catch (error) {
    fail(error);
    return;
  }
  await chooseDataset(!placed, initial);
  started = true;
  // The panels the permalink had open.
  for (const kind of KINDS) {
    if (!initial[kind]) continue;
    try {
      await openPanel(kind, PARSERS[kind](initial[kind]), false);
    } catch (error) {
      $("input-problem").textContent = `${kind}: ${error.message}`;
    }
  }
  await restoring;
  if (initial.profile && observations.collection()) openProfile(initial.profile, false);
  // The panels narrowed the map (its left edge kept): centre it again where the link says.
  if (placed) map.setView([where[1], where[0]], Math.round(where[2]), { animate: false });
  keep();
}

start();
window.oceanExplorer = { map, frames, state, panels, tools, player, observations };
