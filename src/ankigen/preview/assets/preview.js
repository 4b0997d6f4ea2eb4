// ankigen preview: lists every card in a frame that reproduces Anki's reviewer (the note type's CSS, the
// reviewer's body classes for night mode, MathJax 3.2.2 set up as Anki sets it up), and keeps it current.
// Loads nothing from the network: the data comes from cards.js (and, when live, /cards.json after each
// server-sent "build" event).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const frame = $("pv-frame");
  const live = document.body.dataset.live === "true";
  const state = { doc: window.AG_PREVIEW, side: "back", theme: "day", width: "phone", flipped: new Set(),
                  typesetQueue: [], typesetting: null, mathErrors: new Map(), generation: 0, shownKeys: [] };
  let fdoc = null, fwin = null, observer = null;
  let readyResolve;
  const ready = new Promise((ok) => { readyResolve = ok; });

  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  // the same normalisation as --tag: "/" or "::" between levels, blanks around levels dropped, any case
  const tagKey = (raw) => raw.split(/::|\//).map((s) => s.trim()).filter(Boolean).join("::").toLowerCase();
  const plain = (html) => html.replace(/<[^>]*>/g, " ").replace(/&nbsp;/g, " ").replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&amp;/g, "&").replace(/\s+/g, " ").toLowerCase();

  function sideOf(card) {
    const flipped = state.flipped.has(card.key);
    return (state.side === "back") !== flipped ? "back" : "front";
  }

  // ---------------------------------------------------------------------------------------- the frame
  function cardElement(card) {
    const el = fdoc.createElement("article");
    el.className = "pv-card";
    el.id = "card-" + card.key;
    el.dataset.key = card.key;
    fill(el, card);
    return el;
  }

  function fill(el, card) {
    const diags = (state.byCard.get(card.key) || []);
    const side = sideOf(card);
    const badges = diags.map((d) => `<span class="pv-badge" data-severity="${d.severity}" title="${esc(d.message)}">${esc(d.code)}</span>`).join("");
    const ord = card.kind === "cloze" ? ` <span class="pv-ord">c${card.ord}</span>` : "";
    const stale = card.stale ? '<span class="pv-badge" data-severity="stale" title="this file does not build now; these are its last good cards">last good</span>' : "";
    const notes = diags.length ? `<ul class="pv-notes">${diags.map((d) => `<li>${esc(d.text)}</li>`).join("")}</ul>` : "";
    el.dataset.hash = card.hash;
    el.dataset.side = side;
    el.dataset.id = card.id;
    el.dataset.path = card.path;
    el.innerHTML = `<div class="pv-label"><span class="pv-where">${esc(card.path)}:${card.line}</span>` +
      `<span class="pv-id">${esc(card.id)}</span>${ord}${badges}${stale}` +
      `<button type="button" class="pv-flip" title="show the other side">${side === "back" ? "Front" : "Back"}</button></div>` +
      notes + `<div class="card card${card.kind === "cloze" ? card.ord : 1}" data-side="${side}">${side === "back" ? card.back : card.front}</div>`;
    el.querySelector(".pv-flip").addEventListener("click", () => {
      if (state.flipped.has(card.key)) state.flipped.delete(card.key); else state.flipped.add(card.key);
      refill(card);
    });
    el.dataset.typeset = "pending";
    state.mathErrors.delete(card.key);
    if (observer) observer.observe(el);
  }

  function refill(card) {
    const el = fdoc.getElementById("card-" + card.key);
    if (!el) return;
    const box = el.querySelector(".card");
    if (box && fwin.MathJax && fwin.MathJax.typesetClear) fwin.MathJax.typesetClear([box]);
    fill(el, card);
  }

  // MathJax runs one typeset at a time, on the cards that scroll into view (or all of them, typesetAll)
  function queue(el) {
    if (el.dataset.typeset !== "pending") return;
    el.dataset.typeset = "queued";
    state.typesetQueue.push(el);
    pump();
  }

  function pump() {
    if (state.typesetting || !state.typesetQueue.length || !fwin.MathJax || !fwin.MathJax.typesetPromise) return;
    const batch = state.typesetQueue.splice(0, 12).filter((el) => el.isConnected && el.dataset.typeset === "queued");
    const boxes = batch.map((el) => el.querySelector(".card"));
    state.typesetting = fwin.MathJax.startup.promise
      .then(() => fwin.MathJax.typesetPromise(boxes))
      .catch((err) => { for (const el of batch) state.mathErrors.set(el.dataset.key, [String(err)]); })
      .then(() => {
        for (const el of batch) { el.dataset.typeset = "done"; checkMath(el); }
        state.typesetting = null;
        pump();
      });
  }

  function checkMath(el) {
    const problems = [];
    for (const c of el.querySelectorAll("mjx-container")) {
      const err = c.querySelector("[data-mjx-error]");
      if (err) problems.push(err.getAttribute("data-mjx-error"));
    }
    for (const m of el.querySelectorAll(".arithmatex"))
      if (!m.querySelector("mjx-container")) problems.push("not typeset: " + m.textContent.trim().slice(0, 80));
    if (problems.length) {
      state.mathErrors.set(el.dataset.key, problems);
      el.dataset.math = "error";
      const label = el.querySelector(".pv-label");
      if (label && !label.querySelector(".pv-badge[data-mathjax]"))
        label.insertAdjacentHTML("beforeend", `<span class="pv-badge" data-severity="error" data-mathjax title="${esc(problems.join("; "))}">MathJax</span>`);
    } else {
      delete el.dataset.math;
    }
    renderDiagnostics();
  }

  function typesetAll() {
    for (const el of fdoc.querySelectorAll(".pv-card:not([hidden])")) queue(el);
    return new Promise((ok) => {
      const wait = () => (state.typesetting || state.typesetQueue.length ? setTimeout(wait, 30) : ok(report()));
      wait();
    });
  }

  function report() {
    const cards = [...fdoc.querySelectorAll(".pv-card")];
    return {
      generation: state.generation,
      cards: cards.length,
      shown: cards.filter((el) => !el.hidden).map((el) => el.dataset.key),
      typeset: cards.filter((el) => el.dataset.typeset === "done").length,
      formulas: fdoc.querySelectorAll(".pv-card:not([hidden]) mjx-container").length,
      mathErrors: Object.fromEntries(state.mathErrors),
    };
  }

  // ------------------------------------------------------------------------------------------ the data
  function index(doc) {
    state.byCard = new Map();
    for (const d of doc.diagnostics) {
      if (!d.card) continue;
      if (!state.byCard.has(d.card)) state.byCard.set(d.card, []);
      state.byCard.get(d.card).push(d);
    }
  }

  function render(doc) {
    state.doc = doc;
    state.generation = doc.generation;
    index(doc);
    const list = fdoc.getElementById("pv-list");
    const existing = new Map([...list.children].map((el) => [el.dataset.key, el]));
    const changed = [];
    let before = null;
    for (const card of doc.cards) {
      let el = existing.get(card.key);
      if (el && el.dataset.hash === card.hash && sameDiags(el, card)) {
        existing.delete(card.key);
      } else if (el) {
        existing.delete(card.key);
        const box = el.querySelector(".card");
        if (box && fwin.MathJax && fwin.MathJax.typesetClear) fwin.MathJax.typesetClear([box]);
        fill(el, card);
        changed.push(card.key);
      } else {
        el = cardElement(card);
        changed.push(card.key);
      }
      const next = before ? before.nextSibling : list.firstChild;
      if (el !== next) list.insertBefore(el, next);
      before = el;
    }
    for (const el of existing.values()) el.remove();
    state.cards = new Map(doc.cards.map((c) => [c.key, c]));
    const text = new Map();
    for (const c of doc.cards) {
      const was = state.text && state.textHash.get(c.key) === c.hash ? state.text.get(c.key) : null;
      text.set(c.key, was ?? `${plain(c.front)} ${plain(c.back)} ${c.id} ${c.path}:${c.line}`.toLowerCase());
    }
    state.text = text;
    state.textHash = new Map(doc.cards.map((c) => [c.key, c.hash]));
    controls(doc);
    applyFilters();
    renderDiagnostics();
    status(doc);
    return changed;
  }

  function sameDiags(el, card) {
    const now = (state.byCard.get(card.key) || []).map((d) => d.text).join("\n");
    const was = [...el.querySelectorAll(".pv-notes li")].map((li) => li.textContent).join("\n");
    return now === was;
  }

  function controls(doc) {
    const deck = $("pv-deck");
    const chosen = deck.value;
    deck.innerHTML = '<option value="">All decks</option>' + doc.decks.map((d) => {
      const depth = d.split("::").length - 1;
      return `<option value="${esc(d)}">${"\u00a0\u00a0".repeat(depth)}${esc(d.split("::").pop())}</option>`;
    }).join("");
    deck.value = doc.decks.includes(chosen) ? chosen : "";
    $("pv-tags").innerHTML = Object.values(doc.tags).map((t) => `<option value="${esc(t.name.replaceAll("::", "/"))}">`).join("");
  }

  function tagCards(raw, option) {
    const keys = new Set();
    const unknown = [];
    for (const part of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
      const entry = state.doc.tags[tagKey(part)];
      if (entry) entry.cards.forEach((k) => keys.add(k)); else unknown.push(`${option}: no card has the tag '${part}'`);
    }
    return [keys, unknown];
  }

  function applyFilters() {
    if (!fdoc) return;
    const q = $("pv-search").value.trim().toLowerCase();
    const words = q ? q.split(/\s+/) : [];
    const deck = $("pv-deck").value;
    const tagRaw = $("pv-tag").value.trim();
    const [wanted, unknownTag] = tagCards(tagRaw, "--tag");
    const [unwanted, unknownExcl] = tagCards($("pv-exclude").value.trim(), "--exclude-tag");
    const note = $("pv-tag-note");
    const unknown = [...unknownTag, ...unknownExcl];
    note.hidden = !unknown.length;
    note.textContent = unknown.join("; ");
    let shown = 0;
    const keys = [];
    for (const el of fdoc.querySelectorAll(".pv-card")) {
      const key = el.dataset.key;
      const card = state.cards.get(key);
      const text = state.text.get(key) || "";
      const ok = (!words.length || words.every((w) => text.includes(w))) &&
        (!deck || card.deck === deck || card.deck.startsWith(deck + "::")) &&
        (!tagRaw || wanted.has(key)) && !unwanted.has(key);
      el.hidden = !ok;
      if (ok) { shown++; keys.push(key); }
    }
    state.shownKeys = keys;
    const total = state.doc.cards.length;
    $("pv-count").textContent = shown === total ? `${total} cards` : `${shown} of ${total} cards`;
  }

  function renderDiagnostics() {
    const doc = state.doc;
    const items = doc.usage_errors.map((u) => `<span class="pv-diag" data-severity="error"><b>usage</b> ${esc(u)}</span>`);
    for (const d of doc.diagnostics) {
      const text = `${esc(d.path)}:${d.line}:${d.col}: <b>${esc(d.code)}</b> ${esc(d.message)}`;
      items.push(d.card
        ? `<a class="pv-diag" data-severity="${d.severity}" href="#card-${esc(d.card)}" data-card="${esc(d.card)}">${text}</a>`
        : `<span class="pv-diag" data-severity="${d.severity}">${text}</span>`);
    }
    for (const [key, problems] of state.mathErrors) {
      const card = state.cards && state.cards.get(key);
      const where = card ? `${esc(card.path)}:${card.line}: ` : "";
      for (const p of problems)
        items.push(`<a class="pv-diag" data-severity="error" href="#card-${esc(key)}" data-card="${esc(key)}">${where}<b>MathJax</b> ${esc(p)} (in the browser)</a>`);
    }
    $("pv-diags").innerHTML = items.join("") || '<span class="pv-note">none</span>';
    const mj = [...state.mathErrors.values()].reduce((n, p) => n + p.length, 0);
    $("pv-summary").textContent = doc.summary + (mj ? ` MathJax in the browser: ${mj} error${mj === 1 ? "" : "s"}.` : "") +
      (doc.mathjax_skipped ? ` (formulas not checked: ${doc.mathjax_skipped})` : "");
  }

  function status(doc) {
    const s = doc.status || {};
    const out = $("pv-status");
    const banner = $("pv-banner");
    const stale = s.stale || [];
    banner.hidden = !stale.length && !doc.usage_errors.length;
    banner.textContent = stale.length
      ? `${stale.join(", ")} ${stale.length === 1 ? "does" : "do"} not build: showing ${stale.length === 1 ? "its" : "their"} last good cards; the errors are listed on the left.`
      : doc.usage_errors.join("; ");
    out.dataset.state = doc.errors ? "error" : "ok";
    const timing = s.elapsed !== undefined ? ` in ${Math.round(s.elapsed * 1000)} ms` + (s.compiled !== undefined ? `, ${s.compiled} file${s.compiled === 1 ? "" : "s"} compiled` : "") : "";
    out.textContent = live ? `build ${doc.generation}${timing} · ${doc.errors} errors, ${doc.warnings} warnings · live` : `${s.exported || "static export"}`;
  }

  function jump(key) {
    const el = fdoc.getElementById("card-" + key);
    if (!el) return;
    if (el.hidden) { $("pv-search").value = ""; $("pv-deck").value = ""; $("pv-tag").value = ""; $("pv-exclude").value = ""; applyFilters(); }
    for (const t of fdoc.querySelectorAll(".pv-target")) t.classList.remove("pv-target");
    el.classList.add("pv-target");
    el.scrollIntoView({ block: "start" });
    queue(el);
  }

  // ---------------------------------------------------------------------------------------- the toggles
  function setTheme(theme) {
    state.theme = theme;
    document.body.dataset.theme = theme;
    fdoc.body.classList.toggle("nightMode", theme === "night");
    fdoc.body.classList.toggle("night_mode", theme === "night");
    const first = fdoc.querySelector(".card");
    fdoc.body.style.backgroundColor = first ? fwin.getComputedStyle(first).backgroundColor : "";
  }
  function setWidth(width) { state.width = width; document.body.dataset.width = width; }
  function setSide(side) {
    state.side = side;
    state.flipped.clear();
    for (const card of state.doc.cards) refill(card);
    applyFilters();
  }

  function wire() {
    for (const id of ["pv-search", "pv-deck", "pv-tag", "pv-exclude"]) $(id).addEventListener("input", applyFilters);
    for (const r of document.querySelectorAll('input[name="side"]')) r.addEventListener("change", () => setSide(r.value));
    for (const r of document.querySelectorAll('input[name="theme"]')) r.addEventListener("change", () => setTheme(r.value));
    for (const r of document.querySelectorAll('input[name="width"]')) r.addEventListener("change", () => setWidth(r.value));
    $("pv-diags").addEventListener("click", (ev) => {
      const a = ev.target.closest("a[data-card]");
      if (!a) return;
      ev.preventDefault();
      jump(a.dataset.card);
      history.replaceState(null, "", "#card-" + a.dataset.card);
    });
  }

  function connect() {
    const source = new EventSource("events");
    source.addEventListener("build", (ev) => {
      const info = JSON.parse(ev.data);
      if (info.generation === state.generation) return;
      fetch("cards.json", { cache: "no-store" }).then((r) => r.json()).then((doc) => {
        const changed = render(doc);
        window.agPreview.lastChanged = changed;
        for (const key of changed) { const el = fdoc.getElementById("card-" + key); if (el && !el.hidden) queue(el); }
      });
    });
    source.onerror = () => { $("pv-status").dataset.state = "error"; };
    source.onopen = () => { if (state.doc) status(state.doc); };
  }

  function start() {
    fdoc = frame.contentDocument;
    fwin = frame.contentWindow;
    observer = new fwin.IntersectionObserver((seen) => {
      for (const e of seen) if (e.isIntersecting) queue(e.target);
    }, { rootMargin: "600px 0px" });
    wire();
    setWidth(document.querySelector('input[name="width"]:checked').value);
    state.side = document.querySelector('input[name="side"]:checked').value;
    render(state.doc);
    setTheme(document.querySelector('input[name="theme"]:checked').value);
    const mathjax = () => (fwin.MathJax && fwin.MathJax.startup && fwin.MathJax.startup.promise) ? fwin.MathJax.startup.promise.then(pump) : new Promise((ok) => setTimeout(() => mathjax().then(ok), 20));
    mathjax().then(() => {
      if (location.hash.startsWith("#card-")) jump(decodeURIComponent(location.hash.slice(6)));
      readyResolve();
    });
    if (live) connect();
  }

  window.agPreview = { ready, typesetAll, report, state, jump, lastChanged: [] };
  if (frame.contentDocument && frame.contentDocument.readyState === "complete" && frame.contentDocument.getElementById("pv-list")) start();
  else frame.addEventListener("load", start, { once: true });
})();
