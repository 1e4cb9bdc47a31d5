// The OpenLayers example page: the dataset's WebMercatorQuad tiles (an ol/source/TileJSON
// given the service's TileJSON) and its WMS layer (1.3.0 GetMap in EPSG:3857, one image of
// the whole view: ol/source/ImageWMS), over a plain grey background where there are no data.
import "ol/ol.css";
import "./maps.css";
import Map from "ol/Map.js";
import View from "ol/View.js";
import ImageLayer from "ol/layer/Image.js";
import TileLayer from "ol/layer/Tile.js";
import { fromLonLat, toLonLat, transformExtent } from "ol/proj.js";
import ImageWMS from "ol/source/ImageWMS.js";
import TileJSON from "ol/source/TileJSON.js";
import { fixed, startPanel } from "./common.js";

const tiles = new TileLayer({ zIndex: 1 });
const wms = new ImageLayer({ zIndex: 2, visible: false });
const map = new Map({
  target: "map",
  layers: [tiles, wms],
  // Whole zoom levels: tiles are drawn at their own resolution, one tile pixel to one pixel.
  view: new View({ center: [0, 0], zoom: 2, minZoom: 0, maxZoom: 12, constrainResolution: true }),
});
let generation = 0;

/** Report loading until the map has drawn everything the view needs ('rendercomplete'). */
function settle() {
  const mine = ++generation;
  panel.loading(true);
  map.once("rendercomplete", () => {
    if (mine === generation) panel.loading(false);
  });
  map.render();
}

const view = {
  show({ tilejson, wms: layer, fit }) {
    const tileSource = new TileJSON({ tileJSON: tilejson, interpolate: false, transition: 0 });
    tileSource.on("tileloaderror", (event) => panel.failed(event.tile.getImage().src));
    tiles.setSource(tileSource);
    const params = { LAYERS: layer.layer, STYLES: "", FORMAT: "image/png", TRANSPARENT: true, VERSION: "1.3.0" };
    if (layer.time) params.TIME = layer.time;
    if (layer.elevation) params.ELEVATION = layer.elevation;
    const imageSource = new ImageWMS({
      url: layer.url,
      params,
      projection: "EPSG:3857",
      ratio: 1,
      interpolate: false,
      attributions: tilejson.attribution,
    });
    imageSource.on("imageloaderror", (event) => panel.failed(event.image.getImage().src));
    wms.setSource(imageSource);
    if (fit) {
      const [west, south, east, north] = tilejson.bounds;
      const box = [west, Math.max(south, -85), east, Math.min(north, 85)];
      map.getView().fit(transformExtent(box, "EPSG:4326", "EPSG:3857"), { size: map.getSize() });
    }
    settle();
  },
  setVisible(name, shown) {
    (name === "tiles" ? tiles : wms).setVisible(shown);
    settle();
  },
  position() {
    const mapView = map.getView();
    const [lon, lat] = toLonLat(mapView.getCenter());
    return { lon: fixed(lon), lat: fixed(lat), zoom: mapView.getZoom() };
  },
  moveTo({ lon, lat, zoom }) {
    map.getView().setCenter(fromLonLat([lon, lat]));
    map.getView().setZoom(Math.round(zoom));
  },
};

const panel = startPanel(view);
map.on("moveend", () => panel.moved());
map.on("movestart", () => settle());
window.oceanMap = { library: "openlayers", map, layers: { tiles, wms } };
