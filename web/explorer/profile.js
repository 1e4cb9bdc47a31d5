// The panel of an observed profile (a click on a position of the observation layer): what the
// profile is (…/observations/{id}: its id, platform, cycle, time, position, data mode, levels),
// its temperature and salinity profiles (plots/obsprofile) and T–S diagram (plots/ts), each
// with the API call behind it and the profile's levels as CSV, NetCDF and CoverageJSON; and, a
// click away, its platform's track (plots/track) and time–pressure sections (plots/obssection).

import { getJSON } from "../lib/http.js";
import { callBlock, el } from "./calls.js";
import { panelFrame, plotFigure } from "./panels.js";

const DATA_MODES = {
  R: "R: real time (raw values)",
  A: "A: adjusted in real time (adjusted values)",
  D: "D: delayed mode (adjusted values)",
};
const DIRECTIONS = { A: "ascending", D: "descending" };

/** Degrees as the page writes a position: at most four decimals, the hemisphere's letter. */
const degrees = (value, positive, negative) =>
  `${Number(Math.abs(value).toFixed(4))}°${value < 0 ? negative : positive}`;
export const positionLabel = (lon, lat) => `${degrees(lat, "N", "S")} ${degrees(lon, "E", "W")}`;
export const instantLabel = (iso) => (iso ? `${iso.replace("T", " ").replace(/Z$/, "")} UTC` : "not given");
export const dataModeLabel = (mode) => DATA_MODES[mode] ?? "not given (a CF file has none)";
const count = (n) => n.toLocaleString("en");

/** A row of the profile's description: `value` the JSON's (kept in data-value), `text` shown. */
function row(field, term, text, value) {
  const dd = el("dd", { "data-field": field, text });
  dd.dataset.value = typeof value === "string" ? value : JSON.stringify(value);
  return [el("dt", { text: term }), dd];
}

function describe(profile) {
  const list = el("dl", { class: "profile-facts" });
  const pressures = profile.pressure.filter((p) => p !== null);
  const levels = pressures.length
    ? `${count(profile.pressure.length)}, ${count(Math.min(...pressures))} to ${count(Math.max(...pressures))} dbar`
    : count(profile.pressure.length);
  list.append(
    ...row("profile_id", "Profile", profile.profile_id, profile.profile_id),
    ...row("platform", "Platform", profile.platform, profile.platform),
    ...(profile.cycle >= 0 ? row("cycle", "Cycle", String(profile.cycle), profile.cycle) : []),
    ...(profile.direction ? row("direction", "Direction", DIRECTIONS[profile.direction] ?? profile.direction, profile.direction) : []),
    ...row("time", "Time", instantLabel(profile.time), profile.time ?? ""),
    ...row("position", "Position", profile.lon === null ? "not given" : positionLabel(profile.lon, profile.lat), [profile.lon, profile.lat]),
    ...row("data_mode", "Data mode", dataModeLabel(profile.data_mode), profile.data_mode),
    ...row("qc_flags", "Time, position QC", `${profile.time_qc || "–"}, ${profile.position_qc || "–"}`, [profile.time_qc, profile.position_qc]),
    ...row("levels", "Levels", levels, profile.pressure.length),
  );
  return list;
}

/**
 * The panel of the profile `geometry.id` of the collection `context.collection`. `context`
 * builds the URLs: `profileURL(id)`, `plotURL(type, query)`, `searchURL(query)`; `located(p)`
 * is told the profile once it has arrived (the map marks its position).
 */
export function profilePanel(geometry, context, onClose) {
  const { id } = geometry;
  const collection = context.collection;
  const section = panelFrame("profile", `Profile ${id}`, onClose);
  section.dataset.profile = id;
  section.append(el("p", { class: "collection", text: collection.title }));
  const facts = el("div", { class: "facts", "aria-live": "polite" }, el("p", { class: "hint", text: "Loading the profile…" }));
  section.append(facts);
  const url = context.profileURL(id);
  const name = `${collection.id}-${id}`;
  getJSON(url)
    .then((profile) => {
      facts.replaceChildren(
        describe(profile),
        callBlock({ url, kind: "data", formats: ["json", "csv", "nc", "covjson"], name }),
      );
      context.located(profile);
      section.append(...figures(profile, context, url, name), platformBlock(profile.platform, context));
    })
    .catch((error) => {
      facts.replaceChildren(el("p", { class: "problem", role: "alert", text: error.message }));
    });
  return section;
}

function figures(profile, context, url, name) {
  const profileId = profile.profile_id;
  return [
    ["temperature", "Temperature"],
    ["salinity", "Salinity"],
  ]
    .map(([variable, label]) =>
      plotFigure({
        type: `obsprofile-${variable}`,
        title: `${label} profile`,
        url: context.plotURL("obsprofile", { profile_id: profileId, variable }),
        dataURL: url,
        name: `${name}-${variable}`,
      }),
    )
    .concat(
      plotFigure({
        type: "ts",
        title: "T–S diagram",
        url: context.plotURL("ts", { profile_id: profileId }),
        dataURL: url,
        name: `${name}-ts`,
      }),
    );
}

/** The platform's track and sections, drawn when first unfolded. */
function platformBlock(platform, context) {
  const block = el("details", { class: "platform" });
  block.append(el("summary", { text: `Platform ${platform}: its track and time–pressure sections` }));
  const dataURL = context.searchURL({ platform, limit: 1000 });
  const name = `${context.collection.id}-${platform}`;
  block.addEventListener("toggle", () => {
    if (!block.open || block.querySelector("figure")) return;
    block.append(
      plotFigure({
        type: "track",
        title: `Track of platform ${platform}`,
        url: context.plotURL("track", { platform }),
        dataURL,
        dataFormats: ["csv", "nc"],
        name: `${name}-track`,
      }),
      ...[
        ["temperature", "Temperature"],
        ["salinity", "Salinity"],
      ].map(([variable, label]) =>
        plotFigure({
          type: `obssection-${variable}`,
          title: `${label} section of platform ${platform}`,
          url: context.plotURL("obssection", { platform, variable }),
          dataURL,
          dataFormats: ["csv", "nc"],
          name: `${name}-${variable}-section`,
        }),
      ),
    );
  });
  return block;
}
