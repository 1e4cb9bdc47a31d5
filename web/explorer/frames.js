// The data layer, one Leaflet tile layer per time ("frame"). The frame shown is drawn over the
// one it replaces, which is hidden only once the new one has loaded, so changing time never
// flashes an empty map; the frames the animation will show next are loaded beforehand as
// invisible layers (their tiles are then in the browser's cache and on the map already).

import L from "leaflet";

const key = (time) => time ?? "";
const RETRIES = 3; // a tile that failed is asked again this often (a busy server says 429/503)
const RETRY_MS = 700;

export class Frames {
  /** `report({loading, failedURL})` is told the shown frame's state. */
  constructor(map, report) {
    this.map = map;
    this.report = report;
    this.frames = new Map(); // time -> { layer, ready: Promise, loaded: boolean }
    this.shown = null;
    this.template = null;
    this.options = {};
    this.opacity = 1;
  }

  /** Start again with a new layer (dataset, variable, depth or style changed). */
  reset(template, options, opacity) {
    for (const frame of this.frames.values()) frame.layer.remove();
    this.frames.clear();
    this.shown = null;
    this.template = template;
    this.options = options;
    this.opacity = opacity;
  }

  /** The tile URL template of the frame at `time` (the layer's template with `time` set). */
  url(time) {
    const [path, query = ""] = this.template.split("?");
    const params = new URLSearchParams(query);
    if (time) params.set("time", time);
    else params.delete("time");
    return `${path}?${params.toString().replace(/%2C/g, ",").replace(/%3A/g, ":")}`;
  }

  /** The frame at `time`, added (invisible) if it is not on the map yet. */
  ensure(time) {
    const found = this.frames.get(key(time));
    if (found) return found;
    const layer = L.tileLayer(this.url(time), { ...this.options, opacity: 0, zIndex: 1 });
    const frame = { time, layer, loaded: false };
    frame.ready = new Promise((resolve) => {
      layer.once("load", () => {
        frame.loaded = true;
        resolve(frame);
      });
    });
    layer.on("loading", () => {
      if (this.shown === frame) this.report({ loading: true });
    });
    layer.on("load", () => {
      if (this.shown === frame) {
        this.report({ loading: false });
        this.hideOthers(frame);
      }
    });
    layer.on("tileerror", (event) => {
      // Asked again a little later: the service refuses a client with too many requests in
      // flight (429) or a full queue (503) for a moment; only a tile still failing is reported.
      const tile = event.tile;
      const tries = Number(tile.dataset.tries ?? 0);
      if (tries < RETRIES) {
        tile.dataset.tries = String(tries + 1);
        const url = tile.src;
        setTimeout(() => {
          if (tile.isConnected) tile.src = url;
        }, RETRY_MS * (tries + 1));
        return;
      }
      if (this.shown === frame) this.report({ loading: false, failedURL: tile.src });
    });
    layer.addTo(this.map);
    this.frames.set(key(time), frame);
    return frame;
  }

  /** Show the frame at `time`, and load the frames at `upcoming` beforehand. */
  show(time, upcoming = []) {
    const frame = this.ensure(time);
    const previous = this.shown;
    this.shown = frame;
    frame.layer.setZIndex(2);
    frame.layer.setOpacity(this.opacity);
    for (const next of upcoming) this.ensure(next);
    const keep = new Set([key(time), ...upcoming.map(key)]);
    if (previous && previous !== frame) keep.add(key(previous.time));
    for (const [name, other] of this.frames) {
      if (!keep.has(name)) {
        other.layer.remove();
        this.frames.delete(name);
      }
    }
    if (frame.loaded && !frame.layer.isLoading()) {
      this.report({ loading: false });
      this.hideOthers(frame);
    } else {
      this.report({ loading: true });
    }
    return frame;
  }

  /** Hide every frame but `frame` (the one shown, now loaded). */
  hideOthers(frame) {
    for (const other of this.frames.values()) {
      if (other !== frame) {
        other.layer.setOpacity(0);
        other.layer.setZIndex(1);
      }
    }
  }

  setOpacity(opacity) {
    this.opacity = opacity;
    if (this.shown) this.shown.layer.setOpacity(opacity);
  }
}
