// devhook inspector: follows /api/stream to add deliveries as they happen and
// to refresh the header and hooks, keeps the deliveries newest first by time,
// filters them, expands a delivery on click, and replays one with its Replay
// button, as it was or edited. The markup it builds matches page.html's, and
// it only ever sets text, never HTML.
"use strict";

(function () {
  const body = document.body;
  const canReplay = body.dataset.replay === "true";
  const maxRows = Number(body.dataset.maxRows) || 500;
  const deliveries = document.getElementById("deliveries");
  const live = document.getElementById("live");
  const notice = document.getElementById("notice");

  // el builds an element: attrs are attributes (class, data-*, ...), and
  // children are nodes or strings (added as text).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  const pad = (n, w) => String(n).padStart(w || 2, "0");

  // clock, dateTime, fullTime, outcomeClass, hookStatus and formRows
  // match page.go's functions of the same names; latency matches
  // deliverylog.FormatLatencyMS.
  function clock(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }
  function dateTime(iso) {
    const d = new Date(iso);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  function hms(iso) {
    const d = new Date(iso);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  function fullTime(iso) {
    const d = new Date(iso);
    const off = -d.getTimezoneOffset();
    const sign = off < 0 ? "-" : "+";
    const a = Math.abs(off);
    return `${dateTime(iso)}.${pad(d.getMilliseconds(), 3)} ${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  }
  function latency(ms) {
    if (ms < 0.95) return `${ms.toFixed(1)} ms`;
    if (ms < 999.5) return `${ms.toFixed(0)} ms`;
    return `${(ms / 1000).toFixed(1)} s`;
  }
  function outcomeClass(o) {
    if (o === "delivered" || o === "forwarded" || o === "verified") return "ok";
    if (o === "failed" || o === "rejected") return "bad";
    return "muted";
  }
  function suspended(h, clockISO) {
    if (!h.suspended_until) return false;
    return !clockISO || Date.parse(h.suspended_until) > Date.parse(clockISO);
  }
  function hookClass(h, clockISO) {
    if (suspended(h, clockISO)) return "warn";
    return h.status === "active" ? "ok" : "bad";
  }
  function hookStatus(h, clockISO) {
    return suspended(h, clockISO) ? `suspended until ${hms(h.suspended_until)}` : h.status;
  }
  const statusTexts = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
    302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
    413: "Request Entity Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
    429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
  };
  function statusLine(code) {
    if (!code) return "no response";
    return statusTexts[code] ? `${code} ${statusTexts[code]}` : String(code);
  }

  // decode turns a JSON []byte (base64) into text.
  function decode(b64) {
    if (!b64) return "";
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  }
  function headerValue(h, name) {
    if (!h) return "";
    for (const k of Object.keys(h)) {
      if (k.toLowerCase() === name.toLowerCase()) return (h[k] || [])[0] || "";
    }
    return "";
  }
  function formRows(req, text) {
    if (!text) return null;
    const ct = headerValue(req.header, "Content-Type");
    if (ct) {
      if (ct.split(";")[0].trim().toLowerCase() !== "application/x-www-form-urlencoded") return null;
    } else if (/[ \n{<]/.test(text)) {
      return null;
    }
    const rows = [];
    for (const pair of text.split("&")) {
      if (!pair) continue;
      const i = pair.indexOf("=");
      const k = i < 0 ? pair : pair.slice(0, i);
      const v = i < 0 ? "" : pair.slice(i + 1);
      try {
        rows.push([decodeURIComponent(k.replace(/\+/g, " ")), decodeURIComponent(v.replace(/\+/g, " "))]);
      } catch (e) {
        return null;
      }
    }
    return rows;
  }
  function kvTable(cls, rows) {
    return el("table", { class: `kv ${cls}` }, ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))));
  }
  function headersBlock(h) {
    const rows = [];
    for (const k of Object.keys(h || {}).sort()) for (const v of h[k]) rows.push([k, v]);
    const frag = document.createDocumentFragment();
    frag.append(el("h4", {}, "Headers"));
    frag.append(rows.length ? kvTable("headers", rows) : el("p", { class: "hint" }, "none"));
    return frag;
  }

  // recordNode builds a record's tbody, like page.html's "record" template.
  function recordNode(r) {
    const req = r.request || {};
    const resp = r.response || {};
    const reqText = decode(req.body);
    const form = formRows(req, reqText);
    const summary = el("tr", { class: "delivery", "data-id": r.id, tabindex: "0", "aria-expanded": "false" },
      el("td", {}, el("time", { datetime: r.time, title: fullTime(r.time) }, clock(r.time))),
      el("td", {}, el("span", { class: "source" }, r.source)),
      el("td", { class: "event" }, r.type || r.kind),
      el("td", { class: "num" }, r.hook_id ? r.hook_id : ""),
      el("td", { class: "ids" }, (r.ids || []).join(" ")),
      el("td", { class: "outcome-cell" },
        el("span", { class: `outcome ${outcomeClass(r.outcome || "")}` }, r.outcome || ""),
        r.error ? " " : null,
        r.error ? el("span", { class: "why", title: r.error }, r.error) : null),
      el("td", { class: "num" }, r.status ? r.status : ""),
      el("td", { class: "num" }, latency(r.latency_ms || 0)),
      el("td", { class: "target", title: r.target || "" }, r.target || ""),
      el("td", { class: "actions" }, canReplay ? el("button", { type: "button", class: "replay", "data-id": r.id }, "Replay") : null));
    const request = el("section", { class: "request" },
      el("h3", {}, "Request"),
      el("p", { class: "line" }, el("code", {}, `${req.method || ""} ${req.path || ""}${req.query ? "?" + req.query : ""}`)),
      headersBlock(req.header),
      form ? el("h4", {}, "Form") : null,
      form ? kvTable("form", form) : null,
      el("h4", {}, "Body"),
      el("pre", { class: "body request-body" }, reqText),
      canReplay && r.kind !== "verify"
        ? el("p", { class: "edit-actions" }, el("button", { type: "button", class: "edit", "data-id": r.id }, "Edit and replay…"))
        : null);
    const response = el("section", { class: "response" },
      el("h3", {}, "Response"),
      el("p", { class: "line" }, el("code", {}, statusLine(resp.status))),
      headersBlock(resp.header),
      el("h4", {}, "Body", resp.body_truncated ? " " : null, resp.body_truncated ? el("span", { class: "badge" }, "truncated") : null),
      el("pre", { class: "body response-body" }, decode(resp.body)));
    const detail = el("tr", { class: "detail", hidden: true },
      el("td", { colspan: "10" },
        r.error ? el("p", { class: "error" }, r.error) : null,
        r.warning ? el("p", { class: "warning" }, r.warning) : null,
        el("div", { class: "panes" }, request, response)));
    return el("tbody", {
      class: "record", "data-id": r.id, "data-time": r.time, "data-kind": r.kind || "",
      "data-type": r.type || r.kind || "", "data-hook": r.hook_id ? String(r.hook_id) : "", "data-outcome": r.outcome || "",
    }, summary, detail);
  }

  function findRecord(id) {
    for (const tb of deliveries.tBodies) if (tb.dataset.id === id) return tb;
    return null;
  }
  function afterChange() {
    const rows = deliveries.tBodies;
    while (rows.length > maxRows) rows[rows.length - 1].remove();
    document.getElementById("no-deliveries").hidden = rows.length > 0;
    filterOptions();
    applyFilters();
  }

  // place inserts a record's tbody in its place: newest first by time, and
  // above the records of the same time, which came before it. page.go's
  // byTime orders the same way. A record arrives when its delivery ends, so
  // one that took longer (a hook.verify waits for its validation) can
  // arrive after a later one.
  function place(node, r) {
    const t = Date.parse(r.time);
    let before = null;
    for (const tb of deliveries.tBodies) {
      if (Date.parse(tb.dataset.time) <= t) { before = tb; break; }
    }
    deliveries.insertBefore(node, before);
  }

  // addLive adds a record that just happened.
  function addLive(r) {
    if (findRecord(r.id)) return;
    const node = recordNode(r);
    node.classList.add("new");
    place(node, r);
    afterChange();
  }

  // merge adds the records the page missed (oldest first).
  function merge(records) {
    for (const r of records) {
      if (!findRecord(r.id)) place(recordNode(r), r);
    }
    afterChange();
  }

  // The filters: event type, hook and outcome (their choices are the
  // values the rows have) and a text search over everything a row shows,
  // expanded or not.
  const filterType = document.getElementById("filter-type");
  const filterHook = document.getElementById("filter-hook");
  const filterOutcome = document.getElementById("filter-outcome");
  const filterText = document.getElementById("filter-text");
  const filterCount = document.getElementById("filter-count");

  function setOptions(select, key, numeric) {
    const values = new Set();
    for (const tb of deliveries.tBodies) if (tb.dataset[key]) values.add(tb.dataset[key]);
    if (select.value) values.add(select.value); // a choice stays while no row has it
    const sorted = [...values].sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
    const have = [...select.options].slice(1).map((o) => o.value);
    if (have.join("\n") === sorted.join("\n")) return;
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, "all"), ...sorted.map((v) => el("option", { value: v }, v)));
    select.value = chosen;
  }
  function filterOptions() {
    setOptions(filterType, "type", false);
    setOptions(filterHook, "hook", true);
    setOptions(filterOutcome, "outcome", false);
  }
  function applyFilters() {
    const type = filterType.value;
    const hook = filterHook.value;
    const outcome = filterOutcome.value;
    const text = filterText.value.trim().toLowerCase();
    let shown = 0;
    const all = deliveries.tBodies.length;
    for (const tb of deliveries.tBodies) {
      const match = (!type || tb.dataset.type === type) &&
        (!hook || tb.dataset.hook === hook) &&
        (!outcome || tb.dataset.outcome === outcome) &&
        (!text || tb.textContent.toLowerCase().includes(text));
      tb.hidden = !match;
      if (match) shown++;
    }
    const filtering = type || hook || outcome || text;
    filterCount.textContent = filtering ? `${shown} of ${all} shown` : "";
  }
  for (const f of [filterType, filterHook, filterOutcome]) f.addEventListener("change", applyFilters);
  filterText.addEventListener("input", applyFilters);

  function renderState(s) {
    document.title = `${s.title} · inspector`;
    document.getElementById("title").textContent = s.title;
    document.getElementById("public-url").textContent = s.public_url;
    document.getElementById("target").textContent = s.target;
    body.classList.toggle("mock", !!s.mock_clock);
    document.getElementById("clock-box").hidden = !s.mock_clock;
    document.getElementById("clock").textContent = s.mock_clock ? dateTime(s.mock_clock) : "";
    document.getElementById("clock-mode").hidden = !s.clock_manual;

    const tbody = document.querySelector("#hooks tbody");
    const rows = (s.hooks || []).map((h) => el("tr", { class: "hook", "data-hook-id": h.hook_id },
      el("td", { class: "num" }, h.hook_id),
      el("td", {}, `${h.ref_type} ${h.ref_id}`),
      el("td", {}, h.type),
      el("td", { class: "url" }, h.url),
      el("td", {},
        el("span", { class: `status ${hookClass(h, s.mock_clock)}` }, hookStatus(h, s.mock_clock)),
        h.inactive_reason ? " " : null,
        h.inactive_reason ? el("span", { class: "reason" }, h.inactive_reason) : null),
      el("td", { class: "mock-only num" }, h.failures_15m),
      el("td", { class: "mock-only num" }, h.failures_7d),
      el("td", { class: "mock-only num" }, h.consecutive_failures)));
    if (!rows.length) rows.push(el("tr", { class: "empty" }, el("td", { colspan: "8" }, "No hooks yet.")));
    tbody.replaceChildren(...rows);
  }

  function showNotice(msg) {
    notice.textContent = msg;
    notice.hidden = !msg;
  }

  // post sends a replay, edited when edit is given, and adds the new
  // record; it returns an error message, or "" when it went through.
  async function post(id, edit) {
    const init = { method: "POST" };
    if (edit) {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify(edit);
    }
    try {
      const resp = await fetch(`/api/replay/${encodeURIComponent(id)}`, init);
      const data = await resp.json().catch(() => ({ error: `${resp.status} ${resp.statusText}` }));
      if (resp.status === 409) return data.error; // why this record is not replayed
      if (!resp.ok) return `Replay of ${id} failed: ${data.error || resp.status}`;
      addLive(data);
      return "";
    } catch (e) {
      return `Replay of ${id} failed: ${e.message}`;
    }
  }

  async function replay(button) {
    button.disabled = true;
    button.textContent = "Replaying…";
    showNotice(await post(button.dataset.id));
    button.disabled = false;
    button.textContent = "Replay";
  }

  // openEditor shows, under a record's request, its headers and body to
  // edit, and a Send button that replays them.
  function openEditor(button) {
    const tb = button.closest("tbody.record");
    const section = button.closest("section.request");
    if (section.querySelector(".editor")) return;
    const lines = [];
    const table = section.querySelector("table.headers");
    if (table) for (const tr of table.rows) lines.push(`${tr.cells[0].textContent}: ${tr.cells[1].textContent}`);
    const headers = el("textarea", { class: "edit-headers", rows: Math.max(3, lines.length + 1), spellcheck: "false" });
    headers.value = lines.join("\n");
    const bodyArea = el("textarea", { class: "edit-body", rows: "6", spellcheck: "false" });
    bodyArea.value = section.querySelector("pre.request-body").textContent;
    const error = el("p", { class: "error", hidden: true });
    const send = el("button", { type: "button", class: "send" }, "Send");
    const cancel = el("button", { type: "button", class: "cancel" }, "Cancel");
    const editor = el("div", { class: "editor" },
      el("label", {}, "Headers, one “Name: value” a line"), headers,
      el("label", {}, "Body"), bodyArea,
      el("div", { class: "buttons" }, send, cancel), error);
    button.parentElement.hidden = true;
    button.parentElement.after(editor);
    cancel.addEventListener("click", () => { editor.remove(); button.parentElement.hidden = false; });
    send.addEventListener("click", async () => {
      const header = {};
      for (const raw of headers.value.split("\n")) {
        const line = raw.trim();
        if (!line) continue;
        const i = line.indexOf(":");
        if (i <= 0) {
          error.textContent = `Not a header: “${line}”. Write one “Name: value” a line.`;
          error.hidden = false;
          return;
        }
        const name = line.slice(0, i).trim();
        (header[name] = header[name] || []).push(line.slice(i + 1).trim());
      }
      send.disabled = true;
      send.textContent = "Sending…";
      const msg = await post(tb.dataset.id, { header, body: bodyArea.value });
      send.disabled = false;
      send.textContent = "Send";
      error.textContent = msg;
      error.hidden = !msg;
    });
  }

  function toggle(row) {
    const detail = row.nextElementSibling;
    const open = detail.hidden;
    detail.hidden = !open;
    row.setAttribute("aria-expanded", String(open));
    row.parentElement.classList.toggle("open", open);
  }

  deliveries.addEventListener("click", (ev) => {
    const button = ev.target.closest("button.replay");
    if (button) {
      ev.stopPropagation();
      replay(button);
      return;
    }
    const edit = ev.target.closest("button.edit");
    if (edit) {
      openEditor(edit);
      return;
    }
    const row = ev.target.closest("tr.delivery");
    if (row) toggle(row);
  });
  deliveries.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" && ev.key !== " ") return;
    const row = ev.target.closest("tr.delivery");
    if (row && ev.target === row) {
      ev.preventDefault();
      toggle(row);
    }
  });

  async function resync() {
    try {
      const resp = await fetch(`/api/deliveries?limit=${maxRows}`);
      if (resp.ok) merge(await resp.json());
    } catch (e) {
      // The stream's error handler shows the connection state.
    }
  }

  filterOptions();
  applyFilters();

  const stream = new EventSource("/api/stream");
  stream.addEventListener("open", () => {
    live.textContent = "live";
    live.className = "live on";
    // Whatever happened between the page's rendering (or a dropped
    // connection) and now.
    resync();
  });
  stream.addEventListener("error", () => {
    live.textContent = stream.readyState === EventSource.CLOSED ? "stopped" : "reconnecting…";
    live.className = "live off";
  });
  stream.addEventListener("delivery", (ev) => addLive(JSON.parse(ev.data)));
  stream.addEventListener("state", (ev) => renderState(JSON.parse(ev.data)));
})();
