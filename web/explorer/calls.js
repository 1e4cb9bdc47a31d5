// The API call behind a picture or a number: its exact URL (the one the page itself fetched),
// a curl line, a short Python snippet, and a download link per format.

import { withQuery } from "../lib/http.js";

const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
};
export { el };

/** `url` with its `f` set to `format`. */
export function formatURL(url, format) {
  return withQuery(url, { f: format });
}

const EXTENSIONS = { png: "png", svg: "svg", pdf: "pdf", json: "json", csv: "csv", nc: "nc", covjson: "covjson" };
export const FORMAT_LABELS = {
  png: "PNG",
  svg: "SVG",
  pdf: "PDF",
  json: "JSON",
  csv: "CSV",
  nc: "NetCDF",
  covjson: "CoverageJSON",
};

/** The Python that fetches `url`: an image is saved; data is saved as NetCDF and opened with
 * xarray. */
export function pythonSnippet(url, kind, name) {
  if (kind === "plot") {
    return [
      "import requests",
      "",
      `response = requests.get(${JSON.stringify(url)}, timeout=60)`,
      "response.raise_for_status()  # a 4xx says what to change, as problem+json",
      `with open(${JSON.stringify(`${name}.png`)}, "wb") as file:`,
      "    file.write(response.content)",
    ].join("\n");
  }
  return [
    "import requests",
    "import xarray as xr",
    "",
    `response = requests.get(${JSON.stringify(formatURL(url, "nc"))}, timeout=60)`,
    "response.raise_for_status()",
    `with open(${JSON.stringify(`${name}.nc`)}, "wb") as file:`,
    "    file.write(response.content)",
    `data = xr.open_dataset(${JSON.stringify(`${name}.nc`)})`,
    "print(data)",
  ].join("\n");
}

export const curlLine = (url, name, format) => `curl -fo ${name}.${EXTENSIONS[format]} "${url}"`;

function copyButton(text, label) {
  const button = el("button", { type: "button", class: "copy", text: "Copy", "aria-label": `Copy the ${label}` });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
    setTimeout(() => (button.textContent = "Copy"), 1500);
  });
  return button;
}

/**
 * The block under a picture or value: `url` is the exact request shown (what the page fetched);
 * `kind` "plot" or "data"; `formats` the download formats offered (the first is `url`'s own);
 * `name` a file name stem for curl and Python.
 */
export function callBlock({ url, kind, formats, name, dataURL = null, dataFormats = [] }) {
  const block = el("div", { class: "call" });
  block.append(
    el(
      "p",
      { class: "url" },
      el("span", { class: "label", text: "API: " }),
      el("a", { href: url, class: "api-url", target: "_blank", rel: "noopener" }, el("code", { text: url })),
    ),
  );
  const downloads = el("p", { class: "downloads" }, el("span", { class: "label", text: "Download: " }));
  for (const format of formats) {
    downloads.append(
      el("a", { href: formatURL(url, format), download: `${name}.${EXTENSIONS[format]}`, "data-format": format, text: FORMAT_LABELS[format] }),
    );
  }
  if (dataURL) {
    for (const format of dataFormats) {
      downloads.append(
        el("a", {
          href: formatURL(dataURL, format),
          download: `${name}.${EXTENSIONS[format]}`,
          "data-format": format,
          class: "data",
          text: FORMAT_LABELS[format],
        }),
      );
    }
  }
  block.append(downloads);
  const curl = curlLine(kind === "plot" ? url : formatURL(url, "csv"), name, kind === "plot" ? "png" : "csv");
  const python = pythonSnippet(url, kind, name);
  const details = el("details", { class: "snippets" }, el("summary", { text: "curl and Python" }));
  details.append(
    el("div", { class: "snippet" }, el("pre", {}, el("code", { class: "curl", text: curl })), copyButton(curl, "curl line")),
    el("div", { class: "snippet" }, el("pre", {}, el("code", { class: "python", text: python })), copyButton(python, "Python snippet")),
  );
  if (dataURL && kind === "plot") {
    const dataPython = pythonSnippet(dataURL, "data", name);
    details.append(
      el("p", { class: "label", text: "The data behind it:" }),
      el("div", { class: "snippet" }, el("pre", {}, el("code", { class: "python data", text: dataPython })), copyButton(dataPython, "Python snippet for the data")),
    );
  }
  block.append(details);
  return block;
}
