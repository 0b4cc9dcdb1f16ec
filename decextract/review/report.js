// decextract review report: select a record from the list or from its box; show its fields.
// Everything taken from the document is put into the page as text (textContent), never as markup.
"use strict";
(function () {
  const records = JSON.parse(document.getElementById("records").textContent);
  const byIndex = new Map(records.map((r) => [r.i, r]));
  const detail = document.getElementById("detail");
  let selected = null;

  function marksOf(i) {
    return Array.from(document.querySelectorAll("[data-rec]")).filter((el) =>
      el.dataset.rec.split(" ").includes(String(i)) && el.tagName !== "LI");
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function show(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "object") return JSON.stringify(value, null, 1);
    return String(value);
  }

  function row(table, name, value, cls) {
    const tr = el("tr");
    tr.appendChild(el("th", {}, name));
    const td = el("td", cls ? { class: cls } : {}, show(value));
    td.dataset.field = name;
    tr.appendChild(td);
    table.appendChild(tr);
    return td;
  }

  // The fields of each kind of record worth reading first, then the rest.
  const FIRST = {
    figure: ["text", "value", "unit", "label", "year", "relation", "direction", "approx", "kind"],
    check: ["ok", "rule", "formula", "expected", "actual", "difference", "tolerance", "label"],
    indicator: ["concept", "name", "value", "unit", "basis", "scope", "source", "location", "text", "agrees"],
    table_row: ["table", "code", "name", "level", "side", "unit"],
    table: ["table", "table_id", "unit", "pages", "n_rows", "n_cols", "empty", "warnings"],
    performance_project: ["project", "unit", "year", "budget", "executed", "execution_rate"],
    performance_indicator: ["project", "level1", "level2", "level3", "expected", "actual"],
    document: ["issuer", "fiscal_year", "kind", "title", "format", "pages", "warnings"],
  };
  // a check's two sides (a performance indicator's expected/actual are its goal and result: no relabelling)
  const LABELS = { check: { expected: "expected (computed)", actual: "actual (printed)" } };

  function render(rec) {
    detail.replaceChildren();
    const f = rec.fields;
    detail.appendChild(el("h2", {}, `${f.type} #${rec.i}` + (rec.failed ? " — failed" : "")));
    if (f.type === "check") detail.appendChild(el("div", { class: "formula" }, f.formula));
    const table = el("table", { class: "fields" });
    const order = FIRST[f.type] || [];
    const names = order.filter((k) => k in f).concat(Object.keys(f).filter((k) =>
      !order.includes(k) && k !== "type" && k !== "prov"));
    for (const k of names) {
      const cls = k === "ok" ? `ok-${f[k]}` : undefined;
      row(table, (LABELS[f.type] || {})[k] || k, f[k], cls);
    }
    const p = f.prov;
    if (p) {
      row(table, "page", p.page);
      row(table, "bbox", p.bbox);
      if (!p.bbox && rec.boxes.length) row(table, "box drawn", rec.boxes.map((b) => `p.${b[0]}: ${b.slice(1).join(", ")}`).join("; "));
      row(table, "block", p.block);
      row(table, "cell", p.cell);
      row(table, "section", (p.section || []).join(" > "));
      const td = row(table, "context", "");
      td.className = "context";
      const ctx = p.context || "";
      if (p.start !== null && p.end !== null && p.start !== undefined) {
        td.append(ctx.slice(0, p.start), el("mark", {}, ctx.slice(p.start, p.end)), ctx.slice(p.end));
      } else {
        td.textContent = ctx;
      }
      row(table, "source", p.source);
    }
    detail.appendChild(table);
  }

  function select(i, from) {
    const rec = byIndex.get(i);
    if (!rec) return;
    document.querySelectorAll(".selected").forEach((n) => n.classList.remove("selected"));
    const item = document.querySelector(`#list li[data-rec="${i}"]`);
    if (item) {
      item.classList.add("selected");
      if (from !== "list") item.scrollIntoView({ block: "nearest" });
    }
    const marks = marksOf(i);
    marks.forEach((m) => m.classList.add("selected"));
    if (marks.length && from !== "box") marks[0].scrollIntoView({ block: "center" });
    selected = i;
    render(rec);
    history.replaceState(null, "", `#rec-${i}`);
  }

  document.getElementById("list").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-rec]");
    if (li) select(Number(li.dataset.rec), "list");
  });
  document.getElementById("pages").addEventListener("click", (e) => {
    const mark = e.target.closest("[data-rec]");
    if (!mark) return;
    const recs = mark.dataset.rec.split(" ").map(Number);
    // a second click on a spot several records share goes to the next of them
    const next = recs.includes(selected) ? recs[(recs.indexOf(selected) + 1) % recs.length] : recs[0];
    select(next, "box");
  });
  document.getElementById("filters").addEventListener("change", (e) => {
    if (e.target.dataset.kind) document.body.classList.toggle(`hide-${e.target.dataset.kind}`, !e.target.checked);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const items = Array.from(document.querySelectorAll("#list li")).filter((li) => li.offsetParent !== null);
    const at = items.findIndex((li) => Number(li.dataset.rec) === selected);
    const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))];
    if (next) { e.preventDefault(); select(Number(next.dataset.rec)); }
  });
  const hash = /^#rec-(\d+)$/.exec(location.hash);
  if (hash) select(Number(hash[1]));
  document.body.dataset.ready = "1";
})();
