"use strict";
// BertGen explorer: draws the model from the run's configuration and shows captured tensors. All text from the run
// is written with textContent, never parsed as markup.
const D = JSON.parse(document.getElementById("data").textContent);
const C = D.config;
const T = C.maxLen, P = C.maxPred, H = C.heads, DK = C.dK;
const MASKED = -1e8;
const state = { sample: 0, epoch: D.epochs.length - 1, block: null };
const decoded = new Map();

// Every tensor the page can show, as the run's explorer describes it: where its values are in a capture ("{layer}"
// standing for the layer), how a head's is cut out of its layer's, and how its rows and columns are labelled.
const CATALOG = new Map(D.catalog.map(e => [e.name, e]));
const key = (name, layer) => CATALOG.get(name).key.replace("{layer}", String(layer));

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "data") Object.assign(node.dataset, value);
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function decode(epoch, name) {
  const key = epoch + "|" + name;
  if (!decoded.has(key)) {
    const t = D.epochs[epoch].tensors[name];
    if (!t) return null;
    const text = atob(t.data);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    decoded.set(key, { shape: t.shape, values: t.dtype === "F32" ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer) });
  }
  return decoded.get(key);
}

function ofSample(name) {
  const t = decode(state.epoch, name);
  const per = t.values.length / t.shape[0];
  return { shape: t.shape.slice(1), values: t.values.subarray(state.sample * per, (state.sample + 1) * per) };
}

function tokens() { return Array.from(ofSample(key("input_ids")).values, id => D.vocab[id]); }

function slots() {
  const pos = ofSample(key("masked_positions")).values, tok = ofSample(key("masked_tokens")).values;
  return Array.from(pos, (p, m) => tok[m] === 0 ? "(pad)" : "@" + p + " " + D.vocab[tok[m]]);
}

function indices(n) { return Array.from({ length: n }, (_, i) => String(i)); }

function labels(kind, count, name) {
  switch (kind) {
    case "tokens": return tokens();
    case "maskedSlots": return slots();
    case "vocabulary": return D.vocab.slice();
    case "classes": return ["NotNext", "IsNext"];
    case "positions": return indices(count).map(i => "position " + i);
    case "segments": return indices(count).map(i => "segment " + i);
    case "name": return [name];
    default: return indices(count);
  }
}

function format(v, integer) {
  if (v <= MASKED) return "-1e9";
  if (integer) return String(Math.round(v));
  const text = v.toFixed(3);
  return text === "-0.000" ? "0.000" : text;
}

// A block's values as labelled matrices: one for an activation, a weight and its gradient for a parameter.
function views(spec) {
  const where = "sample " + state.sample + ", epoch " + D.epochs[state.epoch].epoch;
  if (spec.param) {
    return [spec.param, spec.param + ".grad"].map((name, i) => {
      const entry = CATALOG.get(name);
      const t = decode(state.epoch, entry.key);
      const rows = t.shape.length === 2 ? t.shape[0] : 1, cols = t.shape[t.shape.length - 1];
      return { title: spec.param + (i === 1 ? " (gradient)" : "") + " — epoch " + D.epochs[state.epoch].epoch + " [" + t.shape.join(", ") + "]",
        rows, cols, values: t.values, rowLabels: labels(entry.rows, rows, spec.param.split(".").pop()), colLabels: labels(entry.columns, cols), integer: false };
    });
  }
  const name = spec.act, entry = CATALOG.get(name);
  const scope = (spec.layer === undefined ? "" : ", layer " + spec.layer) + (spec.head === undefined ? "" : ", head " + spec.head);
  const all = ofSample(key(name, spec.layer)).values;
  const shape = entry.shape;
  let values = all;
  if (entry.square) {
    values = Float32Array.from({ length: T * T }, (_, i) => all[i % T]);
  } else if (entry.head === "matrix") {
    values = all.subarray(spec.head * T * T, (spec.head + 1) * T * T);
  } else if (entry.head === "columns") {
    values = new Float32Array(T * DK);
    for (let t = 0; t < T; t++) for (let j = 0; j < DK; j++) values[t * DK + j] = all[t * H * DK + spec.head * DK + j];
  }
  const rows = shape.length === 2 ? shape[0] : 1, cols = shape[shape.length - 1];
  return [{ title: name + scope + " — " + where + " [" + shape.join(", ") + "]", rows, cols, values,
    rowLabels: labels(entry.rows, rows, name), colLabels: labels(entry.columns, cols, name), integer: entry.integers }];
}

function heatTable(view) {
  let min = Infinity, max = -Infinity;
  for (const v of view.values) if (v > MASKED) { min = Math.min(min, v); max = Math.max(max, v); }
  const colour = v => {
    const t = max > min ? (Math.max(v, min) - min) / (max - min) : 0.5;
    return ["rgb(" + Math.round(20 + 235 * t) + "," + Math.round(30 + 220 * t) + "," + Math.round(80 + 120 * t) + ")", t > 0.55 ? "#000" : "#fff"];
  };
  const head = el("tr", {}, el("th", {}));
  for (const label of view.colLabels) head.append(el("th", { className: "col" }, label));
  const body = el("tbody");
  for (let r = 0; r < view.rows; r++) {
    const row = el("tr", {}, el("th", {}, view.rowLabels[r]));
    for (let c = 0; c < view.cols; c++) {
      const v = view.values[r * view.cols + c];
      const [background, foreground] = colour(v);
      const cell = el("td", { data: { r, c } }, format(v, view.integer));
      cell.style.background = background;
      cell.style.color = foreground;
      cell.addEventListener("mouseenter", () => {
        document.getElementById("pointer").textContent = view.rowLabels[r] + " × " + view.colLabels[c] + ": " + (v <= MASKED ? "-1e9 (masked)" : v);
      });
      row.append(cell);
    }
    body.append(row);
  }
  return el("div", {}, el("h3", {}, view.caption || ""), el("table", { className: "heat" }, el("thead", {}, head), body));
}

function renderDetail() {
  const tables = document.getElementById("detail-tables");
  tables.replaceChildren();
  document.getElementById("pointer").textContent = "";
  if (!state.block) return;
  const list = views(state.block.spec);
  document.getElementById("detail-title").textContent = list[0].title;
  if (list.length > 1) {
    list[0].caption = "weight";
    list[1].caption = "gradient";
  }

  for (const view of list) tables.append(heatTable(view));
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
  if (state.block) parts.push("block=" + state.block.id);
  history.replaceState(null, "", "#" + parts.join("&"));
}

function recall() {
  const wanted = new URLSearchParams(location.hash.slice(1));
  const sample = Number(wanted.get("sample"));
  if (Number.isInteger(sample) && sample >= 0 && sample < D.samples.length) state.sample = sample;
  const epoch = D.epochs.findIndex(e => String(e.epoch) === wanted.get("epoch"));
  if (epoch >= 0) state.epoch = epoch;
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

function arrow() { return el("div", { className: "arrow" }, "↓"); }

function drawModel() {
  const model = document.getElementById("model");
  const input = stage("Input", "", row("masked text", el("div", { className: "tokens", id: "input-tokens" })),
    row("input ids", el("span", { className: "ids", id: "input-ids" })),
    row("segment ids", el("span", { className: "ids", id: "segment-ids" })),
    row("masked positions", el("span", { className: "ids", id: "masked-positions" })));
  const e = "bert.embeddings.";
  const embedding = stage("Input embedding", "",
    row("weights", weight(e + "word_embeddings.weight", "tok"), weight(e + "position_embeddings.weight", "pos"), weight(e + "token_type_embeddings.weight", "seg")),
    row("embeddings", block("emb.tok_embed", "tok_embed", { act: "tok_embed" }), block("emb.pos_embed", "pos_embed", { act: "pos_embed" }),
      block("emb.seg_embed", "seg_embed", { act: "seg_embed" }), "=", block("emb.embedding", "embedding", { act: "embedding" })),
    C.embeddingLayerNorm
      ? row("LayerNorm", weight(e + "LayerNorm.weight", "γ"), weight(e + "LayerNorm.bias", "β"), block("emb.embedding_norm", "embedding_norm", { act: "embedding_norm" }))
      : row("LayerNorm", el("span", { className: "ids" }, "none (embeddingLayerNorm false)")),
    row("mask", block("emb.attn_mask", "attn_mask", { act: "attn_mask" })));
  model.append(input, arrow(), embedding);
  for (let l = 0; l < C.layers; l++) {
    const p = "bert.encoder.layer." + l + ".";
    const a = (name, label) => block("L" + l + "." + name, label || name, { act: name, layer: l });
    const heads = el("div", { className: "row" }, el("span", { className: "row-label" }, "heads"));
    for (let h = 0; h < H; h++) {
      const hb = name => block("L" + l + ".h" + h + "." + name, name, { act: name, layer: l, head: h });
      heads.append(el("div", { className: "head" }, el("h3", {}, "h" + h), hb("q_s"), hb("k_s"), hb("v_s"), hb("scores"), hb("attn"), hb("ctx")));
    }
    model.append(arrow(), stage("Encoder layer " + l, "layer",
      row("q, k, v", weight(p + "attention.self.query.weight", "W_Q"), weight(p + "attention.self.key.weight", "W_K"), weight(p + "attention.self.value.weight", "W_V"), a("q"), a("k"), a("v")),
      heads,
      row("output", a("context"), weight(p + "attention.output.dense.weight", "W_O"), a("attn_output")),
      row("Add & Norm", weight(p + "attention.output.LayerNorm.weight", "γ"), weight(p + "attention.output.LayerNorm.bias", "β"), a("mha")),
      row("feed-forward", weight(p + "intermediate.dense.weight", "W_1"), a("ffn_hidden"), a("ffn_gelu"), weight(p + "output.dense.weight", "W_2"),
        ...(C.ffnAddNorm ? [a("ffn_output"), weight(p + "output.LayerNorm.weight", "γ"), weight(p + "output.LayerNorm.bias", "β")] : [])),
      row("output", a("enc_output"))));
  }
  const o = (name, label) => block("out." + name, label || name, { act: name });
  const nsp = stage("IsNext", "", row("pooler", o("h_cls"), weight("bert.pooler.dense.weight", "W_pool"), o("h_pooled")),
    row("classifier", weight("cls.seq_relationship.weight", "W_cls"), o("logits_clsf"), o("probs_clsf"), o("pred_clsf")),
    row("prediction", el("span", { className: "ids", id: "nsp-prediction" })));
  const mlm = stage("Masked words", "", row("gather", o("h_masked")),
    row("transform", weight("cls.predictions.transform.dense.weight", "W_t"), o("mlm_dense"), o("mlm_gelu"),
      weight("cls.predictions.transform.LayerNorm.weight", "γ"), o("mlm_norm")),
    row("decoder", weight("bert.embeddings.word_embeddings.weight", "tok (tied)"), weight("cls.predictions.bias", "bias"), o("logits_lm"), o("probs_lm"), o("pred_lm")),
    row("prediction", el("span", { className: "ids", id: "mlm-prediction" })));
  model.append(arrow(), stage("Output layer", "", el("div", { className: "row" }, nsp, mlm)));
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

function renderChart() {
  const svg = document.getElementById("loss-chart");
  const ns = "http://www.w3.org/2000/svg";
  const m = D.metrics;
  const make = (tag, attrs) => { const node = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v); return node; };
  svg.replaceChildren();
  if (m.epoch.length === 0) return;
  const all = [...m.loss, ...m.mlm, ...m.nsp].filter(v => v > 0 && isFinite(v));
  const lo = Math.log10(Math.min(...all)), hi = Math.log10(Math.max(...all));
  const last = m.epoch[m.epoch.length - 1];
  const x = e => 50 + 570 * (e / Math.max(1, last));
  const y = v => 10 + 160 * (hi - Math.log10(Math.max(v, 1e-12))) / Math.max(1e-9, hi - lo);
  svg.append(make("line", { x1: 50, y1: 170, x2: 620, y2: 170, stroke: "#8c959f" }), make("line", { x1: 50, y1: 10, x2: 50, y2: 170, stroke: "#8c959f" }));
  for (const [label, value] of [[Math.pow(10, hi).toPrecision(2), 10], [Math.pow(10, lo).toPrecision(2), 170]]) {
    const text = make("text", { x: 4, y: value + 4, "font-size": 10, fill: "#57606a" });
    text.textContent = label;
    svg.append(text);
  }
  [["loss", "#1b1f23", "total"], ["mlm", "#0969da", "MLM"], ["nsp", "#bc4c00", "NSP"]].forEach(([key, colour, name], i) => {
    // A loss that is not finite (a run that diverged) is written as null and left out of the line.
    const points = m.epoch.map((e, j) => [e, m[key][j]]).filter(([, v]) => v !== null && isFinite(v));
    svg.append(make("polyline", { fill: "none", stroke: colour, "stroke-width": 1.2, points: points.map(([e, v]) => x(e).toFixed(1) + "," + y(v).toFixed(1)).join(" ") }));
    const text = make("text", { x: 520, y: 20 + 12 * i, "font-size": 11, fill: colour });
    text.textContent = name;
    svg.append(text);
  });
  const epoch = D.epochs[state.epoch].epoch;
  svg.append(make("line", { id: "epoch-marker", x1: x(epoch), y1: 10, x2: x(epoch), y2: 170, stroke: "#cf222e", "stroke-dasharray": "3 3" }));
  const label = make("text", { x: x(epoch) > 560 ? x(epoch) - 3 : x(epoch) + 3, y: 185, "font-size": 10, fill: "#cf222e", "text-anchor": x(epoch) > 560 ? "end" : "start" });
  label.textContent = "epoch " + epoch;
  svg.append(label);
}

function render() {
  remember();
  const epoch = D.epochs[state.epoch];
  document.getElementById("epoch-value").textContent = String(epoch.epoch);
  document.getElementById("epoch-loss").textContent = epoch.loss === null ? "loss not finite" : "loss " + epoch.loss.toFixed(4);
  renderInput();
  renderDetail();
  renderSummary();
  renderChart();
}

function start() {
  document.getElementById("run-name").textContent = D.run;
  document.getElementById("config-line").textContent = C.name + ": " + C.layers + " layers, " + H + " heads of " + DK + ", dModel " + C.dModel +
    ", dFF " + C.dFF + ", maxLen " + T + ", maxPred " + P + ", vocabulary " + C.vocabSize + "; captured epochs " + D.epochs.map(e => e.epoch).join(", ");
  const sample = document.getElementById("sample");
  D.samples.forEach((s, i) => sample.append(el("option", { value: String(i) }, i + ": " + s.text)));
  const wantedBlock = recall();
  sample.value = String(state.sample);
  sample.addEventListener("change", () => { state.sample = Number(sample.value); render(); });
  const slider = document.getElementById("epoch");
  slider.max = String(D.epochs.length - 1);
  slider.value = String(state.epoch);
  slider.addEventListener("input", () => { state.epoch = Number(slider.value); render(); });
  drawModel();
  render();
  const initial = wantedBlock && document.querySelector("[data-block='" + CSS.escape(wantedBlock) + "']");
  if (initial) initial.click();
}

start();
