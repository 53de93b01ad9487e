// align review: the page. Plain JavaScript, no build step.
// Document text only ever enters the page through textContent / createTextNode, never as HTML.
// Only the rows in view are in the DOM (virtual scrolling with measured row heights), so a
// 20,000-row pair opens and scrolls like a short one.
"use strict";
(function () {
  const TOKEN = document.querySelector('meta[name="align-token"]').content;
  const $ = (id) => document.getElementById(id);
  const OVERSCAN = 6;
  const S = {            // the state, as the server sent it and as actions changed it
    revision: 0, src: null, tgt: null, rows: [], edits: {src: {}, tgt: {}}, divs: [],
    low: 0.6, undo: 0, redo: 0, stale: false,
  };
  const NONE = [];                        // the shared empty list
  let srcDivs = [], tgtDivs = [];          // sentence index -> divergence indices
  let srcPara = [], tgtPara = [];          // sentence starts a paragraph?
  let problems = [];                       // row indices that need review, ascending
  let view = [];                           // row indices shown (all rows, or the problems)
  let offsets = new Float64Array(1);       // top of each view position, and the total height
  let offsetsDirty = true;
  let rendered = new Map();                // view position -> element
  let focus = {r: 0, side: "src", k: 0};
  let queue = Promise.resolve();
  let charWidth = 7.6, lineHeight = 21.75;
  const scroller = $("scroller"), rowsEl = $("rows");

  // ---- server -------------------------------------------------------------------------------
  async function api(path, options) {
    const opts = Object.assign({headers: {}}, options || {});
    opts.headers["X-Align-Token"] = TOKEN;
    const res = await fetch(path, opts);
    let body = null;
    try { body = await res.json(); } catch (e) { body = {error: "the server answered " + res.status}; }
    return {status: res.status, body};
  }

  async function load() {
    const t0 = performance.now();
    const {status, body} = await api("/api/state");
    const t1 = performance.now();
    if (status !== 200) { banner(body.error || "cannot load the review file"); return; }
    S.revision = body.revision; S.src = body.source; S.tgt = body.target; S.rows = body.links;
    S.edits = body.edits; S.divs = body.divergences; S.low = body.low_confidence;
    S.undo = body.undo; S.redo = body.redo; S.stale = false;
    $("banner").hidden = true;
    document.title = body.file + " — align review";
    $("title").textContent = body.file;
    $("src-head").textContent = "source: " + S.src.document + " (" + S.src.lang + ")";
    $("tgt-head").textContent = "target: " + S.tgt.document + " (" + S.tgt.lang + ")";
    const fmt = $("format");
    fmt.textContent = "";
    for (const f of body.formats) { const o = document.createElement("option"); o.value = f; o.textContent = f; fmt.appendChild(o); }
    srcDivs = indexDivs("src", S.src.sentences.length);
    tgtDivs = indexDivs("tgt", S.tgt.sentences.length);
    srcPara = paraStarts(S.src.sentences); tgtPara = paraStarts(S.tgt.sentences);
    measureFont();
    focus = {r: Math.min(focus.r, S.rows.length - 1), side: "src", k: 0};
    refresh(true);
    document.body.dataset.revision = S.revision;
    document.body.dataset.ready = "1";
    window.alignReview.loadMs = {fetch: t1 - t0, setup: performance.now() - t1};
  }

  function indexDivs(side, n) {
    const out = new Array(n).fill(NONE);  // shared empty list; a sentence with divergences gets its own
    S.divs.forEach((d, k) => {
      for (const i of d[side] || []) if (i >= 0 && i < n) (out[i] === NONE ? (out[i] = []) : out[i]).push(k);
    });
    return out;
  }
  function paraStarts(sents) { return sents.map((s, i) => i > 0 && s[1] !== sents[i - 1][1]); }

  function act(name, argsFn) {
    // actions run one after the other; arguments are read when it is this action's turn
    queue = queue.then(async () => {
      if (S.stale) return;
      const args = argsFn ? argsFn() : {};
      if (args === null) return;
      const t0 = performance.now();
      let res;
      try {
        res = await api("/api/action", {method: "POST", headers: {"Content-Type": "application/json"},
          body: JSON.stringify({action: name, args, revision: S.revision})});
      } catch (e) {
        banner("The server does not answer: is `align review` still running? Your earlier actions are saved.");
        return;
      }
      if (res.status === 409) { S.stale = true; banner(res.body.error, true); return; }
      if (res.status !== 200) { flash(res.body.error || "failed"); return; }
      const t1 = performance.now();
      applyChange(res.body);
      window.alignReview.applyMs.push(performance.now() - t1);
      window.alignReview.lastActionMs = performance.now() - t0;
      window.alignReview.actions += 1;
    });
    return queue;
  }

  function applyChange(c) {
    S.rows.splice(c.at, c.remove, ...c.rows);
    for (const t of c.texts) {
      if (t.text === null) delete S.edits[t.side][String(t.i)]; else S.edits[t.side][String(t.i)] = t.text;
      const r = rowOf(t.side, t.i);
      if (r >= 0) delete S.rows[r]._h;  // the new text may take more or fewer lines
    }
    S.revision = c.revision; S.undo = c.undo; S.redo = c.redo;
    document.body.dataset.revision = S.revision;
    if (c.rows.length) focus = {r: c.at, side: focus.side, k: 0};
    else if (c.texts.length) focus = {r: rowOf(c.texts[0].side, c.texts[0].i), side: c.texts[0].side, k: 0};
    focus.r = Math.max(0, Math.min(focus.r, S.rows.length - 1));
    refresh(true);
    scrollToRow(focus.r);
  }

  function rowOf(side, i) { return S.rows.findIndex((r) => r[side].includes(i)); }

  // ---- what a row needs -----------------------------------------------------------------------
  // rows are replaced, never changed, by actions: what is worked out about a row is kept on it
  function rowDivs(row) {
    if (row._d === undefined) {
      let seen = null;
      for (const i of row.src) for (const k of srcDivs[i]) (seen = seen || new Set()).add(k);
      for (const j of row.tgt) for (const k of tgtDivs[j]) (seen = seen || new Set()).add(k);
      row._d = seen ? [...seen].sort((a, b) => a - b) : NONE;
    }
    return row._d;
  }
  function needsReview(row) {
    if (row._p === undefined)
      row._p = row.status === "auto" && (row.score === null || row.score < S.low || rowDivs(row).length > 0);
    return row._p;
  }
  function confidence(row) {
    if (row.status === "confirmed") return "confirmed";
    if (row.score === null) return "edited";
    if (!row.src.length || !row.tgt.length) return "low";
    return row.score >= 0.8 ? "high" : row.score >= S.low ? "mid" : "low";
  }
  function text(side, i) {
    const e = S.edits[side][String(i)];
    return e !== undefined ? e : (side === "src" ? S.src : S.tgt).sentences[i][0];
  }

  // ---- rendering ------------------------------------------------------------------------------
  function measureFont() {
    const probe = document.createElement("span");
    probe.className = "s"; probe.style.visibility = "hidden"; probe.style.position = "absolute";
    probe.textContent = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ 0123456789";
    rowsEl.appendChild(probe);
    const r = probe.getBoundingClientRect();
    charWidth = r.width / probe.textContent.length || charWidth;
    lineHeight = r.height || lineHeight;
    probe.remove();
  }

  let perLine = 0;  // characters in a line of a cell, for height estimates (reset on resize)
  function estimate(row) {
    if (!perLine) {
      const cellWidth = Math.max(120, (scroller.clientWidth - 3.2 * 15 - 15 * 15) / 2 - 20);
      perLine = Math.max(10, Math.floor(cellWidth / charWidth));
    }
    const lines = (side) => {
      let chars = 0;
      for (const i of row[side]) chars += text(side, i).length + 3;
      return Math.max(1, Math.ceil(chars / perLine));
    };
    return Math.max(lines("src"), lines("tgt"), 2) * lineHeight + 10;
  }

  function refresh(changed) {
    if (changed) {
      problems = [];
      S.rows.forEach((row, r) => { if (needsReview(row)) problems.push(r); });
      view = $("filter").checked ? problems.slice() : S.rows.map((_, r) => r);
      offsetsDirty = true;
      for (const el of rendered.values()) el.remove();
      rendered.clear();
      updateBar();
    }
    render();
    showDetail();
  }

  function computeOffsets(from) {
    // prefix sums of the row heights; after a measurement only the part below the first change is redone
    if (!offsetsDirty && from === undefined) return;
    let v0 = 0;
    if (offsetsDirty || offsets.length !== view.length + 1) offsets = new Float64Array(view.length + 1);
    else v0 = from;
    for (let v = v0; v < view.length; v++) {
      const row = S.rows[view[v]];
      if (row._h === undefined) row._h = estimate(row);
      offsets[v + 1] = offsets[v] + row._h;
    }
    rowsEl.style.height = offsets[view.length] + "px";
    offsetsDirty = false;
  }

  function positionAt(y) {  // the view position whose row covers y
    let lo = 0, hi = view.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (offsets[mid] <= y) lo = mid; else hi = mid - 1; }
    return Math.max(0, lo);
  }

  let viewportHeight = 0;
  function render() {
    const t0 = performance.now();
    renderPasses();
    window.alignReview.renderMs.push(performance.now() - t0);
    if (window.alignReview.renderMs.length > 5000) window.alignReview.renderMs.splice(0, 1000);
  }

  function renderPasses() {
    computeOffsets();
    if (!view.length) { for (const e of rendered.values()) e.remove(); rendered.clear(); return; }
    if (!viewportHeight) viewportHeight = scroller.clientHeight;
    let top = scroller.scrollTop;  // read once: every read after a DOM change forces a layout
    for (let pass = 0; pass < 3; pass++) {
      const first = Math.max(0, positionAt(top) - OVERSCAN);
      const last = Math.min(view.length - 1, positionAt(top + viewportHeight) + OVERSCAN);
      for (const [v, e] of rendered) if (v < first || v > last) { e.remove(); rendered.delete(v); }
      const fresh = [], batch = document.createDocumentFragment();
      for (let v = first; v <= last; v++) {
        if (!rendered.has(v)) { const e = buildRow(v); rendered.set(v, e); batch.appendChild(e); fresh.push(v); }
      }
      if (!fresh.length) break;
      rowsEl.appendChild(batch);
      // measure what was just built (one layout); rows above the viewport that changed height shift the view
      let shiftAbove = 0, firstChange = -1;
      const heights = fresh.map((v) => rendered.get(v).offsetHeight);
      fresh.forEach((v, n) => {
        const row = S.rows[view[v]], h = heights[n];
        if (Math.abs(h - row._h) > 0.5) {
          if (offsets[v + 1] <= top) shiftAbove += h - row._h;
          row._h = h;
          if (firstChange < 0 || v < firstChange) firstChange = v;
        }
      });
      if (firstChange < 0) break;
      computeOffsets(firstChange);
      if (shiftAbove) { top += shiftAbove; scroller.scrollTop = top; }
    }
    for (const [v, e] of rendered) {
      if (e._y !== offsets[v]) { e._y = offsets[v]; e.style.transform = "translateY(" + offsets[v] + "px)"; }
    }
  }

  function el(tag, cls, txt) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined) e.textContent = txt;
    return e;
  }
  function button(act, label, title) {
    const b = el("button", null, label); b.dataset.act = act; b.title = title; b.type = "button"; return b;
  }

  function buildRow(v) {
    const r = view[v], row = S.rows[r];
    const div = el("div", "row " + confidence(row));
    if (needsReview(row)) div.classList.add("problem");
    if (r === focus.r) div.classList.add("focus");
    div.dataset.r = r;
    div.appendChild(el("div", "n", String(r + 1)));
    for (const side of ["src", "tgt"]) {
      const cell = el("div", "cell " + side);
      const ids = row[side];
      if (!ids.length) cell.classList.add("empty");
      if (ids.length && (side === "src" ? srcPara : tgtPara)[ids[0]]) cell.classList.add("pbreak");
      if (r === focus.r && focus.side === side) cell.classList.add("selside");
      ids.forEach((i, k) => {
        if (k) cell.appendChild(document.createTextNode(" "));
        const s = el("span", "s", text(side, i));
        s.dataset.side = side; s.dataset.k = k;
        if ((side === "src" ? srcPara : tgtPara)[i] && k > 0) s.classList.add("pstart");
        if (S.edits[side][String(i)] !== undefined) {
          s.classList.add("edited");
          s.title = "edited; original: " + (side === "src" ? S.src : S.tgt).sentences[i][0];
        }
        if (r === focus.r && focus.side === side && focus.k === k) s.classList.add("sel");
        cell.appendChild(s);
      });
      if (ids.length && r === focus.r) {  // tools only on the selected row: fewer nodes to build and lay out
        const tools = el("span", "side-tools");
        tools.append(button("up-" + side, "↑", "Move the first sentence to the row above (Shift+↑)"),
                     button("down-" + side, "↓", "Move the last sentence to the row below (Shift+↓)"),
                     button("unlink-" + side, "∅", "This sentence has no counterpart (x)"),
                     button("edit-" + side, "✎", "Edit the text (e)"));
        cell.appendChild(tools);
      }
      div.appendChild(cell);
    }
    const meta = el("div", "meta");
    const conf = confidence(row);
    meta.appendChild(el("span", "score", row.score === null ? "—" : row.score.toFixed(2)));
    meta.appendChild(el("span", "status", row.status === "confirmed" ? "✓ confirmed" : row.status === "edited" ? "edited" : ""));
    meta.appendChild(el("span", "kind", row.src.length + "-" + row.tgt.length));
    meta.title = "confidence: " + conf;
    const badges = el("div", "badges");
    for (const k of rowDivs(row)) {
      const d = S.divs[k];
      const b = el("span", "badge " + d.severity, d.kind);
      b.title = d.message;
      badges.appendChild(b);
    }
    meta.appendChild(badges);
    if (r === focus.r) {
      const tools = el("div", "tools");
      tools.append(button("confirm", row.status === "confirmed" ? "unconfirm" : "✓ confirm", "Confirm this row (c, Space)"),
                   button("merge-prev", "merge ↑", "Merge with the previous row (Shift+M)"),
                   button("merge-next", "merge ↓", "Merge with the next row (m)"),
                   button("split", "split", "Split after the selected sentence (s)"));
      meta.appendChild(tools);
    }
    div.appendChild(meta);
    return div;
  }

  function updateBar() {
    const confirmed = S.rows.reduce((n, r) => n + (r.status === "confirmed"), 0);
    $("stats").textContent = S.rows.length + " rows · " + problems.length + " need review · " + confirmed + " confirmed";
    $("undo").disabled = !S.undo || S.stale; $("redo").disabled = !S.redo || S.stale;
  }

  function showDetail(message) {
    const d = $("detail");
    d.textContent = "";
    if (message) d.appendChild(el("div", "msg flash", message));
    const row = S.rows[focus.r];
    if (!row) return;
    const head = "Row " + (focus.r + 1) + " of " + S.rows.length + " · " + row.src.length + "-" + row.tgt.length +
      " · " + (row.score === null ? "no aligner score (made by the reviewer)" : "confidence " + row.score.toFixed(3)) +
      " · " + row.status + (needsReview(row) ? " · needs review" : "");
    d.appendChild(el("div", "msg", head));
    for (const k of rowDivs(row)) {
      const dv = S.divs[k];
      const line = el("div", "msg");
      line.appendChild(el("span", "badge " + dv.severity, dv.kind));
      line.appendChild(document.createTextNode(" " + dv.message));
      d.appendChild(line);
    }
    if (row.status === "auto" && (!row.src.length || !row.tgt.length))
      d.appendChild(el("div", "msg", "The aligner found no counterpart for this sentence on the other side."));
    else if (row.score !== null && row.score < S.low && row.status === "auto")
      d.appendChild(el("div", "msg", "The aligner is not sure of this link (confidence below " + S.low + ")."));
  }

  function flash(message) { showDetail(message); }

  function banner(message, reload) {
    const b = $("banner");
    b.textContent = message;
    if (reload) {
      const btn = el("button", null, "Reload");
      btn.addEventListener("click", () => load());
      b.appendChild(btn);
    }
    b.hidden = false;
    updateBar();
  }

  // ---- focus and scrolling --------------------------------------------------------------------
  function setFocus(r, side, k) {
    if (r < 0 || r >= S.rows.length) return;
    const ids = S.rows[r][side || focus.side];
    focus = {r, side: side || focus.side, k: Math.max(0, Math.min(k || 0, Math.max(0, ids.length - 1)))};
    if (!S.rows[r][focus.side].length) {
      const other = focus.side === "src" ? "tgt" : "src";
      if (S.rows[r][other].length && side === undefined) focus.side = other;
    }
    for (const e of rendered.values()) e.remove();
    rendered.clear();
    scrollToRow(r);
    render();
    showDetail();
  }

  function scrollToRow(r) {
    let v = view.indexOf(r);
    if (v < 0) return;
    computeOffsets();
    const top = offsets[v], bottom = offsets[v + 1], st = scroller.scrollTop, h = scroller.clientHeight;
    if (top < st) scroller.scrollTop = top - 40;
    else if (bottom > st + h) scroller.scrollTop = bottom - h + 40;
    render();
  }

  function moveFocus(delta) {
    if (!view.length) return;
    let v = view.indexOf(focus.r);
    if (v < 0) v = nearestView(focus.r);
    v = Math.max(0, Math.min(view.length - 1, v + delta));
    setFocus(view[v], undefined, 0);
  }
  function nearestView(r) {
    let lo = 0; while (lo < view.length && view[lo] < r) lo++;
    return Math.min(lo, view.length - 1);
  }

  function problem(direction) {
    if (!problems.length) { flash("No row needs review."); return; }
    let target = direction > 0 ? problems.find((r) => r > focus.r) : [...problems].reverse().find((r) => r < focus.r);
    if (target === undefined) {
      target = direction > 0 ? problems[0] : problems[problems.length - 1];
      setFocus(target, undefined, 0);
      flash("Wrapped around: " + (direction > 0 ? "first" : "last") + " problem.");
      return;
    }
    setFocus(target, undefined, 0);
  }

  // ---- actions from keys and buttons -----------------------------------------------------------
  const selected = () => S.rows[focus.r][focus.side][focus.k];

  function splitArgs() {
    const row = S.rows[focus.r], side = focus.side, other = side === "src" ? "tgt" : "src";
    const mine = row[side].length, theirs = row[other].length;
    const a = Math.min(focus.k + 1, mine);
    let b = mine ? Math.round(theirs * a / mine) : 0;
    if (a === mine) b = Math.min(b, theirs - 1);
    if (b < 0) b = 0;
    return side === "src" ? {row: focus.r, src: a, tgt: b} : {row: focus.r, src: b, tgt: a};
  }

  function openEditor() {
    const side = focus.side, i = selected();
    if (i === undefined || S.stale) return;
    const original = (side === "src" ? S.src : S.tgt).sentences[i][0];
    $("editor-title").textContent = "Edit " + (side === "src" ? "source" : "target") + " sentence " + (i + 1) +
      " (row " + (focus.r + 1) + ")";
    $("editor-text").value = text(side, i);
    $("editor-original").textContent = "Original: " + original;
    $("editor").hidden = false;
    $("editor").dataset.side = side; $("editor").dataset.i = i;
    $("editor-text").focus();
  }
  function closeEditor(save) {
    const box = $("editor");
    if (box.hidden) return;
    box.hidden = true;
    if (save) {
      const side = box.dataset.side, i = Number(box.dataset.i), value = $("editor-text").value;
      act("edit", () => ({side, sentence: i, text: value}));
    }
    scroller.focus();
  }

  const DO = {
    "merge-next": () => act("merge", () => ({row: focus.r, with: "next"})),
    "merge-prev": () => act("merge", () => ({row: focus.r, with: "previous"})),
    "split": () => act("split", splitArgs),
    "confirm": () => act("confirm", () => ({row: focus.r})),
    "up": () => act("move", () => ({row: focus.r, side: focus.side, direction: "up"})),
    "down": () => act("move", () => ({row: focus.r, side: focus.side, direction: "down"})),
    "unlink": () => act("unlink", () => ({row: focus.r, side: focus.side, sentence: selected()})),
    "edit": openEditor,
    "undo": () => act("undo"),
    "redo": () => act("redo"),
  };

  rowsEl.addEventListener("click", (ev) => {
    const rowEl = ev.target.closest(".row");
    if (!rowEl) return;
    const r = Number(rowEl.dataset.r);
    const b = ev.target.closest("button");
    const s = ev.target.closest(".s");
    const cell = ev.target.closest(".cell");
    if (s) setFocus(r, s.dataset.side, Number(s.dataset.k));
    else if (cell && !b) setFocus(r, cell.classList.contains("src") ? "src" : "tgt", 0);
    else if (r !== focus.r) setFocus(r, focus.side, 0);
    if (b) {
      const [name, side] = b.dataset.act.split(/-(src|tgt)$/);
      if (side && side !== focus.side) setFocus(r, side, 0);
      DO[name]();
    }
  });
  rowsEl.addEventListener("dblclick", (ev) => { if (ev.target.closest(".s")) openEditor(); });

  document.addEventListener("keydown", (ev) => {
    if (!$("editor").hidden) {
      if (ev.key === "Escape") { ev.preventDefault(); closeEditor(false); }
      else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); closeEditor(true); }
      return;
    }
    if (!$("help").hidden) { if (ev.key === "Escape" || ev.key === "?") $("help").hidden = true; return; }
    const tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") return;
    const k = ev.key, ctrl = ev.ctrlKey || ev.metaKey;
    let handled = true;
    if (ctrl && (k === "z" || k === "Z")) (ev.shiftKey ? DO.redo : DO.undo)();
    else if (ctrl && (k === "y" || k === "Y")) DO.redo();
    else if (ctrl || ev.altKey) handled = false;
    else if (ev.shiftKey && k === "ArrowUp") DO.up();
    else if (ev.shiftKey && k === "ArrowDown") DO.down();
    else if (k === "ArrowDown" || k === "j") moveFocus(1);
    else if (k === "ArrowUp" || k === "k") moveFocus(-1);
    else if (k === "PageDown") moveFocus(10);
    else if (k === "PageUp") moveFocus(-10);
    else if (k === "Home") setFocus(view[0], undefined, 0);
    else if (k === "End") setFocus(view[view.length - 1], undefined, 0);
    else if (k === "ArrowLeft") setFocus(focus.r, "src", 0);
    else if (k === "ArrowRight") setFocus(focus.r, "tgt", 0);
    else if (k === "Tab") tabSentence(ev.shiftKey ? -1 : 1);
    else if (k === "n") problem(1);
    else if (k === "p") problem(-1);
    else if (k === "f") { $("filter").checked = !$("filter").checked; filterChanged(); }
    else if (k === "m") DO["merge-next"]();
    else if (k === "M") DO["merge-prev"]();
    else if (k === "s") DO.split();
    else if (k === "x") DO.unlink();
    else if (k === "e" || k === "Enter" || k === "F2") DO.edit();
    else if (k === "c" || k === " ") DO.confirm();
    else if (k === "u") DO.undo();
    else if (k === "U") DO.redo();
    else if (k === "?") $("help").hidden = false;
    else handled = false;
    if (handled) ev.preventDefault();
  });

  function tabSentence(delta) {
    const row = S.rows[focus.r];
    const all = row.src.map((_, k) => ["src", k]).concat(row.tgt.map((_, k) => ["tgt", k]));
    if (!all.length) return;
    let p = all.findIndex(([s, k]) => s === focus.side && k === focus.k);
    p = (p + delta + all.length) % all.length;
    setFocus(focus.r, all[p][0], all[p][1]);
  }

  function filterChanged() {
    refresh(true);
    if (view.length && !view.includes(focus.r)) focus.r = view[nearestView(focus.r)];
    scroller.scrollTop = 0;
    scrollToRow(focus.r);
    showDetail();
  }

  $("filter").addEventListener("change", filterChanged);
  $("next").addEventListener("click", () => problem(1));
  $("prev").addEventListener("click", () => problem(-1));
  $("undo").addEventListener("click", DO.undo);
  $("redo").addEventListener("click", DO.redo);
  $("help-button").addEventListener("click", () => { $("help").hidden = false; });
  $("help-close").addEventListener("click", () => { $("help").hidden = true; });
  $("editor-save").addEventListener("click", () => closeEditor(true));
  $("editor-cancel").addEventListener("click", () => closeEditor(false));
  $("export").addEventListener("click", (ev) => {
    const q = new URLSearchParams({format: $("format").value, token: TOKEN});
    if ($("confirmed-only").checked) q.set("confirmed", "1");
    ev.currentTarget.href = "/api/export?" + q.toString();
  });

  let ticking = false;
  scroller.addEventListener("scroll", () => {
    if (ticking) return;
    ticking = true;
    requestAnimationFrame(() => { ticking = false; render(); });
  }, {passive: true});
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      viewportHeight = 0; perLine = 0;
      for (const row of S.rows) delete row._h;
      refresh(true);
    }, 100);
  });
  // a tab coming back to the front checks that no other tab changed the file meanwhile
  document.addEventListener("visibilitychange", async () => {
    if (document.hidden || S.stale || !S.src) return;
    const {status, body} = await api("/api/revision");
    if (status === 200 && body.revision !== S.revision) {
      S.stale = true;
      banner("This file was changed in another tab or window. Reload to see its current state.", true);
    }
  });

  window.alignReview = {actions: 0, renderMs: [], applyMs: [], act, state: S, view: () => view, rendered: () => rendered.size,
    focus: (r, side, k) => setFocus(r, side, k), focused: () => Object.assign({}, focus)};
  load().then(() => scroller.focus());
})();
