// Hotspots, for public works planners: the city's wards with DBSCAN clusters of requests as
// sized, coloured marks. Filters pick the requests; a cluster (on the map, or in the list for
// keyboard users) shows its hull and lists its cases. The answer downloads as GeoJSON or CSV.
"use strict";

(() => {
  const { api, el, $, fail, download, csv, formatNumber, day } = Samespot;
  let cityMap, clusterLayer, hullLayer;
  let collection = null; // the last answer of /v1/clusters
  let selected = null;
  const names = new Map(); // service_code → name

  async function start() {
    const city = Samespot.city;
    const catalog = await api("/v1/services");
    const types = catalog.services.filter((s) => s.about_a_place).sort((a, b) => a.service_name.localeCompare(b.service_name));
    for (const t of catalog.services) names.set(t.service_code, t.service_name);
    // Cities rename types over the years; where two share a name, the code tells them apart.
    const named = new Map();
    for (const t of types) named.set(t.service_name, (named.get(t.service_name) || 0) + 1);
    $("hs-service").replaceChildren(...types.map((t) =>
      el("option", { value: t.service_code }, named.get(t.service_name) > 1 ? `${t.service_name} (${t.service_code})` : t.service_name)));
    $("hs-set").replaceChildren(...city.ward_sets.map((s) => el("option", { value: s.name, selected: s.in_use }, s.name)));
    if (city.requests) { $("hs-from").value = city.requests.first; $("hs-to").value = city.requests.last; }
    cityMap = await SamespotMap.create($("hs-map"));
    clusterLayer = L.layerGroup().addTo(cityMap.map);
    hullLayer = L.layerGroup().addTo(cityMap.map);
    await fillWards();
    $("hs-set").addEventListener("change", async () => { await cityMap.setWards($("hs-set").value); await fillWards(); });
    $("hotspots-form").addEventListener("submit", (event) => { event.preventDefault(); show().catch(fail); });
    $("hs-geojson").addEventListener("click", () => collection && download("hotspots.geojson", JSON.stringify(collection), "application/geo+json"));
    $("hs-csv").addEventListener("click", downloadCSV);
    await show();
  }

  async function fillWards() {
    const geojson = await SamespotMap.wardBoundaries($("hs-set").value);
    $("hs-ward").replaceChildren(el("option", { value: "" }, "All wards"),
      ...geojson.features.map((f) => el("option", { value: f.properties.ward }, "Ward " + f.properties.ward)));
  }

  function query() {
    const form = $("hotspots-form");
    const params = new URLSearchParams({ members: "true", limit: "500" });
    const codes = [...$("hs-service").selectedOptions].map((o) => o.value);
    if (codes.length) params.set("service_code", codes.join(","));
    for (const name of ["start_date", "end_date", "status", "eps", "min_points", "ward"]) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    if ($("hs-ward").value) params.set("ward_set", $("hs-set").value);
    if ($("hs-dups").checked) params.set("include_duplicates", "true");
    return params;
  }

  async function show() {
    const started = performance.now();
    $("hs-summary").textContent = "Clustering…";
    collection = await api("/v1/clusters?" + query());
    clusterLayer.clearLayers();
    hullLayer.clearLayers();
    selected = null;
    const features = collection.features;
    const largest = features.length ? features[0].properties.count : 1;
    // Area grows with the count; colour marks the tenth, the next quarter and the rest by size.
    const counts = features.map((f) => f.properties.count);
    const top = counts[Math.floor(counts.length * 0.1)] || largest, upper = counts[Math.floor(counts.length * 0.35)] || largest;
    // Smallest last, so the large marks (drawn first) stay reachable under them.
    for (const feature of [...features].reverse()) {
      const p = feature.properties;
      const mark = L.circleMarker([p.centroid[1], p.centroid[0]], {
        radius: 2.5 + 12 * Math.sqrt(p.count / largest), className: "cluster", weight: 1, color: "#4a1209",
        fillColor: p.count >= top ? "#b3261e" : p.count >= upper ? "#e8710a" : "#f4b400", fillOpacity: 0.75,
      }).bindTooltip(`${p.count} requests · ${p.top_types.map((t) => t.service_name).join(", ")}`);
      mark.on("click", () => select(feature));
      mark.addTo(clusterLayer);
    }
    const m = collection.metadata;
    $("hs-summary").textContent = `${formatNumber(m.clusters)} clusters from ${formatNumber(m.points)} requests` +
      ` (${formatNumber(m.noise)} stand alone); the ${features.length} largest are drawn.`;
    $("hs-cluster-list").replaceChildren(...features.slice(0, 15).map((f) =>
      el("li", {}, el("button", { type: "button", class: "link", onclick: () => select(f) },
        `#${f.properties.rank} · ${f.properties.count} requests: ${f.properties.top_types.map((t) => t.service_name).join(", ")}`))));
    $("hs-cases").hidden = true;
    $("hs-detail-summary").textContent = features.length ? "Choose a cluster on the map or in the list." : "No cluster with these filters.";
    Samespot.timings.hotspotsDraw = Math.round(performance.now() - started);
  }

  async function select(feature) {
    selected = feature;
    const p = feature.properties;
    hullLayer.clearLayers();
    const hull = L.geoJSON(feature.geometry, { style: { className: "hull", color: "#1d5fa8", weight: 2, fillOpacity: 0.15 } }).addTo(hullLayer);
    // Close enough to see the hull and the streets' wards around it.
    cityMap.map.fitBounds(hull.getBounds().pad(2), { maxZoom: 15 });
    const summary = $("hs-detail-summary");
    summary.textContent = `Cluster ${p.rank}: ${p.count} requests (${p.reports} reports with their duplicates). Loading its cases…`;
    const ids = p.service_request_ids || [];
    const rows = [];
    // Open311's own listing, by tracking number, in pieces a URL can carry.
    for (let i = 0; i < ids.length; i += 100) {
      const found = await api("/open311/v2/requests.json?service_request_id=" + encodeURIComponent(ids.slice(i, i + 100).join(",")));
      rows.push(...found);
    }
    if (selected !== feature) return;
    rows.sort((a, b) => (b.requested_datetime || "").localeCompare(a.requested_datetime || ""));
    const table = $("hs-cases");
    table.tBodies[0].replaceChildren(...rows.map((r) => el("tr", {},
      el("td", {}, r.service_request_id), el("td", {}, r.service_name || r.service_code), el("td", {}, r.address || ""),
      el("td", {}, day(r.requested_datetime)), el("td", {}, r.status))));
    table.hidden = false;
    table.dataset.count = String(rows.length);
    summary.textContent = `Cluster ${p.rank}: ${p.count} requests (${p.reports} reports with their duplicates); ${rows.length} listed below.`;
  }

  function downloadCSV() {
    if (!collection) return;
    const rows = collection.features.map((f) => {
      const p = f.properties;
      return [p.rank, p.count, p.reports, p.centroid[1].toFixed(6), p.centroid[0].toFixed(6),
        p.top_types.map((t) => `${t.service_name} (${t.count})`).join("; ")];
    });
    download("hotspots.csv", csv(["rank", "requests", "reports", "lat", "long", "top_types"], rows), "text/csv");
  }

  Samespot.register("hotspots", {
    title: "Hotspots",
    needs: "clusters",
    start,
    shown: () => cityMap && cityMap.map.invalidateSize(),
  });
})();
