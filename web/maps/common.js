// What both example map pages share: the pickers (dataset, variable, time, depth), filled from
// the service's own listings, the URLs of the layers that show the choice (the TileJSON of the
// WebMercatorQuad tiles, the WMS layer, the colour legend), the page's URL as its state (so a
// view can be shared), and a status line. Each page gives a small adapter that draws the
// layers with its library (Leaflet or OpenLayers).
//
// Every URL is relative to the page (served at <root>/maps/<name>), so the pages work behind a
// proxy that serves the API under a path prefix.

import { depthLabel, explainFailure, fill, getJSON, timeLabel, withQuery } from "../lib/http.js";

export { explainFailure, fixed } from "../lib/http.js";

const ROOT = new URL("../", location.href);
const API = new URL("api/v1/", ROOT);
export const WMS_URL = new URL("wms", ROOT).href;

const $ = (id) => document.getElementById(id);

const datasetURL = (id) => new URL(`datasets/${encodeURIComponent(id)}/`, API);

/**
 * Start the panel. `view` draws with a library:
 *   view.show({ tilejson, wms, fit })   replace both layers; fit: [w, s, e, n] to frame, or null
 *   view.setVisible(name, visible)      name "tiles" or "wms"
 *   view.position()                     { lon, lat, zoom } for the page's URL
 *   view.moveTo({ lon, lat, zoom })     from the page's URL
 * and calls back the returned object's `loading(boolean)`, `failed(url)` and `moved()`.
 */
export function startPanel(view) {
  const map = $("map");
  const picks = { dataset: $("dataset"), variable: $("variable"), time: $("time"), depth: $("depth") };
  const shown = { tiles: $("show-tiles"), wms: $("show-wms") };
  const status = $("status");
  const legend = $("legend");
  const initial = new URL(location.href).searchParams;
  let variables = [];
  let generation = 0;
  let fetching = false;
  let layersLoading = false;
  let failure = null;

  function report() {
    const state = failure ? "error" : fetching || layersLoading ? "loading" : "idle";
    map.dataset.status = state;
    status.textContent = failure ?? (state === "loading" ? "Loading…" : "");
    status.classList.toggle("error", failure !== null);
  }

  function remember() {
    const url = new URL(location.href);
    url.search = "";
    const query = {
      ...selection(),
      layers: Object.keys(shown).filter((name) => shown[name].checked).join(","),
      ...view.position(),
    };
    const address = withQuery(url, query);
    history.replaceState(null, "", address);
    const other = $("other-page");
    other.href = new URL(other.dataset.page, location.href).pathname + new URL(address).search;
  }

  function selection() {
    const variable = variables.find((v) => v.id === picks.variable.value);
    return {
      dataset: picks.dataset.value,
      variable: variable.id,
      time: variable.has_time && picks.time.value ? picks.time.value : null,
      depth: variable.has_depth && picks.depth.value ? picks.depth.value : null,
    };
  }

  async function showSelection(fit) {
    const mine = ++generation;
    const chosen = selection();
    const query = { variable: chosen.variable, time: chosen.time, depth: chosen.depth };
    fetching = true;
    failure = null;
    report();
    try {
      const tilejsonURL = withQuery(
        new URL("tiles/WebMercatorQuad/tilejson.json", datasetURL(chosen.dataset)),
        query,
      );
      const tilejson = await getJSON(tilejsonURL);
      if (mine !== generation) return;
      $("tilejson-link").href = tilejsonURL;
      legend.src = withQuery(new URL("plots/colorbar", datasetURL(chosen.dataset)), {
        ...query,
        orientation: "vertical",
        height: 320,
      });
      legend.alt = `Colour legend of ${chosen.dataset}/${chosen.variable}`;
      $("attribution").textContent = tilejson.attribution ?? "";
      fetching = false;
      view.show({
        tilejson,
        wms: {
          url: WMS_URL,
          layer: `${chosen.dataset}/${chosen.variable}`,
          time: chosen.time,
          elevation: chosen.depth,
        },
        fit: fit ? tilejson.bounds : null,
      });
      for (const name of Object.keys(shown)) view.setVisible(name, shown[name].checked);
      remember();
    } catch (error) {
      if (mine !== generation) return;
      fetching = false;
      failure = String(error.message ?? error);
    }
    report();
  }

  async function chooseVariable(fit) {
    const variable = variables.find((v) => v.id === picks.variable.value);
    picks.time.disabled = !variable.has_time || !picks.time.value;
    picks.depth.disabled = !variable.has_depth || !picks.depth.value;
    await showSelection(fit);
  }

  async function chooseDataset(fit, wanted = {}) {
    const id = picks.dataset.value;
    fetching = true;
    failure = null;
    report();
    try {
      const [variableList, times, depths] = await Promise.all([
        getJSON(new URL("variables", datasetURL(id))),
        getJSON(withQuery(new URL("times", datasetURL(id)), { limit: 10000 })),
        getJSON(new URL("depths", datasetURL(id))),
      ]);
      if (picks.dataset.value !== id) return;
      variables = variableList.variables;
      fill(picks.variable, variables.map((v) => [v.id, `${v.name} (${v.id})`]), wanted.variable);
      // The latest instant unless asked otherwise: a forecast's newest step, a record's end.
      const instants = times.times;
      const chosenTime = instants.includes(wanted.time) ? wanted.time : instants.at(-1);
      fill(picks.time, instants.map((t) => [t, timeLabel(t)]), chosenTime, "no time axis");
      const levels = depths.levels.map((d) => [String(d), depthLabel(d)]);
      fill(picks.depth, levels, wanted.depth, "no depth levels (surface)");
      if (times.total > instants.length) {
        picks.time.title = `The first ${instants.length} of ${times.total} instants`;
      }
      await chooseVariable(fit);
    } catch (error) {
      fetching = false;
      failure = String(error.message ?? error);
      report();
    }
  }

  async function start() {
    for (const name of Object.keys(shown)) {
      if (initial.has("layers")) shown[name].checked = initial.get("layers").split(",").includes(name);
      shown[name].addEventListener("change", () => {
        view.setVisible(name, shown[name].checked);
        remember();
      });
    }
    picks.dataset.addEventListener("change", () => chooseDataset(true));
    picks.variable.addEventListener("change", () => chooseVariable(false));
    picks.time.addEventListener("change", () => showSelection(false));
    picks.depth.addEventListener("change", () => showSelection(false));
    fetching = true;
    report();
    try {
      const { datasets } = await getJSON(new URL("datasets", API));
      const usable = datasets.filter((d) => d.available);
      fill(picks.dataset, usable.map((d) => [d.id, d.title]), initial.get("dataset"));
    } catch (error) {
      fetching = false;
      failure = String(error.message ?? error);
      report();
      return;
    }
    const where = ["lon", "lat", "zoom"].map((name) => Number.parseFloat(initial.get(name)));
    const placed = where.every(Number.isFinite);
    if (placed) view.moveTo({ lon: where[0], lat: where[1], zoom: where[2] });
    await chooseDataset(!placed, {
      variable: initial.get("variable"),
      time: initial.get("time"),
      depth: initial.get("depth"),
    });
  }

  const panel = {
    loading(busy) {
      layersLoading = busy;
      report();
    },
    async failed(url) {
      failure = `A layer failed to load: ${await explainFailure(url)}`;
      report();
    },
    moved() {
      if (picks.variable.value) remember();
    },
  };
  start();
  return panel;
}
