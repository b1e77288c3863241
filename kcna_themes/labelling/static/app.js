// The labelling page. Every article field is shown with textContent, never as HTML.
// State-changing requests carry the per-run token the server wrote into the page.
"use strict";

const TOKEN = document.querySelector('meta[name="kcna-token"]').content;
const $ = (id) => document.getElementById(id);

let state = null;      // what /api/state returned: themes, items, counts
let position = 0;      // index of the article shown (items.length: the end)
let ticked = new Set(); // themes ticked for the article shown
let busy = false;

async function api(path, body) {
  const options = { headers: { "X-Kcna-Token": TOKEN } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function say(message, isError = false) {
  $("status").textContent = message;
  $("status").classList.toggle("error", isError);
}

function startTicks(item) {
  // what the file holds for it, else the label under review, else the model's suggestion
  const start = item.saved ?? item.given ?? item.suggested ?? [];
  ticked = new Set(start.filter((t) => state.themes.some((th) => th.name === t)));
}

function renderProgress() {
  $("counter").textContent = `${state.done} / ${state.total} done`;
  const counts = $("counts");
  counts.replaceChildren();
  for (const [theme, n] of Object.entries(state.counts)) {
    counts.append(el("li", null, `${theme} ${n}`));
  }
}

function renderThemes(item) {
  const list = $("themes");
  list.replaceChildren();
  for (const theme of state.themes) {
    const li = el("li");
    li.dataset.theme = theme.name;
    li.classList.toggle("ticked", ticked.has(theme.name));
    const row = el("div", "row");
    const box = el("input");
    box.type = "checkbox";
    box.tabIndex = -1;
    box.checked = ticked.has(theme.name);
    row.append(el("kbd", null, theme.key ?? "·"), box, el("span", "name", theme.name));
    const score = item ? item.scores[theme.name] : undefined;
    if (score !== undefined) {
      const wrap = el("span", "score");
      wrap.title = "the model's score";
      if (item.suggested.includes(theme.name)) wrap.append(el("span", "badge", "model"));
      const bar = el("span", "bar");
      const fill = el("span");
      fill.style.width = `${Math.round(score * 100)}%`;
      bar.append(fill);
      wrap.append(bar, el("span", "value", score.toFixed(2)));
      row.append(wrap);
    }
    const definition = el("div", "definition", theme.definition);
    definition.title = theme.definition;
    li.append(row, definition);
    li.addEventListener("click", () => toggle(theme.name));
    list.append(li);
  }
}

function render() {
  renderProgress();
  const items = state.items;
  const finished = position >= items.length;
  $("finished").hidden = !finished;
  $("article").hidden = finished;
  if (finished) {
    $("finished-text").textContent = `${state.done} of ${state.total} articles are labelled.`;
    renderThemes(null);
    return;
  }
  const item = items[position];
  $("mode").textContent = state.mode;
  $("position").textContent = `article ${position + 1} of ${items.length}` + (item.done ? " · saved" : "");
  $("title").textContent = item.title || "(no title)";
  $("meta").textContent = [item.date, item.source, item.id].filter(Boolean).join(" · ");
  $("reason").textContent = item.reason || "";
  $("review").hidden = item.given === null || item.given === undefined;
  if (item.given) {
    $("given").textContent = item.given.length ? item.given.join(", ") : "none";
    $("model-view").textContent = Object.entries(item.scores)
      .sort((a, b) => b[1] - a[1]).map(([t, p]) => `${t} ${p.toFixed(2)}`).join(", ");
  }
  const text = $("text");
  text.replaceChildren();
  for (const paragraph of String(item.text).split("\n")) {
    if (paragraph.trim()) text.append(el("p", null, paragraph));
  }
  renderThemes(item);
}

function show(index) {
  position = Math.max(0, Math.min(index, state.items.length));
  if (position < state.items.length) startTicks(state.items[position]);
  render();
  window.scrollTo(0, 0);
}

function toggle(name) {
  if (position >= state.items.length) return;
  if (ticked.has(name)) ticked.delete(name); else ticked.add(name);
  renderThemes(state.items[position]);
}

async function save() {
  if (busy || position >= state.items.length) return;
  const item = state.items[position];
  const themes = state.themes.map((t) => t.name).filter((t) => ticked.has(t));
  busy = true;
  try {
    const result = await api("/api/label", { id: item.id, themes });
    item.saved = result.saved;
    item.done = true;
    Object.assign(state, { done: result.done, total: result.total, counts: result.counts });
    say(`saved ${item.id}: ${result.saved.length ? result.saved.join(", ") : "none"}`);
    show(position + 1);
  } catch (error) {
    say(`not saved: ${error.message}`, true);
  } finally {
    busy = false;
  }
}

function openNewTheme() {
  $("new-theme-form").hidden = false;
  $("new-theme").value = "";
  $("new-theme").focus();
}

async function addTheme(event) {
  event.preventDefault();
  const name = $("new-theme").value.trim().toLowerCase();
  if (!name) return;
  try {
    const result = await api("/api/theme", { name });
    Object.assign(state, { themes: result.themes, done: result.done, total: result.total, counts: result.counts });
    ticked.add(name);
    $("new-theme-form").hidden = true;
    $("new-theme").blur();
    say(`theme ${name} added and ticked`);
    render();
  } catch (error) {
    say(`not added: ${error.message}`, true);
  }
}

function onKey(event) {
  if (event.target === $("new-theme")) {
    if (event.key === "Escape") { $("new-theme-form").hidden = true; $("new-theme").blur(); }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || !state) return;
  const key = event.key;
  if (key === "?") { $("help").hidden = !$("help").hidden; event.preventDefault(); return; }
  if (key === "Escape") { $("help").hidden = true; return; }
  if (/^[1-9]$/.test(key)) {
    const theme = state.themes.find((t) => t.key === key);
    if (theme) toggle(theme.name);
  } else if (key === "0") {
    ticked.clear();
    if (position < state.items.length) renderThemes(state.items[position]);
  } else if (key === "Enter") {
    save();
  } else if (key === "Backspace") {
    show(position - 1);
  } else if (key === "s") {
    show(position + 1);
  } else if (key === "n") {
    openNewTheme();
  } else {
    return;
  }
  event.preventDefault();
}

async function start() {
  try {
    state = await api("/api/state");
  } catch (error) {
    say(`cannot load the queue: ${error.message}`, true);
    return;
  }
  document.addEventListener("keydown", onKey);
  $("save").addEventListener("click", save);
  $("back").addEventListener("click", () => show(position - 1));
  $("skip").addEventListener("click", () => show(position + 1));
  $("add-theme").addEventListener("click", openNewTheme);
  $("help-button").addEventListener("click", () => { $("help").hidden = !$("help").hidden; });
  $("new-theme-form").addEventListener("submit", addTheme);
  show(state.position);
  document.body.dataset.ready = "true";
}

start();
