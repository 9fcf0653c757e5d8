"use strict";
// BertGen explorer: draws the model from the run's configuration and shows captured tensors. Everything it knows of a
// tensor (where its values are in a capture, how a head's is cut out of its layer's, how its axes are labelled) comes
// from the catalog the run's explorer wrote into the page. All text from the run is written with textContent, never
// parsed as markup.
const D = JSON.parse(document.getElementById("data").textContent);
const C = D.config;
const T = C.maxLen, H = C.heads, DK = C.dK;
const MASKED = -1e8;
const TOP_WORDS = 8;
const state = { sample: 0, epoch: D.epochs.length - 1, compare: -1, block: null, layer: 0, head: 0, timer: null };
const decoded = new Map();

// Every tensor the page can show: where its values are in a capture ("{layer}" standing for the layer), how a head's is
// cut out of its layer's, and how its rows and columns are labelled.
const CATALOG = new Map(D.catalog.map(e => [e.name, e]));
const key = (name, layer) => CATALOG.get(name).key.replace("{layer}", String(layer));
const shapeText = shape => "[" + shape.join(", ") + "]";

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (name === "data") Object.assign(node.dataset, value);
    else if (name === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node[name] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function decode(epoch, name) {
  const id = epoch + "|" + name;
  if (!decoded.has(id)) {
    const t = D.epochs[epoch].tensors[name];
    if (!t) return null;
    const text = atob(t.data);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    decoded.set(id, { shape: t.shape, values: t.dtype === "F32" ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer) });
  }
  return decoded.get(id);
}

function ofSample(name, epoch = state.epoch) {
  const t = decode(epoch, name);
  const per = t.values.length / t.shape[0];
  return { shape: t.shape.slice(1), values: t.values.subarray(state.sample * per, (state.sample + 1) * per) };
}

function tokens(epoch = state.epoch) { return Array.from(ofSample(key("input_ids"), epoch).values, id => D.vocab[id]); }

function slots(epoch = state.epoch) {
  const pos = ofSample(key("masked_positions"), epoch).values, tok = ofSample(key("masked_tokens"), epoch).values;
  return Array.from(pos, (p, m) => tok[m] === 0 ? "(pad)" : "@" + p + " " + D.vocab[tok[m]]);
}

function indices(n) { return Array.from({ length: n }, (_, i) => String(i)); }

function labels(kind, count, name, epoch) {
  switch (kind) {
    case "tokens": return tokens(epoch);
    case "maskedSlots": return slots(epoch);
    case "vocabulary": return D.vocab.slice();
    case "classes": return ["NotNext", "IsNext"];
    case "positions": return indices(count).map(i => "position " + i);
    case "segments": return indices(count).map(i => "segment " + i);
    case "name": return [name];
    default: return indices(count);
  }
}

// Numbers as the terminal writes them (NumberFormat): a shared power of ten, a multiple of 3, that keeps the significant
// digits when the largest magnitude is below 0.1 or from 10000 up; then three decimals. Ids and flags are whole numbers.
function numberFormat(values, integers) {
  if (integers) return { exponent: 0, integers: true };
  let largest = 0;
  for (const v of values) if (v > MASKED && isFinite(v)) largest = Math.max(largest, Math.abs(v));
  const exponent = largest === 0 || (largest >= 0.1 && largest < 10000) ? 0 : 3 * Math.floor(Math.log10(largest) / 3);
  return { exponent, integers: false };
}

function formatNumber(f, v) {
  if (v <= MASKED) return "-1e9";
  if (!isFinite(v)) return String(v);
  if (f.integers) return String(Math.round(v));
  const text = (v / Math.pow(10, f.exponent)).toFixed(3);
  return /^-0\.0+$/.test(text) ? text.slice(1) : text;
}

const scaleText = f => f.exponent === 0 ? "" : "× 1e" + f.exponent;

// Light is high, dark is low, over the values that are not masked scores.
function colourScale(values) {
  let min = Infinity, max = -Infinity;
  for (const v of values) if (v > MASKED && isFinite(v)) { min = Math.min(min, v); max = Math.max(max, v); }
  if (min === Infinity) { min = 0; max = 0; }
  const rgb = t => [Math.round(20 + 235 * t), Math.round(30 + 220 * t), Math.round(80 + 120 * t)];
  const colour = v => {
    const t = v <= MASKED ? 0 : max > min ? (Math.min(Math.max(v, min), max) - min) / (max - min) : 0.5;
    const [r, g, b] = rgb(t);
    return ["rgb(" + r + "," + g + "," + b + ")", t > 0.55 ? "#000" : "#fff"];
  };
  return { min, max, colour, gradient: "linear-gradient(to right, " + [0, 0.5, 1].map(t => "rgb(" + rgb(t).join(",") + ")").join(", ") + ")" };
}

// A block's values at one epoch as labelled matrices: one for an activation, a weight and its gradient for a parameter.
function views(spec, epoch) {
  const at = D.epochs[epoch].epoch;
  if (spec.param) {
    return [spec.param, spec.param + ".grad"].map((name, i) => {
      const entry = CATALOG.get(name);
      const t = decode(epoch, entry.key);
      const rows = t.shape.length === 2 ? t.shape[0] : 1, cols = t.shape[t.shape.length - 1];
      return { name: spec.param, caption: i === 0 ? "weight" : "gradient", title: spec.param + " — epoch " + at + " " + shapeText(t.shape),
        rows, cols, values: t.values, rowLabels: labels(entry.rows, rows, spec.param.split(".").pop(), epoch),
        colLabels: labels(entry.columns, cols, spec.param, epoch), integer: false, vocabulary: entry.columns === "vocabulary" };
    });
  }
  const name = spec.act, entry = CATALOG.get(name);
  const scope = (spec.layer === undefined ? "" : ", layer " + spec.layer) + (spec.head === undefined ? "" : ", head " + spec.head);
  const all = ofSample(key(name, spec.layer), epoch).values;
  let values = all;
  if (entry.square) {
    values = Float32Array.from({ length: T * T }, (_, i) => all[i % T]);
  } else if (entry.head === "matrix") {
    values = all.subarray(spec.head * T * T, (spec.head + 1) * T * T);
  } else if (entry.head === "columns") {
    values = new Float32Array(T * DK);
    for (let t = 0; t < T; t++) for (let j = 0; j < DK; j++) values[t * DK + j] = all[t * H * DK + spec.head * DK + j];
  }
  const shape = entry.shape;
  const rows = shape.length === 2 ? shape[0] : 1, cols = shape[shape.length - 1];
  return [{ name, caption: "", title: name + scope + " — sample " + state.sample + ", epoch " + at + " " + shapeText(shape), rows, cols, values,
    rowLabels: labels(entry.rows, rows, name, epoch), colLabels: labels(entry.columns, cols, name, epoch), integer: entry.integers,
    vocabulary: entry.columns === "vocabulary" }];
}

// The same views at the epoch shown minus those at the compared one (Figure 14 against Figure 13, as one picture).
function difference(now, then) {
  return now.map((view, i) => {
    const values = Float32Array.from(view.values, (v, j) => v <= MASKED && then[i].values[j] <= MASKED ? v : v - then[i].values[j]);
    return { ...view, values, integer: false, caption: (view.caption ? view.caption + ", " : "") + "epoch " + D.epochs[state.epoch].epoch + " minus epoch " + D.epochs[state.compare].epoch };
  });
}

function legend(scale, format) {
  return el("div", { className: "legend" }, el("span", {}, formatNumber(format, scale.min)),
    Object.assign(el("span", { className: "bar" }), { style: "background: " + scale.gradient }), el("span", {}, formatNumber(format, scale.max)),
    el("span", { className: "scale" }, scaleText(format)));
}

function heatTable(view) {
  const format = numberFormat(view.values, view.integer);
  const scale = colourScale(view.values);
  const head = el("tr", {}, el("th", {}));
  for (const label of view.colLabels) head.append(el("th", { className: "col" }, label));
  const body = el("tbody");
  for (let r = 0; r < view.rows; r++) {
    const row = el("tr", {}, el("th", {}, view.rowLabels[r]));
    for (let c = 0; c < view.cols; c++) {
      const v = view.values[r * view.cols + c];
      const [background, foreground] = scale.colour(v);
      const cell = el("td", { data: { r, c } }, formatNumber(format, v));
      cell.style.background = background;
      cell.style.color = foreground;
      cell.addEventListener("mouseenter", () => {
        document.getElementById("pointer").textContent = view.rowLabels[r] + " × " + view.colLabels[c] + ": " + (v <= MASKED ? "-1e9 (masked)" : v);
      });
      row.append(cell);
    }
    body.append(row);
  }
  return el("div", { className: "view" }, el("h3", {}, view.caption), legend(scale, format),
    el("table", { className: "heat", data: { scale: String(format.exponent) } }, el("thead", {}, head), body));
}

// A row over the vocabulary, readable: its largest values with their words.
function topTable(view) {
  const format = numberFormat(view.values, view.integer);
  const scale = colourScale(view.values);
  const head = el("tr", {}, el("th", {}), ...indices(TOP_WORDS).map(i => el("th", {}, "#" + (Number(i) + 1))));
  const body = el("tbody");
  for (let r = 0; r < view.rows; r++) {
    const row = Array.from(view.values.subarray(r * view.cols, (r + 1) * view.cols), (v, c) => [v, c]);
    row.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const tr = el("tr", {}, el("th", {}, view.rowLabels[r]));
    for (const [v, c] of row.slice(0, TOP_WORDS)) {
      const [background, foreground] = scale.colour(v);
      const cell = el("td", { data: { r, c, word: view.colLabels[c] } }, el("span", { className: "word" }, view.colLabels[c]), el("br"), formatNumber(format, v));
      cell.style.background = background;
      cell.style.color = foreground;
      tr.append(cell);
    }
    body.append(tr);
  }
  return el("div", { className: "view" }, el("h3", {}, (view.caption ? view.caption + ": " : "") + "the " + TOP_WORDS + " largest of " + view.cols + " words a row"),
    legend(scale, format), el("table", { className: "heat top", data: { scale: String(format.exponent) } }, el("thead", {}, head), body));
}

function shownViews() {
  if (!state.block) return [];
  const now = views(state.block.spec, state.epoch);
  return state.compare >= 0 && state.compare !== state.epoch ? [...now, ...difference(now, views(state.block.spec, state.compare))] : now;
}

function renderDetail() {
  const tables = document.getElementById("detail-tables");
  tables.replaceChildren();
  document.getElementById("pointer").textContent = "";
  const list = shownViews();
  const allWords = document.getElementById("all-words");
  document.getElementById("all-words-label").hidden = !list.some(v => v.vocabulary && v.rows > 1);
  for (const id of ["save-png", "save-svg"]) document.getElementById(id).disabled = list.length === 0;
  if (list.length === 0) return;
  document.getElementById("detail-title").textContent = list[0].title;
  for (const view of list) tables.append(view.vocabulary && view.rows > 1 && !allWords.checked ? topTable(view) : heatTable(view));
}

function select(block) {
  document.querySelectorAll(".block.selected").forEach(b => b.classList.remove("selected"));
  block.element.classList.add("selected");
  state.block = block;
  renderDetail();
  remember();
}

// The URL fragment names the view (#sample=0&epoch=5000&block=L1.h2.attn), so that a view can be linked to.
function remember() {
  const parts = ["sample=" + state.sample, "epoch=" + D.epochs[state.epoch].epoch];
  if (state.compare >= 0) parts.push("compare=" + D.epochs[state.compare].epoch);
  if (state.block) parts.push("block=" + state.block.id);
  history.replaceState(null, "", "#" + parts.join("&"));
}

function recall() {
  const wanted = new URLSearchParams(location.hash.slice(1));
  const sample = Number(wanted.get("sample"));
  if (Number.isInteger(sample) && sample >= 0 && sample < D.samples.length) state.sample = sample;
  const epoch = D.epochs.findIndex(e => String(e.epoch) === wanted.get("epoch"));
  if (epoch >= 0) state.epoch = epoch;
  state.compare = D.epochs.findIndex(e => String(e.epoch) === wanted.get("compare"));
  return wanted.get("block");
}

function block(id, label, spec) {
  const entry = { id, spec };
  entry.element = el("button", { className: "block" + (spec.param ? " weight" : ""), title: spec.param || spec.act, data: { block: id }, on: { click: () => select(entry) } }, label);
  return entry.element;
}

function weight(name, label) { return block("W." + name, label, { param: name }); }

function row(label, ...items) { return el("div", { className: "row" }, el("span", { className: "row-label" }, label), ...items); }

function stage(title, className, ...rows) { return el("div", { className: "stage " + (className || "") }, el("h2", {}, title), ...rows); }

// An arrow that carries a tensor from one block to the next, with its name and its shape for one sample.
function arrow(name, inline) {
  const entry = CATALOG.get(name);
  return el("div", { className: "arrow" + (inline ? " inline" : ""), data: { tensor: name, shape: shapeText(entry.shape) } }, name + " " + shapeText(entry.shape));
}

function drawModel() {
  const model = document.getElementById("model");
  const e = "bert.embeddings.";
  const input = stage("Input", "", row("masked text", el("div", { className: "tokens", id: "input-tokens" })),
    row("input ids", el("span", { className: "ids", id: "input-ids" })),
    row("segment ids", el("span", { className: "ids", id: "segment-ids" })),
    row("masked positions", el("span", { className: "ids", id: "masked-positions" })));
  const embedding = stage("Input embedding (Figure 12)", "",
    row("weights", weight(e + "word_embeddings.weight", "tok"), weight(e + "position_embeddings.weight", "pos"), weight(e + "token_type_embeddings.weight", "seg")),
    row("sum", block("emb.tok_embed", "tok_embed", { act: "tok_embed" }), "+", block("emb.pos_embed", "pos_embed", { act: "pos_embed" }), "+",
      block("emb.seg_embed", "seg_embed", { act: "seg_embed" }), "=", block("emb.embedding", "embedding", { act: "embedding" })),
    C.embeddingLayerNorm
      ? row("LayerNorm", weight(e + "LayerNorm.weight", "γ"), weight(e + "LayerNorm.bias", "β"), block("emb.embedding_norm", "embedding_norm", { act: "embedding_norm" }))
      : row("LayerNorm", el("span", { className: "ids" }, "none (embeddingLayerNorm false)")),
    row("mask", block("emb.attn_mask", "attn_mask", { act: "attn_mask" })));
  model.append(input, arrow("input_ids"), embedding, arrow(C.embeddingLayerNorm ? "embedding_norm" : "embedding"));
  for (let l = 0; l < C.layers; l++) {
    const p = "bert.encoder.layer." + l + ".";
    const a = (name, label) => block("L" + l + "." + name, label || name, { act: name, layer: l });
    const heads = el("div", { className: "heads" });
    heads.style.gridTemplateColumns = "repeat(" + H + ", minmax(0, 1fr))";
    for (let h = 0; h < H; h++) {
      const hb = name => block("L" + l + ".h" + h + "." + name, name, { act: name, layer: l, head: h });
      heads.append(el("div", { className: "head" }, el("h3", {}, "h" + h),
        el("div", { className: "head-row" }, hb("q_s"), hb("k_s"), hb("v_s")), el("div", { className: "head-row" }, hb("scores"), hb("attn"), hb("ctx"))));
    }
    model.append(stage("Encoder layer " + l + " (Figure 15)", "layer",
      row("q, k, v", weight(p + "attention.self.query.weight", "W_Q"), weight(p + "attention.self.key.weight", "W_K"), weight(p + "attention.self.value.weight", "W_V"), a("q"), a("k"), a("v")),
      arrow("q_s"),
      heads,
      arrow("context"),
      row("output", a("context"), weight(p + "attention.output.dense.weight", "W_O"), a("attn_output")),
      arrow("attn_output"),
      row("Add & Norm", weight(p + "attention.output.LayerNorm.weight", "γ"), weight(p + "attention.output.LayerNorm.bias", "β"), a("mha")),
      arrow("mha"),
      row("feed-forward", weight(p + "intermediate.dense.weight", "W_1"), a("ffn_hidden"), a("ffn_gelu"), weight(p + "output.dense.weight", "W_2"),
        ...(C.ffnAddNorm ? [a("ffn_output")] : [])),
      ...(C.ffnAddNorm ? [arrow("ffn_output"), row("Add & Norm", weight(p + "output.LayerNorm.weight", "γ"), weight(p + "output.LayerNorm.bias", "β"), a("enc_output"))]
        : [row("output", a("enc_output"))])), arrow("enc_output"));
  }
  const o = (name, label) => block("out." + name, label || name, { act: name });
  const nsp = stage("IsNext", "", arrow("h_cls"), row("pooler", o("h_cls"), weight("bert.pooler.dense.weight", "W_pool"), o("h_pooled")),
    arrow("h_pooled"), row("classifier", weight("cls.seq_relationship.weight", "W_cls"), o("logits_clsf"), o("probs_clsf"), o("pred_clsf")),
    arrow("logits_clsf"), row("prediction", el("span", { className: "ids", id: "nsp-prediction" })));
  const mlm = stage("Masked words", "", arrow("h_masked"), row("gather", o("h_masked")),
    row("transform", weight("cls.predictions.transform.dense.weight", "W_t"), o("mlm_dense"), o("mlm_gelu"),
      weight("cls.predictions.transform.LayerNorm.weight", "γ"), o("mlm_norm")),
    arrow("mlm_norm"),
    row("decoder", weight("bert.embeddings.word_embeddings.weight", "tok (tied)"), weight("cls.predictions.bias", "bias"), o("logits_lm"), o("probs_lm"), o("pred_lm")),
    arrow("logits_lm"), row("prediction", el("span", { className: "ids", id: "mlm-prediction" })));
  model.append(stage("Output layer (Figure 16)", "", el("div", { className: "split" }, nsp, mlm)));
}

function renderInput() {
  const ids = ofSample(key("input_ids")).values;
  const p = D.epochs[state.epoch].predictions[state.sample];
  const masked = new Set(p.masks.map(m => m.position));
  document.getElementById("input-tokens").replaceChildren(...Array.from(ids, (id, t) => el("span", { className: "token" + (masked.has(t) ? " masked" : "") }, D.vocab[id])));
  document.getElementById("input-ids").textContent = Array.from(ids).join(" ");
  document.getElementById("segment-ids").textContent = Array.from(ofSample(key("segment_ids")).values).join(" ");
  document.getElementById("masked-positions").textContent = Array.from(ofSample(key("masked_positions")).values).join(" ");
  const words = list => list.map(id => id + " " + D.vocab[id]).join(", ");
  document.getElementById("mlm-prediction").textContent = "predicted " + words(p.masks.map(m => m.predicted)) + "; actual " + words(p.masks.map(m => m.actual));
  document.getElementById("nsp-prediction").textContent = "IsNext predicted " + bool(p.isNext.predicted) + "; actual " + bool(p.isNext.actual);
}

function bool(value) { return value ? "True" : "False"; }

// Every head of one layer at once, each a small heatmap of attn; and the chosen head as lines from each query token to
// the keys it attends to, each line as opaque as its weight.
function renderAttention() {
  const grid = document.getElementById("head-grid");
  const all = ofSample(key("attn", state.layer)).values;
  const words = tokens();
  grid.replaceChildren(...indices(H).map(h => {
    const head = Number(h);
    const values = all.subarray(head * T * T, (head + 1) * T * T);
    const scale = colourScale(values);
    const body = el("tbody");
    for (let i = 0; i < T; i++) {
      const tr = el("tr");
      for (let j = 0; j < T; j++) {
        const v = values[i * T + j];
        const td = el("td", { title: words[i] + " → " + words[j] + ": " + v, data: { i, j, value: String(v) } });
        td.style.background = scale.colour(v)[0];
        tr.append(td);
      }
      body.append(tr);
    }
    return el("div", { className: "grid-head" + (head === state.head ? " chosen" : ""), data: { head: h }, on: { click: () => chooseHead(head) } },
      el("h3", {}, "layer " + state.layer + ", h" + head), el("table", {}, body), legend(scale, numberFormat(values, false)));
  }));

  const view = document.getElementById("head-view");
  const values = all.subarray(state.head * T * T, (state.head + 1) * T * T);
  const top = 20, step = 22, left = 150, right = 470;
  view.setAttribute("viewBox", "0 0 640 " + (top + step * T));
  view.replaceChildren();
  for (let i = 0; i < T; i++) {
    view.append(svg("text", { x: left - 8, y: top + step * i + 4, "text-anchor": "end", "font-size": 12 }, words[i]));
    view.append(svg("text", { x: right + 8, y: top + step * i + 4, "font-size": 12 }, words[i]));
  }
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      const w = values[i * T + j];
      view.append(svg("line", { x1: left, y1: top + step * i, x2: right, y2: top + step * j, stroke: "#0969da", "stroke-width": 2,
        "stroke-opacity": Math.max(0, Math.min(1, w)).toFixed(4), "data-i": i, "data-j": j, "data-weight": String(w) }));
    }
  }
  document.getElementById("head-view-title").textContent = "Head view: layer " + state.layer + ", head " + state.head +
    " — sample " + state.sample + ", epoch " + D.epochs[state.epoch].epoch + " (left: queries, right: keys)";
}

function chooseHead(head) {
  state.head = head;
  document.getElementById("attention-head").value = String(head);
  renderAttention();
}

// The words' token embeddings on their two principal components (computed when the page was written), at the epoch
// shown; the axes span every epoch, so the words move as the slider moves.
function renderMap() {
  const map = document.getElementById("embedding-map");
  const frames = D.map.frames, frame = frames[state.epoch];
  const xs = frames.flatMap(f => f.x), ys = frames.flatMap(f => f.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const px = v => 30 + 420 * (v - x0) / Math.max(1e-9, x1 - x0), py = v => 330 - 300 * (v - y0) / Math.max(1e-9, y1 - y0);
  if (map.childElementCount === 0) {
    map.append(svg("line", { x1: 30, y1: 345, x2: 450, y2: 345, stroke: "#8c959f" }), svg("text", { x: 240, y: 358, "text-anchor": "middle", "font-size": 10, fill: "#57606a" }, "first principal component"),
      svg("line", { x1: 15, y1: 30, x2: 15, y2: 330, stroke: "#8c959f" }), svg("text", { x: 10, y: 180, "font-size": 10, fill: "#57606a", transform: "rotate(-90 10 180)", "text-anchor": "middle" }, "second"));
    D.map.words.forEach((word, w) => {
      map.append(svg("circle", { r: 3, fill: "#0969da", "data-word": word, "data-index": w }));
      map.append(svg("text", { "data-label": w }, word));
    });
  }
  D.map.words.forEach((_, w) => {
    const point = map.querySelector("circle[data-index='" + w + "']"), label = map.querySelector("text[data-label='" + w + "']");
    point.setAttribute("cx", px(frame.x[w]).toFixed(1));
    point.setAttribute("cy", py(frame.y[w]).toFixed(1));
    point.dataset.x = String(frame.x[w]);
    point.dataset.y = String(frame.y[w]);
    label.setAttribute("x", (px(frame.x[w]) + 4).toFixed(1));
    label.setAttribute("y", (py(frame.y[w]) - 4).toFixed(1));
  });
  document.getElementById("map-note").textContent = "Epoch " + frame.epoch + ": the two axes hold " + Math.round(100 * (frame.explained || 0)) +
    "% of the variance of the " + D.map.words.length + " words' embeddings.";
}

// The summary (the article's Figure 17) of the epoch shown, from the predictions the run's explorer read.
function renderSummary() {
  const table = document.getElementById("summary");
  const header = el("tr", {}, ...["sample", "masked input", "predicted", "actual", "IsNext predicted", "IsNext actual"].map(h => el("th", {}, h)));
  const rows = D.epochs[state.epoch].predictions.map((p, s) => {
    const words = list => list.map(id => id + " (" + D.vocab[id] + ")").join(", ");
    const right = p.masks.every(m => m.predicted === m.actual);
    return el("tr", {}, el("td", {}, String(s)), el("td", {}, p.input),
      el("td", { className: right ? "right" : "wrong" }, words(p.masks.map(m => m.predicted))), el("td", {}, words(p.masks.map(m => m.actual))),
      el("td", { className: p.isNext.predicted === p.isNext.actual ? "right" : "wrong" }, bool(p.isNext.predicted)), el("td", {}, bool(p.isNext.actual)));
  });
  table.replaceChildren(el("thead", {}, header), el("tbody", {}, ...rows));
}

// The article's Figures 7 and 8 as the run's explorer wrote them.
function drawFigures() {
  const cellText = cell => typeof cell === "string" ? cell : cell.map(t => t.token).join(" ");
  document.getElementById("figure-tables").replaceChildren(...D.figures.flatMap(figure => figure.blocks.filter(b => b.kind === "table").map(b =>
    el("table", { className: "plain", data: { figure: figure.title } }, el("caption", {}, figure.title),
      el("thead", {}, el("tr", {}, ...b.headers.map(h => el("th", {}, h)))),
      el("tbody", {}, ...b.rows.map(r => el("tr", {}, ...r.map(c => el("td", {}, cellText(c))))))))));
}

function renderChart() {
  const chart = document.getElementById("loss-chart");
  const m = D.metrics;
  chart.replaceChildren();
  if (m.epoch.length === 0) return;
  const all = [...m.loss, ...m.mlm, ...m.nsp].filter(v => v > 0 && isFinite(v));
  const lo = Math.floor(Math.log10(Math.min(...all))), hi = Math.ceil(Math.log10(Math.max(...all)));
  const last = m.epoch[m.epoch.length - 1];
  const [left, right, top, bottom] = [62, 620, 10, 180];
  const x = e => left + (right - left) * (e / Math.max(1, last));
  const y = v => top + (bottom - top) * (hi - Math.log10(Math.max(v, 1e-12))) / Math.max(1, hi - lo);
  chart.append(svg("line", { x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#8c959f" }), svg("line", { x1: left, y1: top, x2: left, y2: bottom, stroke: "#8c959f" }));
  for (let p = lo; p <= hi; p++) {
    chart.append(svg("line", { x1: left - 4, y1: y(Math.pow(10, p)), x2: right, y2: y(Math.pow(10, p)), stroke: "#eaeef2", class: "tick-y" }));
    chart.append(svg("text", { x: left - 6, y: y(Math.pow(10, p)) + 3, "font-size": 10, fill: "#57606a", "text-anchor": "end", class: "tick-label" }, "1e" + p));
  }
  for (let i = 0; i <= 4; i++) {
    const e = Math.round(last * i / 4);
    chart.append(svg("line", { x1: x(e), y1: bottom, x2: x(e), y2: bottom + 4, stroke: "#8c959f", class: "tick-x" }));
    chart.append(svg("text", { x: x(e), y: bottom + 15, "font-size": 10, fill: "#57606a", "text-anchor": "middle", class: "tick-label" }, String(e)));
  }
  chart.append(svg("text", { x: (left + right) / 2, y: 222, "font-size": 11, fill: "#1b1f23", "text-anchor": "middle", class: "axis-label" }, "epoch"));
  chart.append(svg("text", { x: 12, y: (top + bottom) / 2, "font-size": 11, fill: "#1b1f23", "text-anchor": "middle", class: "axis-label",
    transform: "rotate(-90 12 " + (top + bottom) / 2 + ")" }, "loss (log scale)"));
  [["loss", "#1b1f23", "total"], ["mlm", "#0969da", "MLM"], ["nsp", "#bc4c00", "NSP"]].forEach(([name, colour, label], i) => {
    // A loss that is not finite (a run that diverged) is written as null and left out of the line.
    const points = m.epoch.map((e, j) => [e, m[name][j]]).filter(([, v]) => v !== null && isFinite(v) && v > 0);
    chart.append(svg("polyline", { fill: "none", stroke: colour, "stroke-width": 1.2, points: points.map(([e, v]) => x(e).toFixed(1) + "," + y(v).toFixed(1)).join(" ") }));
    chart.append(svg("text", { x: 540, y: 22 + 12 * i, "font-size": 11, fill: colour }, label));
  });
  const epoch = D.epochs[state.epoch].epoch;
  chart.append(svg("line", { id: "epoch-marker", x1: x(epoch), y1: top, x2: x(epoch), y2: bottom, stroke: "#cf222e", "stroke-dasharray": "3 3" }));
  chart.append(svg("text", { x: x(epoch) > 560 ? x(epoch) - 3 : x(epoch) + 3, y: bottom - 4, "font-size": 10, fill: "#cf222e", "text-anchor": x(epoch) > 560 ? "end" : "start" }, "epoch " + epoch));
}

// The detail view as a picture, the tables drawn cell by cell: as SVG text, or on a canvas for PNG.
function picture() {
  const list = shownViews();
  const cell = 34, rowHead = 110, colHead = 80, gap = 30;
  let width = 0, height = 30;
  const placed = list.map(view => {
    const at = height + 20;
    height = at + colHead + cell / 2 * view.rows + gap;
    width = Math.max(width, rowHead + cell * view.cols + 20);
    return { view, at };
  });
  return { title: list.length ? list[0].title : "", placed, cell, rowHead, colHead, width: Math.max(width, 400), height };
}

function saveSvg() {
  const p = picture();
  const esc = s => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="' + p.width + '" height="' + p.height + '" font-family="monospace" font-size="9">',
    '<rect width="100%" height="100%" fill="#fff"/>', '<text x="8" y="18" font-size="13">' + esc(p.title) + "</text>"];
  for (const { view, at } of p.placed) {
    const format = numberFormat(view.values, view.integer), scale = colourScale(view.values);
    parts.push('<text x="8" y="' + (at + 8) + '" font-size="11">' + esc(view.caption + " " + scaleText(format)) + "</text>");
    view.colLabels.forEach((label, c) => parts.push('<text transform="translate(' + (p.rowHead + c * p.cell + p.cell / 2) + "," + (at + p.colHead) + ') rotate(-60)">' + esc(label) + "</text>"));
    for (let r = 0; r < view.rows; r++) {
      const yy = at + p.colHead + 6 + r * p.cell / 2;
      parts.push('<text x="' + (p.rowHead - 4) + '" y="' + (yy + 11) + '" text-anchor="end">' + esc(view.rowLabels[r]) + "</text>");
      for (let c = 0; c < view.cols; c++) {
        const v = view.values[r * view.cols + c], [background, foreground] = scale.colour(v);
        parts.push('<rect x="' + (p.rowHead + c * p.cell) + '" y="' + yy + '" width="' + p.cell + '" height="' + p.cell / 2 + '" fill="' + background + '"/>');
        parts.push('<text x="' + (p.rowHead + c * p.cell + p.cell - 2) + '" y="' + (yy + 12) + '" text-anchor="end" fill="' + foreground + '">' + esc(formatNumber(format, v)) + "</text>");
      }
    }
  }
  parts.push("</svg>");
  download(new Blob([parts.join("\n")], { type: "image/svg+xml" }), "svg");
}

function savePng() {
  const p = picture();
  const canvas = document.createElement("canvas");
  canvas.width = p.width;
  canvas.height = p.height;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, p.width, p.height);
  g.fillStyle = "#000";
  g.font = "13px monospace";
  g.fillText(p.title, 8, 18);
  for (const { view, at } of p.placed) {
    const format = numberFormat(view.values, view.integer), scale = colourScale(view.values);
    g.font = "11px monospace";
    g.fillStyle = "#000";
    g.fillText(view.caption + " " + scaleText(format), 8, at + 8);
    g.font = "9px monospace";
    view.colLabels.forEach((label, c) => {
      g.save();
      g.translate(p.rowHead + c * p.cell + p.cell / 2, at + p.colHead);
      g.rotate(-Math.PI / 3);
      g.fillText(label, 0, 0);
      g.restore();
    });
    for (let r = 0; r < view.rows; r++) {
      const yy = at + p.colHead + 6 + r * p.cell / 2;
      g.fillStyle = "#000";
      g.textAlign = "right";
      g.fillText(view.rowLabels[r], p.rowHead - 4, yy + 11);
      for (let c = 0; c < view.cols; c++) {
        const v = view.values[r * view.cols + c], [background, foreground] = scale.colour(v);
        g.fillStyle = background;
        g.fillRect(p.rowHead + c * p.cell, yy, p.cell, p.cell / 2);
        g.fillStyle = foreground;
        g.fillText(formatNumber(format, v), p.rowHead + c * p.cell + p.cell - 2, yy + 12);
      }
      g.textAlign = "left";
    }
  }
  canvas.toBlob(blob => download(blob, "png"), "image/png");
}

function download(blob, extension) {
  const name = (state.block ? state.block.id : "view") + "-sample" + state.sample + "-epoch" + D.epochs[state.epoch].epoch + "." + extension;
  const link = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// Training as a film: the captured epochs one after another, then stop at the last.
function play() {
  const button = document.getElementById("play");
  if (state.timer) {
    clearInterval(state.timer);
    state.timer = null;
    button.textContent = "▶ Play";
    return;
  }
  if (state.epoch === D.epochs.length - 1) setEpoch(0);
  button.textContent = "⏸ Pause";
  state.timer = setInterval(() => {
    if (state.epoch >= D.epochs.length - 1) {
      play();
      return;
    }
    setEpoch(state.epoch + 1);
  }, 700);
}

function setEpoch(epoch) {
  state.epoch = epoch;
  document.getElementById("epoch").value = String(epoch);
  render();
}

function render() {
  remember();
  const epoch = D.epochs[state.epoch];
  document.getElementById("epoch-value").textContent = String(epoch.epoch);
  document.getElementById("epoch-loss").textContent = epoch.loss === null ? "loss not finite" : "loss " + epoch.loss.toFixed(4);
  renderInput();
  renderDetail();
  renderAttention();
  renderMap();
  renderSummary();
  renderChart();
}

function start() {
  document.getElementById("run-name").textContent = D.run;
  document.getElementById("config-line").textContent = C.name + ": " + C.layers + " layers, " + H + " heads of " + DK + ", dModel " + C.dModel +
    ", dFF " + C.dFF + ", maxLen " + T + ", maxPred " + C.maxPred + ", vocabulary " + C.vocabSize + "; captured epochs " + D.epochs.map(e => e.epoch).join(", ");
  const sample = document.getElementById("sample");
  D.samples.forEach((s, i) => sample.append(el("option", { value: String(i) }, i + ": " + s.text)));
  const compare = document.getElementById("compare");
  D.epochs.forEach((e, i) => compare.append(el("option", { value: String(i) }, String(e.epoch))));
  const layer = document.getElementById("attention-layer"), head = document.getElementById("attention-head");
  indices(C.layers).forEach(l => layer.append(el("option", { value: l }, l)));
  indices(H).forEach(h => head.append(el("option", { value: h }, "h" + h)));
  const wantedBlock = recall();
  sample.value = String(state.sample);
  compare.value = state.compare >= 0 ? String(state.compare) : "";
  sample.addEventListener("change", () => { state.sample = Number(sample.value); render(); });
  compare.addEventListener("change", () => { state.compare = compare.value === "" ? -1 : Number(compare.value); renderDetail(); remember(); });
  layer.addEventListener("change", () => { state.layer = Number(layer.value); renderAttention(); });
  head.addEventListener("change", () => chooseHead(Number(head.value)));
  document.getElementById("all-words").addEventListener("change", renderDetail);
  document.getElementById("save-png").addEventListener("click", savePng);
  document.getElementById("save-svg").addEventListener("click", saveSvg);
  document.getElementById("play").addEventListener("click", play);
  const slider = document.getElementById("epoch");
  slider.max = String(D.epochs.length - 1);
  slider.value = String(state.epoch);
  slider.addEventListener("input", () => { state.epoch = Number(slider.value); render(); });
  drawModel();
  drawFigures();
  render();
  const initial = wantedBlock && document.querySelector("[data-block='" + CSS.escape(wantedBlock) + "']");
  if (initial) {
    // A linked view: its block is chosen, scrolled to and made to flash.
    initial.click();
    const box = initial.getBoundingClientRect(), header = document.querySelector("header").getBoundingClientRect().bottom;
    if (box.top < header || box.bottom > window.innerHeight) initial.scrollIntoView({ block: "center" });
    initial.classList.add("flash");
  }
}

start();
