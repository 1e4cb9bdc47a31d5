// The Leaflet example page: the dataset's WebMercatorQuad tiles (from its TileJSON) and its
// WMS layer (1.3.0 GetMap in EPSG:3857, as Leaflet's 256-pixel WMS tiles), over a plain grey
// background where there are no data (land, and beyond the dataset's bounds).
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./maps.css";
import { fixed, startPanel } from "./common.js";

// No view yet: the page's URL or the dataset's bounds give it (view.moveTo, view.show).
const map = L.map("map", {
  minZoom: 0,
  maxZoom: 12,
  // Tiles appear at once: no cross-fade muddling the colours of the data while they load.
  fadeAnimation: false,
});
const layers = { tiles: null, wms: null };
const visible = { tiles: true, wms: false };
const loading = new Set();

function watch(name, layer) {
  layer.on("loading", () => {
    loading.add(name);
    panel.loading(true);
  });
  layer.on("load", () => {
    loading.delete(name);
    panel.loading(loading.size > 0);
  });
  layer.on("tileerror", (event) => panel.failed(event.tile.src));
  return layer;
}

function place(name) {
  const layer = layers[name];
  if (!layer) return;
  if (visible[name] && !map.hasLayer(layer)) map.addLayer(layer);
  if (!visible[name] && map.hasLayer(layer)) {
    map.removeLayer(layer);
    loading.delete(name);
    panel.loading(loading.size > 0);
  }
}

const view = {
  show({ tilejson, wms, fit }) {
    for (const name of Object.keys(layers)) {
      if (layers[name]) map.removeLayer(layers[name]);
      loading.delete(name);
    }
    const [west, south, east, north] = tilejson.bounds;
    const bounds = L.latLngBounds([south, west], [north, east]);
    layers.tiles = watch(
      "tiles",
      L.tileLayer(tilejson.tiles[0], {
        bounds,
        minZoom: 0,
        maxZoom: 12,
        minNativeZoom: tilejson.minzoom,
        maxNativeZoom: tilejson.maxzoom,
        attribution: tilejson.attribution,
        zIndex: 1,
      }),
    );
    const params = { uppercase: true, zIndex: 2, bounds, attribution: tilejson.attribution };
    if (wms.time) params.TIME = wms.time;
    if (wms.elevation) params.ELEVATION = wms.elevation;
    layers.wms = watch(
      "wms",
      L.tileLayer.wms(wms.url, {
        layers: wms.layer,
        styles: "",
        format: "image/png",
        transparent: true,
        version: "1.3.0",
        ...params,
      }),
    );
    if (fit) map.fitBounds(L.latLngBounds([Math.max(south, -85), west], [Math.min(north, 85), east]));
    panel.loading(false);
    for (const name of Object.keys(layers)) place(name);
  },
  setVisible(name, shown) {
    visible[name] = shown;
    place(name);
  },
  position() {
    const center = map.getCenter();
    return { lon: fixed(center.lng), lat: fixed(center.lat), zoom: map.getZoom() };
  },
  moveTo({ lon, lat, zoom }) {
    map.setView([lat, lon], Math.round(zoom));
  },
};

const panel = startPanel(view);
map.on("moveend", () => panel.moved());
window.oceanMap = { library: "leaflet", map, layers };
