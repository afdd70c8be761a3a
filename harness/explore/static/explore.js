// The explorer page: renders the table, facets, indexes and access patterns from the JSON
// API, and follows the live feed (server-sent events) without reloading. Plain JavaScript,
// no build step.
"use strict";

const MODEL = JSON.parse(document.getElementById("model").textContent);
const EXPLORER = JSON.parse(document.getElementById("explorer").textContent);
const PK = MODEL.partitionKey;
const SK = MODEL.sortKey;
// Item collections per page of the table view; ?per_page=N in the address changes it.
const PER_PAGE = Math.max(1, Number(new URLSearchParams(location.search).get("per_page")) || 25);
const CHANGED_MS = 4000; // how long a changed item stays marked

const state = {
  items: new Map(), // "pk\u0000sk" -> item
  scannedAt: 0,
  page: 0,
  hits: new Set(),
  changed: new Map(), // key -> {at, names:Set}
  currentIndex: null,
  tour: [], // tour steps with their expectations
  recent: [], // recent [kind, data] events, replayed to a tour step that starts late
};

const keyOf = (pk, sk) => `${pk}\u0000${sk}`;
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("data-") || name === "title" || name === "style") node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
};
const show = (value) => (typeof value === "object" ? JSON.stringify(value) : String(value));
// Maps and lists shown in full would crowd the row: a summary, the whole value on hover.
const brief = (value) =>
  value && typeof value === "object"
    ? Array.isArray(value) ? `[${value.length} items]` : `{${Object.keys(value).length} ${Object.keys(value).length === 1 ? "entry" : "entries"}}`
    : String(value);

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

// ---- attributes: key attributes first, then index keys, entity attributes, derived, others
function derivedNames(item) {
  return MODEL.derived[item.entityType] || MODEL.allDerived;
}
function indexKeyNames() {
  return MODEL.indexes.flatMap((index) => index.keyAttributes);
}
function orderedAttributes(item) {
  const facet = MODEL.facets.find((f) => f.entityType === item.entityType);
  const declared = facet ? facet.attributes : [];
  const derived = derivedNames(item);
  const names = Object.keys(item).filter((n) => n !== PK && n !== SK);
  const rank = (name) =>
    indexKeyNames().includes(name) ? 0 : name === "entityType" ? 1 : declared.includes(name) ? 2 : derived.includes(name) ? 3 : 4;
  return names.sort((a, b) => rank(a) - rank(b) || declared.indexOf(a) - declared.indexOf(b));
}
function attributeChip(item, name, changedNames) {
  const derived = derivedNames(item).includes(name);
  const indexKey = indexKeyNames().includes(name);
  const classes = ["attr"];
  if (derived) classes.push("derived");
  if (indexKey) classes.push("index-key");
  if (changedNames && changedNames.has(name)) classes.push("changed");
  return el(
    "span",
    { class: classes.join(" "), "data-name": name, title: derived ? "derived by the stream processor" : indexKey ? "a GSI key attribute" : null },
    el("span", { class: "name", text: (derived ? "\u03a3 " : "") + name }),
    el("span", { class: "value", text: brief(item[name]), title: typeof item[name] === "object" ? show(item[name]) : null }),
  );
}
function itemRow(item, { pkCell = null } = {}) {
  const key = keyOf(item[PK], item[SK]);
  const changed = state.changed.get(key);
  const fresh = changed && Date.now() - changed.at < CHANGED_MS;
  const classes = ["item"];
  if (state.hits.has(key)) classes.push("hit");
  if (fresh) classes.push("changed");
  const row = el("tr", {
    class: classes.join(" "),
    "data-pk": item[PK],
    "data-sk": item[SK],
    "data-entity": item.entityType || "",
    style: `background: ${MODEL.colours[item.entityType] || "#fff"}`,
  });
  if (pkCell) row.append(pkCell);
  row.append(el("td", { class: "key sk", text: item[SK] }));
  const attrs = el("td", { class: "attrs" });
  for (const name of orderedAttributes(item)) attrs.append(attributeChip(item, name, fresh ? changed.names : null));
  row.append(attrs);
  return row;
}

// ---- table view: item collections grouped by pk, ordered by sk, paged by collection
function collections() {
  const groups = new Map();
  const sorted = [...state.items.values()].sort((a, b) =>
    a[PK] < b[PK] ? -1 : a[PK] > b[PK] ? 1 : a[SK] < b[SK] ? -1 : a[SK] > b[SK] ? 1 : 0,
  );
  for (const item of sorted) {
    if (!groups.has(item[PK])) groups.set(item[PK], []);
    groups.get(item[PK]).push(item);
  }
  return [...groups.entries()];
}
function renderLegend() {
  const legend = document.getElementById("legend");
  legend.replaceChildren(
    ...MODEL.facets.map((f) => el("span", { class: "swatch", style: `background: ${f.colour}`, text: f.entityType })),
    el("span", { class: "swatch derived", text: "\u03a3 derived" }),
    el("span", { class: "swatch index-key", text: "GSI key" }),
  );
}
function renderTable() {
  const groups = collections();
  const pages = Math.max(1, Math.ceil(groups.length / PER_PAGE));
  state.page = Math.min(state.page, pages - 1);
  const table = document.getElementById("table-view");
  const head = el("thead", {}, el("tr", {}, el("th", { text: `${PK} (partition key)` }), el("th", { text: `${SK} (sort key)` }), el("th", { text: "attributes" })));
  const bodies = groups.slice(state.page * PER_PAGE, (state.page + 1) * PER_PAGE).map(([pk, items]) => {
    const body = el("tbody", { class: "collection", "data-pk": pk });
    items.forEach((item, position) => {
      const pkCell = position === 0 ? el("td", { class: "key pk", rowSpan: items.length, text: pk }) : null;
      body.append(itemRow(item, { pkCell }));
    });
    return body;
  });
  table.replaceChildren(head, ...bodies);
  const pager = document.getElementById("pager");
  const hitsElsewhere = [...state.hits].filter((key) => {
    const pk = key.split("\u0000")[0];
    const position = groups.findIndex(([p]) => p === pk);
    return Math.floor(position / PER_PAGE) !== state.page;
  }).length;
  pager.replaceChildren(
    el("button", { id: "page-prev", text: "\u2039 previous", disabled: state.page === 0, onclick: () => { state.page--; renderTable(); } }),
    el("span", { id: "page-label", text: ` page ${state.page + 1} of ${pages} (${groups.length} item collections, ${state.items.size} items) ` }),
    el("button", { id: "page-next", text: "next \u203a", disabled: state.page >= pages - 1, onclick: () => { state.page++; renderTable(); } }),
  );
  if (hitsElsewhere) pager.append(el("span", { class: "note", text: ` ${hitsElsewhere} highlighted items on other pages` }));
}
function renderFacets() {
  for (const section of document.querySelectorAll("#facets-view .facet")) {
    const entity = section.dataset.entity;
    const items = [...state.items.values()].filter((item) => item.entityType === entity)
      .sort((a, b) => (a[PK] + "\u0000" + a[SK] < b[PK] + "\u0000" + b[SK] ? -1 : 1));
    const table = section.querySelector("table");
    table.replaceChildren(
      ...items.map((item) => itemRow(item, { pkCell: el("td", { class: "key pk", text: item[PK] }) })),
    );
    if (!items.length) table.append(el("tr", {}, el("td", { class: "note", text: "no items of this type" })));
  }
}
function renderAll() {
  renderTable();
  renderFacets();
}

async function loadItems() {
  const body = await api("/api/items");
  state.items = new Map(body.items.map((item) => [keyOf(item[PK], item[SK]), item]));
  state.scannedAt = body.scannedAt;
  document.getElementById("table-note").textContent = body.truncated ? "The table has more items than the page loads; it shows the first ones." : "";
  renderAll();
}

// ---- index views
async function showIndex(name) {
  state.currentIndex = name;
  for (const button of document.querySelectorAll("#index-buttons button")) button.classList.toggle("active", button.dataset.index === name);
  const design = MODEL.indexes.find((index) => index.name === name);
  const body = await api(`/api/index/${encodeURIComponent(name)}`);
  const keys = design.keyAttributes;
  const projection = body.index.projection || {};
  const section = el("section", { class: "index", "data-index": name });
  section.append(
    el("h3", { text: name }),
    el("p", { class: "pattern" }, "partition key ", el("code", { text: design.hashKey }), design.rangeKey ? " \u00b7 sort key " : "", design.rangeKey ? el("code", { text: design.rangeKey }) : "",
      ` \u00b7 projection ${projection.ProjectionType || "?"}${projection.NonKeyAttributes ? " (" + projection.NonKeyAttributes.join(", ") + ")" : ""}`),
    el("p", { class: "sparse note", text: `Sparse: ${body.items.length} of the table's ${state.items.size} items are in this index; items without ${keys.join(" and ")} are absent. Carried by: ${design.entities.join(", ")}.` }),
  );
  const table = el("table", { class: "items index-items" });
  table.append(el("thead", {}, el("tr", {}, ...keys.map((k) => el("th", { text: k })), el("th", { text: `${PK}, ${SK}` }), el("th", { text: "projected attributes" }))));
  const rows = [...body.items].sort((a, b) => keys.map((k) => show(a[k])).join("\u0000") < keys.map((k) => show(b[k])).join("\u0000") ? -1 : 1);
  const tbody = el("tbody");
  for (const item of rows) {
    const row = el("tr", { class: "index-item", "data-pk": item[PK], "data-sk": item[SK], "data-entity": item.entityType || "", style: `background: ${MODEL.colours[item.entityType] || "#fff"}` });
    for (const k of keys) row.append(el("td", { class: "key", text: show(item[k]) }));
    row.append(el("td", { class: "key", text: `${item[PK]} / ${item[SK]}` }));
    const attrs = el("td", { class: "attrs" });
    for (const n of orderedAttributes(item).filter((n) => !keys.includes(n))) attrs.append(attributeChip(item, n));
    row.append(attrs);
    tbody.append(row);
  }
  table.append(tbody);
  section.append(table);
  document.getElementById("indexes-view").replaceChildren(section);
}

// ---- access patterns
function patternForm() {
  const select = document.getElementById("pattern-select");
  select.replaceChildren(...MODEL.patterns.map((p) => el("option", { value: p.name, text: `${p.name} [${p.index || "table"}]` })));
  const fill = () => {
    const pattern = MODEL.patterns.find((p) => p.name === select.value);
    document.getElementById("pattern-purpose").textContent = `${pattern.purpose}. Key condition: ${pattern.keyCondition}${pattern.filter ? "; filter: " + pattern.filter : ""}${pattern.notes ? " (" + pattern.notes + ")" : ""}`;
    document.getElementById("pattern-params").replaceChildren(
      ...pattern.params.map((param) =>
        el("label", { class: "param" }, `${param.name}${param.required ? "" : " (optional)"} `,
          el("input", { name: param.name, id: `param-${param.name}`, placeholder: param.example || param.help, title: param.help, type: "text" }),
          el("small", { text: ` ${param.help}` })),
      ),
    );
  };
  select.addEventListener("change", fill);
  fill();
  document.getElementById("pattern-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("pattern-error");
    error.textContent = "";
    const params = {};
    for (const input of document.querySelectorAll("#pattern-params input")) params[input.name] = input.value;
    try {
      const result = await api("/api/query", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: select.value, params }) });
      showQuery(result);
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(document.getElementById(button.dataset.copy).textContent));
  }
}
function showQuery(result) {
  document.getElementById("pattern-output").hidden = false;
  const request = document.getElementById("pattern-request");
  request.replaceChildren(...Object.entries(result.request).flatMap(([name, value]) => [el("dt", { text: name }), el("dd", {}, el("code", { text: show(value) }))]));
  const capacity = result.consumedCapacity;
  document.getElementById("pattern-capacity").textContent = capacity
    ? `Consumed capacity: ${capacity.CapacityUnits} RCU (table ${capacity.Table}${Object.keys(capacity.GlobalSecondaryIndexes).length ? ", indexes " + JSON.stringify(capacity.GlobalSecondaryIndexes) : ""})`
    : "Consumed capacity: not reported by this target";
  document.getElementById("pattern-summary").textContent = `${result.items.length} items in ${result.pages} page(s).`;
  document.getElementById("pattern-boto3").textContent = result.boto3;
  document.getElementById("pattern-cli").textContent = result.cli;
  document.getElementById("pattern-items").replaceChildren(...result.items.map((item) => itemRow(item, { pkCell: el("td", { class: "key pk", text: item[PK] }) })));
  state.hits = new Set(result.keys.map(([pk, sk]) => keyOf(pk, sk)));
  const groups = collections();
  const first = result.keys[0];
  if (first) state.page = Math.floor(Math.max(0, groups.findIndex(([pk]) => pk === first[0])) / PER_PAGE);
  renderAll();
}

// ---- live feed
function applyRecord(record) {
  if (record.region !== EXPLORER.region || record.receivedAt < state.scannedAt) return;
  const key = keyOf(record.key[0], record.key[1]);
  if (record.eventName === "REMOVE") state.items.delete(key);
  else state.items.set(key, record.newImage);
  state.changed.set(key, { at: Date.now(), names: new Set(record.changes.map((c) => c.name)) });
  scheduleRender();
}
let renderTimer = null;
function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    renderAll();
    if (state.currentIndex && document.getElementById("view-indexes").classList.contains("active")) showIndex(state.currentIndex);
  }, 100);
}
function prepend(list, node, max = 50) {
  list.prepend(node);
  while (list.children.length > max) list.lastChild.remove();
}
function onRecord(record) {
  applyRecord(record);
  const who = record.userIdentity ? ` by ${record.userIdentity.principalId}` : "";
  const changes = el("ul", { class: "changes" }, ...record.changes.map((c) =>
    el("li", { class: "change", "data-name": c.name }, el("b", { text: c.name }), ` ${c.old === null || c.old === undefined ? "\u2205" : show(c.old)} \u2192 ${c.new === null || c.new === undefined ? "\u2205" : show(c.new)}`)));
  prepend(document.getElementById("records"), el("li", {
    class: `record ${record.eventName}`, "data-event": record.eventName, "data-pk": record.key[0], "data-sk": record.key[1], "data-region": record.region,
    "data-principal": record.userIdentity ? record.userIdentity.principalId : "",
  }, el("b", { text: record.eventName }), ` ${record.key[0]} / ${record.key[1]} `, el("span", { class: "note", text: `${record.region}${who} seq ${record.sequenceNumber}` }), changes));
  for (const change of record.aggregates) {
    prepend(document.getElementById("aggregates"), el("li", { class: "aggregate", "data-pk": record.key[0], "data-sk": record.key[1], "data-name": change.name, "data-region": record.region },
      `${record.key[0]} / ${record.key[1]} `, el("b", { text: change.name }), ` ${show(change.old ?? 0)} \u2192 ${show(change.new ?? 0)} `, el("span", { class: "note", text: record.region })));
  }
  observe("record", record);
}
function onLog(line) {
  const box = document.getElementById("invocations");
  const id = line.requestId || "outside an invocation";
  let card = [...box.children].find((c) => c.dataset.requestId === id);
  if (!card) {
    card = el("div", { class: "invocation", "data-request-id": id }, el("div", { class: "note", text: `RequestId ${id}` }), el("ul"));
    box.prepend(card);
    while (box.children.length > 20) box.lastChild.remove();
  }
  card.querySelector("ul").append(el("li", { class: "log-line", text: `${line.time}  ${line.message}` }));
  if (line.message.startsWith("REPORT")) {
    card.classList.add("done");
    observe("invocation", line);
  }
}
function onLag(lag) {
  const list = document.getElementById("lag");
  const entries = Object.entries(lag || {});
  list.replaceChildren(...(entries.length ? entries.map(([region, v]) =>
    el("li", { class: "lag", "data-region": region }, el("b", { text: region }), ` ${v.lagMs} ms after ${v.from} `, el("span", { class: "note", text: `(${v.key.join(" / ")})` })))
    : [el("li", { class: "note", text: "no replicated change seen yet" })]));
}
function onAlarms(alarms) {
  document.getElementById("alarms").replaceChildren(...alarms.map((alarm) =>
    el("li", { class: `alarm ${alarm.state}`, "data-alarm": alarm.name, "data-state": alarm.state, title: alarm.reason }, el("b", { text: alarm.state }), ` ${alarm.name}`)));
}
function connect() {
  const source = new EventSource("/events");
  const status = document.getElementById("live-status");
  source.onopen = () => { status.textContent = "connected"; document.body.dataset.live = "connected"; };
  source.onerror = () => { status.textContent = "reconnecting\u2026"; document.body.dataset.live = "reconnecting"; };
  source.addEventListener("record", (e) => onRecord(JSON.parse(e.data)));
  source.addEventListener("log", (e) => onLog(JSON.parse(e.data)));
  source.addEventListener("replication", (e) => observe("replication", JSON.parse(e.data)));
  source.addEventListener("lag", (e) => onLag(JSON.parse(e.data).value));
  source.addEventListener("alarms", (e) => onAlarms(JSON.parse(e.data).value));
}

// ---- tour
function tourMatch(expect, kind, data) {
  const sameKey = (key) => data.key && data.key[0] === key[0] && data.key[1] === key[1];
  if (expect.kind === "record" && kind === "record") {
    const identity = expect.userIdentity;
    return data.eventName === expect.eventName && sameKey(expect.key) && (!expect.region || data.region === expect.region) &&
      (!identity || (data.userIdentity && data.userIdentity.type === identity.type && data.userIdentity.principalId === identity.principalId));
  }
  if (expect.kind === "aggregate" && kind === "record") {
    return data.key[0] === expect.pk && data.region === EXPLORER.region && data.aggregates.some((c) => c.name === expect.attribute);
  }
  if (expect.kind === "invocation" && kind === "invocation") return true;
  if (expect.kind === "replication" && kind === "replication") return sameKey(expect.key) && data.to === expect.to;
  return false;
}
function eventTime(kind, data) {
  return kind === "invocation" ? Date.parse(data.time) / 1000 : data.receivedAt;
}
function observe(kind, data) {
  state.recent.push([kind, data]);
  if (state.recent.length > 500) state.recent.shift();
  tourCheck(kind, data, state.tour);
}
function tourCheck(kind, data, steps) {
  for (const step of steps) {
    let moved = false;
    for (const expect of step.expect) {
      if (expect.done || !tourMatch(expect, kind, data)) continue;
      const at = eventTime(kind, data);
      if (at !== undefined && at < step.startedAt) continue; // from before this step
      expect.done = true;
      moved = true;
      if (kind === "replication") expect.label += ` (${data.lagMs} ms)`;
      if (expect.kind === "record" && !expect.region) expect.label += ` (in ${data.region})`;
      if (expect.kind === "aggregate") {
        const change = data.aggregates.find((c) => c.name === expect.attribute);
        expect.label += ` (${show(change.old ?? 0)} \u2192 ${show(change.new)})`;
      }
    }
    if (moved) renderTourStep(step);
  }
}
function renderTourStep(step) {
  const done = step.expect.every((e) => e.done);
  step.node.dataset.done = String(done);
  step.node.replaceChildren(
    el("b", { text: step.title }), el("span", { class: "note", text: ` \u2014 ${step.did}` }),
    el("ul", {}, ...step.expect.map((e) => el("li", { class: "expect", "data-kind": e.kind, "data-done": String(Boolean(e.done)), text: `${e.done ? "\u2713" : "\u2026"} ${e.label}` }))),
  );
}
function tourButtons() {
  if (!EXPLORER.allowWrites) {
    document.getElementById("tour-readonly").textContent = `Read-only on ${EXPLORER.target}: restart with --allow-writes to run the tour.`;
    for (const button of document.querySelectorAll("#tour-buttons button")) button.disabled = true;
  }
  for (const button of document.querySelectorAll("#tour-buttons button")) {
    button.addEventListener("click", async () => {
      const startedAt = Date.now() / 1000;
      try {
        const step = await api(`/api/tour/${button.dataset.step}`, { method: "POST" });
        step.startedAt = startedAt - 1;
        step.node = el("li", { class: "tour-step", "data-step": step.step });
        document.getElementById("tour-log").prepend(step.node);
        state.tour.push(step);
        renderTourStep(step);
        for (const [kind, data] of state.recent) tourCheck(kind, data, [step]);
        if (step.key) state.hits = new Set([keyOf(...step.key)]);
      } catch (failure) {
        document.getElementById("tour-log").prepend(el("li", { class: "error", text: failure.message }));
      }
    });
  }
}

// ---- tabs
function tabs() {
  for (const button of document.querySelectorAll("#tabs button")) {
    button.addEventListener("click", () => {
      for (const other of document.querySelectorAll("#tabs button")) other.classList.toggle("active", other === button);
      for (const view of document.querySelectorAll(".view")) view.classList.toggle("active", view.id === `view-${button.dataset.view}`);
      if (button.dataset.view === "indexes" && !state.currentIndex) showIndex(MODEL.indexes[0].name);
    });
  }
  for (const button of document.querySelectorAll("#index-buttons button")) button.addEventListener("click", () => showIndex(button.dataset.index));
}

renderLegend();
tabs();
patternForm();
tourButtons();
onLag({});
connect();
loadItems().then(() => { document.body.dataset.loaded = "true"; }).catch((failure) => {
  document.getElementById("table-note").textContent = `Could not read the table: ${failure.message}`;
});
