// Builds the offline API documentation into docs/site (or the folder given), where it is
// committed, so that serving needs no Node:
//   redoc.html        ReDoc of openapi.yaml, one self-contained file, built by redoc-cli
//   swagger.html      Swagger UI, with its assets under assets/ (from swagger-ui-dist)
//   maps/             the Leaflet and OpenLayers example pages (web/maps), each one HTML page
//                     with one script and one stylesheet bundled by esbuild under maps/assets
//   explorer/         the explorer served at / (web/explorer), built the same way
// Nothing in the output loads from another host: redoc-cli's Google Fonts link is off, the one
// image ReDoc's bundle takes from its CDN (the Redocly logo) is swapped for an inline one, and
// the build fails if any off-site resource is left.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const web = dirname(fileURLToPath(import.meta.url));
const root = resolve(web, "..");
const out = resolve(process.argv[2] ?? join(root, "docs", "site"));
const assets = join(out, "assets");
mkdirSync(assets, { recursive: true });

// ReDoc ------------------------------------------------------------------------------------
const redocPage = join(out, "redoc.html");
execFileSync(
  process.execPath,
  [
    require.resolve("redoc-cli/index.js"),
    "build",
    join(root, "openapi.yaml"),
    "--output", redocPage,
    "--template", join(web, "redoc.hbs"),
    "--title", "Ocean Data API",
    "--disableGoogleFont",
    "--options.expandResponses=200,204",
    "--options.jsonSampleExpandLevel=3",
    "--options.requiredPropsFirst",
    "--options.theme.colors.primary.main=#0b5a8c",
  ],
  { stdio: ["ignore", "ignore", "inherit"] },
);
const CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg";
const INLINE_LOGO =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='16' height='16'%3E" +
  "%3Ccircle cx='8' cy='8' r='7' fill='%23ef3224'/%3E%3C/svg%3E";
let html = readFileSync(redocPage, "utf8");
if (!html.includes(CDN_LOGO)) {
  throw new Error(`redoc.html no longer names ${CDN_LOGO}: check the page for off-site loads`);
}
html = html.replaceAll(CDN_LOGO, INLINE_LOGO);
writeFileSync(redocPage, html);

// Swagger UI -------------------------------------------------------------------------------
const dist = dirname(require.resolve("swagger-ui-dist/package.json"));
for (const name of ["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"]) {
  copyFileSync(join(dist, name), join(assets, name));
}
copyFileSync(join(web, "swagger-init.js"), join(assets, "swagger-init.js"));
copyFileSync(join(web, "swagger.html"), join(out, "swagger.html"));

// Third-party licences ---------------------------------------------------------------------
// The pages are committed and shipped, so the licence texts of the code they carry go with
// them: ReDoc (MIT, inlined into redoc.html) and Swagger UI (Apache-2.0, with its NOTICE).
// The bundle's first line points to its LICENSE.txt beside it, in assets/.
copyFileSync(
  join(dist, "swagger-ui-bundle.js.LICENSE.txt"),
  join(assets, "swagger-ui-bundle.js.LICENSE.txt"),
);
const licences = join(out, "licenses");
mkdirSync(licences, { recursive: true });
const redoc = dirname(require.resolve("redoc/package.json"));
for (const [from, name] of [
  [join(redoc, "LICENSE"), "redoc.LICENSE"],
  [join(redoc, "bundles", "redoc.standalone.js.LICENSE.txt"), "redoc.standalone.js.LICENSE.txt"],
  [join(dist, "LICENSE"), "swagger-ui-dist.LICENSE"],
  [join(dist, "NOTICE"), "swagger-ui-dist.NOTICE"],
]) {
  copyFileSync(from, join(licences, name));
}

// The example map pages ---------------------------------------------------------------------
// Each page's script (its library, web/maps/common.js and its own code) and stylesheet (the
// library's CSS, with its few icons inlined, and web/maps/maps.css) are bundled and minified by
// esbuild; the output is the same bytes for the same sources and package versions.
const esbuild = require("esbuild");
const maps = join(out, "maps");
const mapAssets = join(maps, "assets");
mkdirSync(mapAssets, { recursive: true });
const PAGES = ["leaflet", "openlayers"];
/** Bundle `entryPoints` ({name: source}) into `outdir`: one minified script and stylesheet each. */
const bundle = (entryPoints, outdir) =>
  esbuild.buildSync({
    entryPoints,
    absWorkingDir: root,
    outdir,
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    loader: { ".png": "dataurl", ".svg": "dataurl" },
    legalComments: "eof",
    charset: "utf8",
    metafile: true,
    logLevel: "warning",
  });
const bundled = bundle(
  Object.fromEntries(PAGES.map((page) => [page, join(web, "maps", `${page}.js`)])),
  mapAssets,
);
for (const page of PAGES) copyFileSync(join(web, "maps", `${page}.html`), join(maps, `${page}.html`));

// The licences of what each bundle carries, read from the bundle's inputs: one file per
// bundle, each npm package with its version, licence and licence text.
function writeLicences(metafile, bundle) {
  const [, output] = Object.entries(metafile.outputs).find(([name]) => name.endsWith(bundle));
  const packages = new Map(); // name -> its folder, as the bundle's inputs name it
  for (const input of Object.keys(output.inputs)) {
    const found = input.match(/^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//);
    if (found) packages.set(found[2], resolve(root, found[1]));
  }
  const sections = [...packages].sort().map(([name, folder]) => {
    const { version, license } = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
    const file = readdirSync(folder).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    if (!file) throw new Error(`${name} has no licence file to ship with ${bundle}`);
    const text = readFileSync(join(folder, file), "utf8").trim();
    return `${name} ${version} (${license})\n${"-".repeat(60)}\n${text}\n`;
  });
  writeFileSync(
    join(out, "licenses", `${bundle.replaceAll("/assets/", "-")}.LICENSES.txt`),
    `The npm packages bundled into ${bundle}, with their licences.\n\n` + sections.join("\n"),
  );
}
for (const page of PAGES) writeLicences(bundled.metafile, `maps/assets/${page}.js`);

// The explorer --------------------------------------------------------------------------------
// The service's front page (web/explorer, served at /): one HTML page, one script (leaflet and
// the page's modules) and one stylesheet, bundled as the map pages are, and the coastlines it
// draws: Natural Earth's 1:110m coastline (public domain, bundled in samples/naturalearth) cut
// to what a line needs: its coordinates to 0.01 degrees, no properties.
const explorer = join(out, "explorer");
const explorerAssets = join(explorer, "assets");
mkdirSync(explorerAssets, { recursive: true });
const explorerBundle = bundle({ explorer: join(web, "explorer", "explorer.js") }, explorerAssets);
copyFileSync(join(web, "explorer", "index.html"), join(explorer, "index.html"));
writeLicences(explorerBundle.metafile, "explorer/assets/explorer.js");
const coast = JSON.parse(readFileSync(join(root, "samples", "naturalearth", "ne_110m_coastline.json"), "utf8"));
const round = (value) => Math.round(value * 100) / 100;
writeFileSync(
  join(explorerAssets, "coastlines.json"),
  JSON.stringify({
    type: "FeatureCollection",
    features: coast.features.map((feature) => ({
      type: "Feature",
      properties: {},
      geometry: {
        type: feature.geometry.type,
        coordinates:
          feature.geometry.type === "LineString"
            ? feature.geometry.coordinates.map((xy) => xy.map(round))
            : feature.geometry.coordinates.map((line) => line.map((xy) => xy.map(round))),
      },
    })),
  }),
);

// No off-site resources --------------------------------------------------------------------
// A load is a src= attribute, a <link href>, a CSS url() or an @import; <a href> links are fine.
const OFFSITE = /(?:\bsrc=|<link[^>]*href=|url\(|@import\s+)["']?(?:https?:)?\/\/(?!127\.0\.0\.1|localhost)/i;
for (const name of [
  "redoc.html",
  "swagger.html",
  "assets/swagger-ui.css",
  ...PAGES.flatMap((page) => [`maps/${page}.html`, `maps/assets/${page}.css`]),
  "explorer/index.html",
  "explorer/assets/explorer.css",
]) {
  const found = readFileSync(join(out, name), "utf8").match(OFFSITE);
  if (found) throw new Error(`${name} loads an off-site resource: ${found[0]}`);
}
const version = (pkg) => require(`${pkg}/package.json`).version;
console.log(
  `docs built in ${out}: redoc-cli ${version("redoc-cli")} (redoc ${version("redoc")}), ` +
    `swagger-ui-dist ${version("swagger-ui-dist")}; ${readdirSync(assets).length} assets; ` +
    `maps: leaflet ${version("leaflet")}, ol ${version("ol")} (esbuild ${esbuild.version})`,
);
