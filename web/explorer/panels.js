// The result panels: what a click, a drawn line or a drawn box turns into. Each panel holds
// plots from the plot endpoints and values from the data endpoints, each with the API call
// behind it (calls.js). One panel per kind: a new point replaces the point panel.
//
//   point  the value there; its time series (where the dataset has times) and profile (where
//          the variable has depths); for a vector pair, its sticks (where the stick plot
//          applies); the T–S diagram and sound-speed profile of the water column (where those
//          plot types apply: the dataset has temperature and salinity, so TEOS-10 variables)
//   line   a transect (where the variable has depths) and a Hovmöller diagram (where the
//          dataset has times); the values along it
//   box    a map of the box; the values in it; the T–S diagram of its columns (where it
//          applies)
//
// Where a plot type applies is the API's answer (GET plot-types, as `context.offers(type)`).

import { getJSON, showImage, timeLabel } from "../lib/http.js";
import { callBlock, el } from "./calls.js";
import { coordinate, formatBox, formatLine } from "./state.js";

const PLOT_FORMATS = ["png", "svg", "pdf"];
const DATA_FORMATS = ["csv", "nc", "covjson"];

const degrees = (value, positive, negative) =>
  `${Math.abs(value).toFixed(2)}°${value < 0 ? negative : positive}`;
export const lonLabel = (lon) => degrees(lon, "E", "W");
export const latLabel = (lat) => degrees(lat, "N", "S");

/**
 * A figure: the plot image (its src is the URL shown under it), a caption and its API call.
 * `context.plotURL(type, query)` and `context.dataURL(kind, query)` build the URLs.
 */
export function plotFigure({ type, title, url, dataURL, name, dataFormats = DATA_FORMATS }) {
  const image = el("img", { alt: title });
  const figure = el("figure", { class: "plot", "data-plot": type });
  const problem = el("p", { class: "problem", role: "alert", hidden: "" });
  showImage(image, url, (reason) => {
    image.hidden = true;
    problem.hidden = false;
    problem.textContent = `${title}: ${reason}`;
  });
  figure.append(
    el("figcaption", { text: title }),
    image,
    problem,
    callBlock({ url, kind: "plot", formats: PLOT_FORMATS, name, dataURL, dataFormats }),
  );
  return figure;
}

export function panelFrame(kind, heading, onClose) {
  const close = el("button", { type: "button", class: "close", "aria-label": `Close the ${kind} panel`, text: "×" });
  close.addEventListener("click", onClose);
  const section = el("section", { class: "panel", "data-kind": kind, "aria-label": heading, tabindex: "-1" });
  section.append(el("header", {}, el("h2", { text: heading }), close));
  return section;
}

/** The variables a T–S diagram and a sound-speed profile draw (TEOS-10, derived by the API). */
const SA = "absolute_salinity";
const CT = "conservative_temperature";
const SOUND_SPEED = "sound_speed";

/** Units as a reader writes them, as the plots do: degC as °C, m s-1 as m/s, kg m-3 as
 * kg m⁻³, a practical salinity's 1e-3 as PSU; others as the data says. */
const UNIT_LABELS = { degC: "°C", degree_Celsius: "°C", "m s-1": "m/s", "m/s": "m/s" };
const SALINITY = new Set(["sea_water_practical_salinity", "sea_water_salinity"]);
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const raised = (digits) => [...digits].map((c) => SUPERSCRIPT[c]).join("");
export function unitLabel(units, standardName = null) {
  if (!units) return "";
  if (SALINITY.has(standardName) && ["1", "1e-3", "0.001", "psu"].includes(units.toLowerCase())) return "PSU";
  if (UNIT_LABELS[units]) return UNIT_LABELS[units];
  // UDUNITS' powers ("kg m-3", "s-2") as superscripts; a bare number ("1e-3") as written.
  if (!/^[A-Za-z]+-?\d*( [A-Za-z]+-?\d*)*$/.test(units)) return units;
  return units.replace(/([A-Za-z])(-?\d+)\b/g, (_, letter, power) => letter + raised(power));
}

/** A value to five significant digits; a tiny one (N² in s⁻²) as 1.2345 × 10⁻⁵. */
export function valueLabel(value) {
  const magnitude = Math.abs(value);
  if (magnitude === 0 || magnitude >= 1e-3) return Number(value).toPrecision(5);
  const [mantissa, exponent] = Number(value).toExponential(4).split("e");
  return `${mantissa} × 10${raised(String(Number(exponent)))}`;
}

function describeValue(answer, variableId, pair) {
  // A vector pair answers its components, speed and direction: the speed is the value shown.
  const variable = answer.variables[pair ? `${variableId}_speed` : variableId];
  const value = variable.values;
  const coords = answer.coords;
  const where = [];
  if (coords.cell_longitude && coords.cell_latitude) {
    where.push(`nearest cell ${lonLabel(coords.cell_longitude.values)} ${latLabel(coords.cell_latitude.values)}`);
  }
  if (coords.depth) where.push(`${Number(coords.depth.values).toFixed(1)} m`);
  if (coords.time) where.push(String(coords.time.values).replace("T00:00:00Z", ""));
  let text =
    value === null || Number.isNaN(value)
      ? "no data here (land, or outside the dataset)"
      : `${valueLabel(value)} ${unitLabel(variable.units, variable.standard_name)}`.trim();
  const direction = pair ? answer.variables[`${variableId}_direction`]?.values : null;
  if (value !== null && direction !== null && direction !== undefined) {
    text += ` towards ${Math.round(direction)}°`;
  }
  return { text, where: where.join(", "), empty: value === null, value };
}

function pointPanel(point, context, onClose) {
  const [lon, lat] = point;
  const { variable } = context;
  const section = panelFrame("point", `Point ${lonLabel(lon)} ${latLabel(lat)}`, onClose);
  const lonlat = { lon: coordinate(lon), lat: coordinate(lat) };
  const name = `${context.dataset.id}-${variable.id}`;

  const valueURL = context.dataURL("point", { variables: variable.id, ...lonlat, time: context.time, depth: context.depth });
  const value = el("p", { class: "value", "aria-live": "polite", text: "Loading the value…" });
  section.append(
    el("div", { class: "value-block" }, el("h3", { text: variable.name }), value, callBlock({ url: valueURL, kind: "data", formats: ["json", ...DATA_FORMATS], name: `${name}-point` })),
  );
  getJSON(valueURL)
    .then((answer) => {
      const described = describeValue(answer, variable.id, Boolean(variable.pair));
      value.textContent = described.text;
      value.dataset.value = described.empty ? "" : String(described.value);
      if (described.where) value.append(el("span", { class: "where", text: ` (${described.where})` }));
    })
    .catch((error) => {
      value.textContent = error.message;
      value.classList.add("problem");
    });

  if (variable.has_time && context.timeCount > 1) {
    section.append(
      plotFigure({
        type: "timeseries",
        title: `Time series of ${variable.name}${context.depth ? ` at ${Number(context.depth).toFixed(1)} m` : ""}`,
        url: context.plotURL("timeseries", { variable: variable.id, ...lonlat, depth: context.depth }),
        dataURL: context.dataURL("timeseries", { variables: variable.id, ...lonlat, depth: context.depth }),
        name: `${name}-timeseries`,
      }),
    );
  }
  if (variable.pair && variable.has_time && context.timeCount > 1 && context.offers("stick")) {
    section.append(
      plotFigure({
        type: "stick",
        title: `Stick plot of ${variable.pair.title}${context.depth ? ` at ${Number(context.depth).toFixed(1)} m` : ""}`,
        url: context.plotURL("stick", { variable: variable.id, ...lonlat, depth: context.depth }),
        dataURL: context.dataURL("timeseries", { variables: variable.id, ...lonlat, depth: context.depth }),
        name: `${name}-stick`,
      }),
    );
  }
  if (variable.has_depth && context.depthCount > 1) {
    section.append(
      plotFigure({
        type: "profile",
        title: `Profile of ${variable.name}`,
        url: context.plotURL("profile", { variable: variable.id, ...lonlat, time: context.time }),
        dataURL: context.dataURL("profile", { variables: variable.id, ...lonlat, time: context.time }),
        name: `${name}-profile`,
      }),
    );
  }
  // The water column's, whichever variable is chosen: its time is the one picked, where the
  // TEOS-10 variables have times; its values in their own units (g/kg, °C; m/s).
  const dataset = context.dataset.id;
  if (context.offers("ts")) {
    const time = context.timeOf(SA);
    section.append(
      plotFigure({
        type: "ts",
        title: "T–S diagram of the water column",
        url: context.plotURL("ts", { ...lonlat, time }),
        dataURL: context.dataURL("profile", { variables: `${SA},${CT}`, ...lonlat, time, units: null }),
        name: `${dataset}-ts`,
      }),
    );
  }
  if (context.offers("soundspeed")) {
    const time = context.timeOf(SOUND_SPEED);
    section.append(
      plotFigure({
        type: "soundspeed",
        title: "Sound-speed profile",
        url: context.plotURL("soundspeed", { ...lonlat, time }),
        dataURL: context.dataURL("profile", { variables: SOUND_SPEED, ...lonlat, time, units: null }),
        name: `${dataset}-soundspeed`,
      }),
    );
  }
  return section;
}

function linePanel(vertices, context, onClose) {
  const { variable } = context;
  const path = formatLine(vertices);
  const start = vertices[0];
  const end = vertices.at(-1);
  const section = panelFrame(
    "line",
    `Line ${lonLabel(start[0])} ${latLabel(start[1])} → ${lonLabel(end[0])} ${latLabel(end[1])}`,
    onClose,
  );
  const name = `${context.dataset.id}-${variable.id}`;
  const style = context.style();
  const along = context.dataURL("transect", { variables: variable.id, path, time: context.time, depth: variable.has_depth ? null : context.depth });
  if (variable.has_depth && context.depthCount > 1) {
    section.append(
      plotFigure({
        type: "transect",
        title: `Transect of ${variable.name}`,
        url: context.plotURL("transect", { variable: variable.id, path, time: context.time, ...style }),
        dataURL: along,
        name: `${name}-transect`,
      }),
    );
  }
  if (variable.has_time && context.timeCount > 1) {
    section.append(
      plotFigure({
        type: "hovmoller",
        title: `Hovmöller diagram of ${variable.name}${context.depth ? ` at ${Number(context.depth).toFixed(1)} m` : ""}`,
        url: context.plotURL("hovmoller", { variable: variable.id, path, depth: context.depth, ...style }),
        dataURL: along,
        name: `${name}-hovmoller`,
      }),
    );
  }
  section.append(
    el("div", { class: "value-block" }, el("h3", { text: "Values along the line" }), callBlock({ url: along, kind: "data", formats: ["json", ...DATA_FORMATS], name: `${name}-transect` })),
  );
  return section;
}

function boxPanel(box, context, onClose) {
  const { variable } = context;
  const bbox = formatBox(box);
  const section = panelFrame(
    "box",
    `Box ${lonLabel(box[0])} to ${lonLabel(box[2])}, ${latLabel(box[1])} to ${latLabel(box[3])}`,
    onClose,
  );
  const name = `${context.dataset.id}-${variable.id}`;
  const query = { time: context.time, depth: context.depth };
  section.append(
    plotFigure({
      type: "map",
      title: `Map of ${variable.name}`,
      url: context.plotURL("map", { variable: variable.id, bbox, ...query, ...context.style() }),
      dataURL: context.dataURL("area", { variables: variable.id, bbox, ...query }),
      name: `${name}-area`,
    }),
  );
  if (variable.has_time && context.time && context.timeCount > 1) {
    section.append(differenceControl(box, context, name));
  }
  // Every column with data in the box, at every level: no data query answers that in one
  // call (data/area is one level), so the plot's formats only.
  if (context.offers("ts")) {
    section.append(
      plotFigure({
        type: "ts",
        title: "T–S diagram of the box",
        url: context.plotURL("ts", { bbox, time: context.timeOf(SA) }),
        name: `${context.dataset.id}-ts-box`,
      }),
    );
  }
  return section;
}

/**
 * "Difference from": a choice of another time; chosen, the map plot of the box as a difference
 * plot (compare_time): the layer's time (A), the chosen one (B) and A − B. The choice is kept
 * (`context.compare`) for the page's URL and for the panel redrawn at another time.
 */
function differenceControl(box, context, name) {
  const { variable } = context;
  const bbox = formatBox(box);
  const block = el("div", { class: "difference" });
  const select = el("select", { id: "compare-time" });
  select.append(
    el("option", { value: "", text: "none" }),
    ...context.times.filter((t) => t !== context.time).map((t) => el("option", { value: t, text: timeLabel(t) })),
  );
  select.value = context.compareTime ?? "";
  const slot = el("div", {});
  const draw = () => {
    const other = select.value || null;
    slot.replaceChildren();
    if (!other) return;
    const query = { time: context.time, depth: context.depth };
    slot.append(
      plotFigure({
        type: "difference",
        title: `Difference map: ${timeLabel(context.time)} − ${timeLabel(other)}`,
        url: context.plotURL("map", { variable: variable.id, bbox, ...query, compare_time: other, ...context.style() }),
        name: `${name}-difference`,
      }),
    );
  };
  select.addEventListener("change", () => {
    context.compare(select.value || null);
    draw();
  });
  block.append(el("label", { for: "compare-time", text: `Difference from another time (A − B, A at ${timeLabel(context.time)}): ` }), select, slot);
  draw();
  return block;
}

const BUILDERS = { point: pointPanel, line: linePanel, box: boxPanel };
export const KINDS = Object.keys(BUILDERS);

/**
 * The panels' column. `show(kind, geometry, context)` opens (or replaces) a panel, `close(kind)`
 * closes it, `refresh(context)` redraws the open ones of KINDS for a new selection; `onChange(kinds)`
 * is told the open panels' geometry whenever it changes. `others` adds kinds of panel
 * ({kind: builder}) that do not follow the layer's selection (an observed profile's).
 */
export function startPanels(container, onChange, others = {}) {
  const open = new Map(); // kind -> { geometry, section }
  const builders = { ...BUILDERS, ...others };

  function changed() {
    container.hidden = open.size === 0;
    onChange(Object.fromEntries([...open].map(([kind, { geometry }]) => [kind, geometry])));
  }

  function show(kind, geometry, context, focus = true) {
    const section = builders[kind](geometry, context, () => close(kind));
    const previous = open.get(kind);
    if (previous) previous.section.replaceWith(section);
    else container.prepend(section);
    open.set(kind, { geometry, section });
    changed();
    if (focus) section.focus({ preventScroll: false });
  }

  function close(kind) {
    const previous = open.get(kind);
    if (!previous) return;
    previous.section.remove();
    open.delete(kind);
    changed();
  }

  function refresh(context) {
    for (const [kind, { geometry }] of open) if (kind in BUILDERS) show(kind, geometry, context, false);
  }

  return { show, close, refresh, geometry: (kind) => open.get(kind)?.geometry ?? null };
}
