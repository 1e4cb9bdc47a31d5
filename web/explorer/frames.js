// The data layer, one Leaflet tile layer per time ("frame"). The frame shown is drawn over the
// one it replaces, which is hidden only once the new one has loaded, so changing time never
// flashes an empty map; the frames the animation will show next are loaded beforehand as
// invisible layers (their tiles are then in the browser's cache and on the map already).

import L from "leaflet";
import { failureOf } from "../lib/http.js";

const key = (time) => time ?? "";
// A tile that failed is asked again, a little later each time: a busy service answers 429 (too
// many requests from this client in flight) or 503 (full) for a moment. After BLIND tries the
// page asks why; only a tile still failing for another reason, or after MOST tries, is reported.
const BLIND = 6;
const MOST = 12;
const RETRY_MS = 400;

export class Frames {
  /** `report({loading, failure})` is told the shown frame's state (and why a tile failed). */
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
    const frame = { time, layer, loaded: false, retrying: new Set() };
    // Loaded: Leaflet says so ("load": no tile left to load) and no failed tile is waiting to
    // be asked again.
    const settled = () => frame.retrying.size === 0;
    frame.ready = new Promise((resolve) => {
      const done = () => {
        if (!settled()) return;
        layer.off("load", done);
        frame.loaded = true;
        resolve(frame);
      };
      layer.on("load", done);
    });
    layer.on("loading", () => {
      if (this.shown === frame) this.report({ loading: true });
    });
    layer.on("tileload", (event) => frame.retrying.delete(event.tile));
    layer.on("load", () => {
      if (this.shown === frame && settled()) {
        this.report({ loading: false });
        this.hideOthers(frame);
      }
    });
    layer.on("tileerror", async (event) => {
      const tile = event.tile;
      const url = tile.src;
      const tries = Number(tile.dataset.tries ?? 0) + 1;
      tile.dataset.tries = String(tries);
      frame.retrying.add(tile);
      const { reason, retry } = tries < BLIND ? { retry: true } : await failureOf(url);
      if (retry && tries < MOST) {
        setTimeout(
          () => {
            if (tile.isConnected && tile.src === url) tile.src = url;
            else frame.retrying.delete(tile);
          },
          RETRY_MS * Math.min(tries, 5),
        );
        return;
      }
      frame.retrying.delete(tile);
      if (this.shown === frame) this.report({ loading: false, failure: `A tile failed to load: ${reason}` });
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
    if (frame.loaded && !frame.layer.isLoading() && frame.retrying.size === 0) {
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
