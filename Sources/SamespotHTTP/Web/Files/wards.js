// Wards, for council offices: the ward summary for a period under one boundary set, sortable,
// as CSV and printable; in an election year the same figures under two sets side by side, so an
// office sees what its new ward inherits. A ward office (and an admin) also lists its ward's
// requests with the requesters' names; no other role's page ever fetches them. Planners, ward
// offices and admins see the customer-service report and the unresolved cases by department.
"use strict";

(() => {
  const { api, el, $, can, fail, download, downloadFromAPI, csv, formatNumber, day } = Samespot;

  // The figures shown, in order: [key in WardMetrics, heading, digits].
  const FIGURES = [
    ["opened", "Received", 0], ["opened_cases", "Cases", 0], ["closed", "Closed", 0],
    ["median_days_to_close", "Median days to close", 1], ["backlog", "Backlog", 0],
    ["acknowledge_breaches", "Late acknowledgements", 0], ["respond_breaches", "Late responses", 0],
    ["duplicates", "Duplicates", 0], ["duplicate_rate", "Duplicate share", 2], ["joins", "Callers joined", 0],
    ["reopened", "Reopened", 0],
  ];
  // With two maps side by side, the figures an office compares.
  const COMPARED = ["opened", "opened_cases", "closed", "backlog", "duplicates", "respond_breaches"];

  let shown = null; // { columns, rows, totals, sets }
  let sort = { column: 0, descending: false };

  async function start() {
    const city = Samespot.city;
    $("w-set").replaceChildren(...city.ward_sets.map((s) => el("option", { value: s.name, selected: s.in_use }, label(s))));
    $("w-compare").replaceChildren(el("option", { value: "" }, "(none)"), ...city.ward_sets.map((s) => el("option", { value: s.name }, label(s))));
    if (city.requests) { $("w-from").value = city.requests.first; $("w-to").value = city.requests.last; }
    $("wards-form").addEventListener("submit", (event) => { event.preventDefault(); show().catch(fail); });
    $("w-csv").addEventListener("click", () => downloadCSV().catch(fail));
    $("w-print").addEventListener("click", () => window.print());
    const requests = $("w-requests");
    requests.hidden = !can("wardRequests");
    if (can("wardRequests")) await startRequests();
    if (can("readReports")) await startService();
    await show();
  }

  function label(set) {
    const to = set.effective_to ? set.effective_to.slice(0, 4) : "now";
    return `${set.name} (${set.effective_from ? set.effective_from.slice(0, 4) : "?"}–${to})`;
  }

  function period() {
    return new URLSearchParams({ from: $("w-from").value, to: $("w-to").value });
  }

  async function summary(set) {
    const params = period();
    params.set("ward_set", set);
    return api("/v1/wards/summary?" + params);
  }

  async function show() {
    const set = $("w-set").value, other = $("w-compare").value;
    const compare = other && other !== set;
    $("w-summary").textContent = "Counting…";
    const [a, b] = await Promise.all([summary(set), compare ? summary(other) : Promise.resolve(null)]);
    const byWard = (answer) => new Map(answer.wards.map((w) => [w.group, w]));
    const wa = byWard(a), wb = b ? byWard(b) : new Map();
    const wards = [...new Set([...wa.keys(), ...wb.keys()])].sort((x, y) => (Number(x) - Number(y)) || x.localeCompare(y));
    let columns, rowOf;
    if (compare) {
      // Each figure twice, the maps named in a second header row.
      columns = [["ward", "Ward", 0], ...COMPARED.flatMap((key) => {
        const heading = FIGURES.find((f) => f[0] === key)[1];
        return [[key + "@a", a.ward_set, 0, heading], [key + "@b", b.ward_set, 0, heading]];
      })];
      rowOf = (ward, x, y) => [ward, ...COMPARED.flatMap((key) => [x ? x[key] : null, y ? y[key] : null])];
    } else {
      columns = [["ward", "Ward", 0], ...FIGURES];
      rowOf = (ward, x) => [ward, ...FIGURES.map(([key]) => (x ? x[key] : null))];
    }
    shown = {
      columns,
      rows: wards.map((w) => rowOf(w, wa.get(w), wb.get(w))),
      totals: rowOf("City", a.city, b ? b.city : null),
      sets: compare ? [a.ward_set, b.ward_set] : [a.ward_set],
    };
    const span = `${$("w-from").value} to ${$("w-to").value}`;
    $("w-caption").textContent = compare
      ? `Wards under ${a.ward_set} beside ${b.ward_set}, ${span}: each row is ward N on each map, so an office sees what its new ward inherits.`
      : `Wards under ${a.ward_set}, ${span}.`;
    $("w-summary").textContent = `${formatNumber(a.city ? a.city.opened : 0)} requests received in the period.`;
    render();
  }

  function render() {
    const table = $("w-table");
    const { columns, rows, totals } = shown;
    const grouped = columns.some((c) => c[3]);
    const head = el("tr", {}, columns.map(([, heading], i) => {
      const direction = sort.column === i ? (sort.descending ? "descending" : "ascending") : "none";
      return el("th", { scope: "col", "aria-sort": direction, rowspan: grouped && i === 0 ? 2 : null },
        el("button", { type: "button", class: "sort", onclick: () => sortBy(i) }, heading,
          el("span", { class: "arrow", "aria-hidden": "true" }, direction === "ascending" ? " ▲" : direction === "descending" ? " ▼" : "")));
    }));
    if (grouped) {
      // Figure names over their pair of maps; the ward column spans both rows.
      const ward = head.firstChild;
      const groups = el("tr", {}, ward);
      for (let i = 1; i < columns.length; i += 2) groups.append(el("th", { scope: "colgroup", colspan: 2 }, columns[i][3]));
      table.tHead.replaceChildren(groups, head);
    } else {
      table.tHead.replaceChildren(head);
    }
    const ordered = [...rows].sort((x, y) => compareCells(x[sort.column], y[sort.column], sort.descending));
    table.tBodies[0].replaceChildren(...ordered.map((row) =>
      el("tr", { "data-ward": row[0] }, row.map((cell, i) => (i === 0 ? el("th", { scope: "row" }, cell) : el("td", {}, cellText(cell, columns[i][2])))))));
    table.tFoot.replaceChildren(el("tr", { class: "totals" },
      totals.map((cell, i) => (i === 0 ? el("th", { scope: "row" }, cell) : el("td", { "data-key": columns[i][0] }, cellText(cell, columns[i][2]))))));
  }

  function cellText(value, digits) {
    if (value === null || value === undefined) return "–";
    return digits ? formatNumber(value, digits) : formatNumber(value);
  }

  /** Numbers as numbers, text after them; a ward missing from one map sorts last either way. */
  function compareCells(x, y, descending) {
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const nx = Number(x), ny = Number(y);
    let order;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) order = nx - ny;
    else if (Number.isNaN(nx) !== Number.isNaN(ny)) return Number.isNaN(nx) ? 1 : -1;
    else order = String(x).localeCompare(String(y));
    return descending ? -order : order;
  }

  function sortBy(column) {
    sort = { column, descending: sort.column === column ? !sort.descending : column !== 0 };
    render();
    $("w-table").tHead.querySelectorAll("button")[column].focus();
  }

  async function downloadCSV() {
    if (!shown) return;
    if (shown.sets.length === 1) {
      // One map: the API's own CSV, with every figure.
      const params = period();
      params.set("ward_set", shown.sets[0]);
      return downloadFromAPI("/v1/wards/summary.csv?" + params, `wards-${shown.sets[0]}-${$("w-from").value}.csv`);
    }
    download(`wards-${shown.sets.join("-vs-")}-${$("w-from").value}.csv`,
      csv(shown.columns.map((c) => (c[3] ? `${c[3]} (${c[1]})` : c[1])), [...shown.rows, shown.totals]), "text/csv");
  }

  // ---- the customer-service report and the unresolved cases ----

  // [key in the report's rows, heading, digits]
  const SERVICE = [
    ["received", "Received", 0], ["cases", "Cases", 0], ["duplicates_merged", "Duplicates merged", 0], ["open", "Open", 0],
    ["closed", "Closed", 0], ["actions_taken", "Actions", 0], ["acknowledge_hours_median", "Hours to acknowledge (median)", 1],
    ["close_days_median", "Days to close (median)", 1], ["close_days_p90", "Days to close (p90)", 1],
    ["acknowledge_breaches", "Late acknowledgements", 0], ["respond_breaches", "Late responses", 0], ["new_dates", "New dates", 0],
    ["expedited", "Expedited", 0], ["evaluations", "Evaluations", 0], ["evaluation_average", "Average rating", 1],
  ];

  async function startService() {
    $("w-service-form").addEventListener("submit", (event) => { event.preventDefault(); showService().catch(fail); });
    $("w-service-csv").addEventListener("click", () =>
      downloadFromAPI("/v1/reports/cases.csv?" + serviceParams(), `cases-by-${$("w-service-by").value}.csv`).catch(fail));
    $("w-open-form").addEventListener("submit", (event) => { event.preventDefault(); listOpen().catch(fail); });
    $("w-open-csv").addEventListener("click", () =>
      downloadFromAPI(openPath(".csv"), $("w-open-expedited").checked ? "expedited.csv" : "unresolved.csv").catch(fail));
    if (can("readCases")) {
      const { departments } = await api("/v1/departments");
      $("w-open-dept").append(...departments.filter((d) => d.active).map((d) => el("option", { value: d.department }, d.name)));
    }
    await Promise.all([showService(), listOpen()]);
  }

  function serviceParams() {
    const params = period();
    params.set("by", $("w-service-by").value);
    params.set("ward_set", $("w-set").value);
    return params;
  }

  async function showService() {
    const answer = await api("/v1/reports/cases?" + serviceParams());
    const table = $("w-service-table");
    table.tHead.replaceChildren(el("tr", {}, el("th", { scope: "col" }, $("w-service-by").selectedOptions[0].textContent),
      ...SERVICE.map(([, heading]) => el("th", { scope: "col" }, heading))));
    table.tBodies[0].replaceChildren(...answer.rows.map((row) => el("tr", { "data-key": row.key }, el("th", { scope: "row" }, row.label),
      ...SERVICE.map(([key, , digits]) => el("td", { "data-key": key }, cellText(row[key], digits))))));
    $("w-service-caption").textContent = `Requests received ${$("w-from").value} to ${$("w-to").value}, by ${answer.by}.`;
  }

  function openPath(extension) {
    const expedited = $("w-open-expedited").checked;
    const params = new URLSearchParams({ limit: "200" });
    if (!expedited && $("w-open-dept").value) params.set("department", $("w-open-dept").value);
    return `/v1/reports/${expedited ? "expedited" : "unresolved"}${extension}?` + params;
  }

  async function listOpen() {
    const answer = await api(openPath(""));
    $("w-open-summary").textContent = answer.count === 0 ? "No open cases." : `${formatNumber(answer.count)} open cases, most urgent first.`;
    $("w-open-table").tBodies[0].replaceChildren(...answer.cases.map((c) => el("tr", { class: c.overdue ? "overdue" : null },
      el("td", {}, c.service_request_id + (c.expedited ? " (expedited)" : "")), el("td", {}, c.service_name), el("td", {}, c.address),
      el("td", {}, c.status.replace("_", " ")), el("td", {}, c.department), el("td", {}, c.responsible || "–"),
      el("td", {}, day(c.requested_at)), el("td", {}, c.respond_due_at ? day(c.respond_due_at) + (c.overdue ? " (late)" : "") : "–"),
      el("td", {}, String(c.child_count + 1)))));
  }

  // ---- a ward office's own requests (with requester names: its own wards only) ----

  async function startRequests() {
    const who = Samespot.who;
    const wards = who.role === "admin"
      ? (await SamespotMap.wardBoundaries($("w-set").value)).features.map((f) => f.properties.ward)
      : who.wards;
    $("w-req-ward").replaceChildren(...wards.map((w) => el("option", { value: w }, "Ward " + w)));
    $("w-requests-form").addEventListener("submit", (event) => { event.preventDefault(); listRequests().catch(fail); });
    $("w-req-csv").addEventListener("click", () => {
      const params = period();
      params.set("ward_set", $("w-set").value);
      downloadFromAPI(`/v1/wards/${encodeURIComponent($("w-req-ward").value)}/requests.csv?` + params,
        `ward-${$("w-req-ward").value}-requests.csv`).catch(fail);
    });
  }

  async function listRequests() {
    const params = period();
    params.set("ward_set", $("w-set").value);
    params.set("page_size", "200");
    const answer = await api(`/v1/wards/${encodeURIComponent($("w-req-ward").value)}/requests?` + params);
    $("w-req-table").tBodies[0].replaceChildren(...answer.requests.map((r) => {
      const person = r.requester ? [r.requester.first_name, r.requester.last_name].filter(Boolean).join(" ") : "";
      const contact = r.requester ? [r.requester.email, r.requester.phone].filter(Boolean).join(" · ") : "";
      return el("tr", {}, el("td", {}, r.service_request_id), el("td", {}, r.service_name), el("td", {}, r.address),
        el("td", {}, day(r.requested_at)), el("td", {}, r.status), el("td", {}, person || "(anonymous)"), el("td", {}, contact));
    }));
  }

  Samespot.register("wards", { title: "Wards", needs: "wardSummaries", start });
})();
