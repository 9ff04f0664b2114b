// The picture of a dl-lessons view: the latest PNG frame the kernel rendered, a progress bar
// while a model trains, and a text summary screen readers announce. Reports JupyterLab's
// theme (light or dark) to the kernel, which draws the figures to match.
function isDark() {
  const light = document.body.dataset.jpThemeLight;
  return light === "false";
}

function hash(data) {
  // FNV-1a over the PNG's bytes
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16) + ":" + bytes.length;
}

function render({ model, el }) {
  el.classList.add("dl-picture");
  const img = document.createElement("img");
  img.className = "dl-picture-frame";
  const busy = document.createElement("div");
  busy.className = "dl-picture-busy";
  busy.setAttribute("role", "status");
  const bar = document.createElement("progress");
  bar.max = 1;
  const busyText = document.createElement("span");
  busy.append(bar, busyText);
  const live = document.createElement("div");
  live.className = "dl-picture-summary";
  live.setAttribute("aria-live", "polite");
  el.append(busy, img, live);

  let url = null;
  let frame = 0;
  function draw() {
    const data = model.get("png");
    if (!data || data.byteLength === 0) return;
    const next = URL.createObjectURL(new Blob([data], { type: "image/png" }));
    const old = url;
    url = next;
    img.src = next;
    img.dataset.frame = String(++frame);
    img.dataset.hash = hash(data); // tests tell a changed picture from a redrawn same one
    img.dataset.kernelMs = String(model.get("frame_ms")); // for benchmarks/bench_widgets.py
    if (old) setTimeout(() => URL.revokeObjectURL(old), 1000);
  }
  function text() {
    live.textContent = model.get("summary");
    img.alt = model.get("summary");
  }
  function progress() {
    const on = model.get("busy");
    busy.dataset.busy = on ? "1" : "0";
    busy.style.visibility = on ? "visible" : "hidden";
    bar.value = model.get("progress");
    busyText.textContent = model.get("progress_text");
  }
  model.on("change:png", draw);
  model.on("change:summary", text);
  model.on("change:busy", progress);
  model.on("change:progress", progress);
  model.on("change:progress_text", progress);
  draw();
  text();
  progress();

  // Keys pressed on the view's own controls (a dropdown's arrows, a text field's letters)
  // belong to them: without this JupyterLab takes ArrowDown for "select the next cell".
  const keep = (event) => {
    if (event.target.matches("select, input, textarea")) event.stopPropagation();
  };
  let box = null;
  const attach = () => {
    box = el.closest(".dl-lessons-widget");
    if (box) box.addEventListener("keydown", keep);
    else requestAnimationFrame(attach);
  };
  attach();

  const theme = () => {
    if (model.get("dark") !== isDark()) {
      model.set("dark", isDark());
      model.save_changes();
    }
  };
  theme();
  const watch = new MutationObserver(theme);
  watch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
  return () => {
    watch.disconnect();
    if (box) box.removeEventListener("keydown", keep);
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };
