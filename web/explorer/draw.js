// The map's tools: "point" (a click asks for the value and plots there), "line" (clicks add
// vertices; a double click, Enter or a click on the last vertex ends it) and "box" (a click at
// one corner and one at the other). Esc abandons a drawing. What was asked is drawn on the map
// (a marker, the line, the box) until its panel closes.

import L from "leaflet";
import { wrap } from "./state.js";

const HELP = {
  point: "Click the map (or press Enter on it for its centre) for the value, time series and profile there.",
  line: "Click to add points along a line; double-click, Enter or click the last point to end it; Esc abandons it.",
  box: "Click one corner of the box, then the opposite corner; Esc abandons it.",
};
const SHAPE = { color: "#111", weight: 2, opacity: 0.9, fill: false, interactive: false };

const lonlat = (latlng) => [wrap(latlng.lng), Math.max(-90, Math.min(90, latlng.lat))];

/**
 * Start the tools on `map`. `done(kind, geometry)` is called with [lon, lat], [[lon, lat], …]
 * or [west, south, east, north]; `help(text)` shows what the tool does.
 */
export function startTools(map, { done, help }) {
  const drawn = L.layerGroup().addTo(map); // the shapes of the open panels
  const shapes = {};
  let tool = "point";
  let vertices = []; // a line or box being drawn, as Leaflet LatLngs
  let sketch = null; // its shape

  function clearSketch() {
    vertices = [];
    if (sketch) sketch.remove();
    sketch = null;
  }

  function use(name) {
    tool = name;
    clearSketch();
    // A double click ends a line: it must not zoom then.
    if (name === "line") map.doubleClickZoom.disable();
    else map.doubleClickZoom.enable();
    map.getContainer().dataset.drawing = name;
    help(HELP[name]);
  }

  function finishLine() {
    if (vertices.length < 2) return;
    const line = vertices.map(lonlat);
    clearSketch();
    done("line", line);
  }

  map.on("click", (event) => {
    if (tool === "point") {
      done("point", lonlat(event.latlng));
    } else if (tool === "line") {
      // The second click of a double click: the double click ends the line, this is no vertex
      // (else it would start a new line where the last one ended).
      if (event.originalEvent?.detail > 1) return;
      const last = vertices.at(-1);
      if (last && map.latLngToContainerPoint(last).distanceTo(event.containerPoint) < 6) {
        finishLine();
        return;
      }
      vertices.push(event.latlng);
      if (!sketch) sketch = L.polyline(vertices, { ...SHAPE, dashArray: "6 4" }).addTo(map);
      else sketch.setLatLngs(vertices);
    } else if (tool === "box") {
      if (vertices.length === 0) {
        vertices = [event.latlng];
        sketch = L.rectangle(L.latLngBounds(event.latlng, event.latlng), { ...SHAPE, dashArray: "6 4" }).addTo(map);
      } else {
        const [first] = vertices;
        const second = event.latlng;
        clearSketch();
        const west = Math.min(first.lng, second.lng);
        const east = Math.max(first.lng, second.lng);
        if (east - west >= 360) {
          done("box", [-180, Math.min(first.lat, second.lat), 180, Math.max(first.lat, second.lat)]);
        } else {
          done("box", [wrap(west), Math.min(first.lat, second.lat), wrap(east), Math.max(first.lat, second.lat)]);
        }
      }
    }
  });
  map.on("dblclick", () => {
    if (tool === "line") finishLine();
  });
  map.on("mousemove", (event) => {
    if (!sketch) return;
    if (tool === "line") sketch.setLatLngs([...vertices, event.latlng]);
    if (tool === "box") sketch.setBounds(L.latLngBounds(vertices[0], event.latlng));
  });
  map.getContainer().addEventListener("keydown", (event) => {
    if (event.key === "Escape") clearSketch();
    if (event.key === "Enter") {
      if (tool === "line" && vertices.length >= 2) finishLine();
      else if (tool === "point") done("point", lonlat(map.getCenter()));
    }
  });

  /** Draw (or remove, with null) the shape of an open panel. */
  function show(kind, geometry) {
    if (shapes[kind]) drawn.removeLayer(shapes[kind]);
    delete shapes[kind];
    if (!geometry) return;
    if (kind === "point") {
      const [lon, lat] = geometry;
      shapes.point = L.circleMarker([lat, lon], { radius: 6, color: "#111", weight: 2, fillColor: "#fff", fillOpacity: 1, interactive: false });
    } else if (kind === "line") {
      shapes.line = L.polyline(unwrapped(geometry), SHAPE);
    } else if (kind === "box") {
      const [west, south, east, north] = geometry;
      shapes.box = L.rectangle([[south, west], [north, east < west ? east + 360 : east]], SHAPE);
    }
    drawn.addLayer(shapes[kind]);
  }

  use(tool);
  return { use, show, tool: () => tool };
}

/** A line's vertices as LatLngs whose longitudes step the short way (no jump across the map). */
function unwrapped(vertices) {
  const out = [];
  let previous = null;
  for (const [lon, lat] of vertices) {
    let x = lon;
    if (previous !== null) x += 360 * Math.round((previous - x) / 360);
    out.push([lat, x]);
    previous = x;
  }
  return out;
}
