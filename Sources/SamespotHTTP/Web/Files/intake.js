// Intake: staff on the phone place the request (an address with suggestions as they type, or a
// click on the map), pick the type, and see at once what is already reported nearby, nearest
// first. They either add the caller to an existing case or submit a new request; the answer
// shows the tracking number and, when it was merged, into which case and why.
"use strict";

(() => {
  const { api, el, $, can, say, fail, formatAge, formatNumber } = Samespot;
  let section, cityMap, spotMarker, matchLayer;
  let services = new Map(); // service_code → type
  let spot = null;          // { lat, long, address, addressId }
  let suggestions = [];     // the last suggestions shown, by their text
  // How each suggestion was placed, in words for the person on the phone.
  const methodLabels = { address_point: "address", learned: "placed before by the city" };
  let typing = 0;           // a counter, so a slow answer never overwrites a newer one

  async function start(root) {
    section = root;
    const [catalog] = await Promise.all([api("/v1/services"), createMap()]);
    fillServices(catalog.services.filter((s) => s.active));
    $("intake-address").addEventListener("input", onType);
    $("intake-address").addEventListener("change", () => placeTyped(true));
    $("intake-address").addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); placeTyped(false); }
    });
    $("intake-find").addEventListener("click", () => placeTyped(false));
    $("intake-service").addEventListener("change", () => { showQuestions(); refreshMatches(); });
    $("intake-form").addEventListener("submit", submit);
  }

  async function createMap() {
    cityMap = await SamespotMap.create($("intake-map"));
    matchLayer = L.layerGroup().addTo(cityMap.map);
    cityMap.map.on("click", (event) => placeClicked(event.latlng.lat, event.latlng.lng));
  }

  function fillServices(list) {
    services = new Map(list.map((s) => [s.service_code, s]));
    const select = $("intake-service");
    select.replaceChildren(el("option", { value: "" }, "Any type (choose one to submit)"));
    const groups = new Map();
    for (const s of [...list].sort((a, b) => a.service_name.localeCompare(b.service_name))) {
      const group = s.group || "Other";
      if (!groups.has(group)) groups.set(group, el("optgroup", { label: group }));
      groups.get(group).append(el("option", { value: s.service_code }, s.service_name));
    }
    for (const name of [...groups.keys()].sort()) select.append(groups.get(name));
  }

  // ---- where ----

  function onType() {
    const text = $("intake-address").value.trim();
    const ticket = ++typing;
    if (text.length < 2) return;
    setTimeout(async () => {
      if (ticket !== typing) return;
      try {
        const answer = await api("/v1/geocode/suggest?limit=8&q=" + encodeURIComponent(text));
        if (ticket !== typing) return;
        suggestions = answer.suggestions;
        $("intake-suggestions").replaceChildren(...suggestions.map((s) =>
          el("option", { value: s.address }, methodLabels[s.method] || s.method.replace("_", " "))));
      } catch (error) { fail(error); }
    }, 120);
  }

  /** The typed text: a suggestion picked from the list is placed at once; other text is geocoded. */
  async function placeTyped(onlyIfSuggested) {
    const text = $("intake-address").value.trim();
    if (!text) return;
    const picked = suggestions.find((s) => s.address === text && s.latitude !== undefined && s.latitude !== null);
    if (picked) {
      return setSpot({ lat: picked.latitude, long: picked.longitude, address: picked.address, addressId: picked.address_id },
                     `${picked.address} (${picked.method.replace("_", " ")})`);
    }
    if (onlyIfSuggested) return;
    try {
      const found = await api("/v1/geocode?address=" + encodeURIComponent(text));
      if (found.latitude === undefined || found.latitude === null || !["address_point", "interpolated", "intersection"].includes(found.precision)) {
        const options = (found.candidates || []).map((c) => c.address).join("; ");
        say(`“${text}” could not be placed precisely${options ? ": did you mean " + options + "?" : "; try the number and street, or click the map."}`, "error");
        return;
      }
      const why = found.reasons && found.reasons.length ? " — " + found.reasons.join("; ") : "";
      setSpot({ lat: found.latitude, long: found.longitude, address: found.matched, addressId: found.address_id },
               `${found.matched} (${found.method.replace("_", " ")}${found.ward ? ", ward " + found.ward : ""})${why}`);
    } catch (error) { fail(error); }
  }

  async function placeClicked(lat, long) {
    try {
      const found = await api(`/v1/reverse?lat=${lat}&long=${long}`);
      const near = found.nearest;
      const close = near.distance_metres <= 30;
      $("intake-address").value = close ? near.address : "";
      setSpot({ lat, long, address: close ? near.address : null },
               `${close ? "At " : "Near "}${near.address} (${formatNumber(near.distance_metres)} m${found.ward ? ", ward " + found.ward : ""})`);
    } catch (error) { fail(error); }
  }

  function setSpot(where, description) {
    say("");
    spot = where;
    $("intake-place").textContent = description;
    if (spotMarker) spotMarker.remove();
    spotMarker = L.marker([where.lat, where.long], { title: "The request's spot", keyboard: false }).addTo(cityMap.map);
    cityMap.map.setView([where.lat, where.long], Math.max(cityMap.map.getZoom(), 16));
    refreshMatches();
  }

  // ---- already reported ----

  async function refreshMatches() {
    if (!spot) return;
    const code = $("intake-service").value;
    const params = new URLSearchParams({ lat: spot.lat, long: spot.long, limit: 20 });
    if (code) params.set("service_code", code);
    const list = $("matches-list");
    try {
      const answer = await api("/v1/matches?" + params);
      // Nearest first; "would merge" is marked on each, by the type's rule.
      const matches = [...answer.matches].sort((a, b) => a.distance_m - b.distance_m);
      matchLayer.clearLayers();
      list.replaceChildren(...matches.map(matchItem));
      const merging = matches.filter((m) => m.would_merge).length;
      $("matches-summary").textContent = matches.length === 0
        ? `No open case within ${formatNumber(answer.radius_m)} m${code ? " of this type" : ""}.`
        : `${matches.length} open case${matches.length === 1 ? "" : "s"} within ${formatNumber(answer.radius_m)} m` +
          (code ? `; ${merging} would take this request as a duplicate.` : ". Choose a type to see which would take it.");
    } catch (error) {
      list.replaceChildren();
      fail(error);
    }
  }

  function matchItem(m) {
    const reports = m.child_count + 1;
    const marker = L.circleMarker([m.lat, m.long], {
      radius: 7, className: "match" + (m.would_merge ? " would-merge" : ""), color: m.would_merge ? "#b3261e" : "#1d5fa8", weight: 2, fillOpacity: 0.6,
    }).bindTooltip(`${m.service_name} · ${m.service_request_id}`).addTo(matchLayer);
    const join = can("intake")
      ? el("button", { type: "button", class: "join", onclick: () => joinCase(m) }, "Add caller to this case")
      : null;
    return el("li", { class: m.would_merge ? "would-merge" : "", "data-id": m.service_request_id, onmouseenter: () => marker.openTooltip() },
      el("div", { class: "title" }, el("strong", {}, m.service_name), m.would_merge ? el("span", { class: "badge" }, "would merge") : null),
      el("div", {}, m.address || "(no address)", " · ", el("span", { class: "id" }, m.service_request_id)),
      el("div", { class: "facts" },
        el("span", {}, `${formatNumber(m.distance_m)} m away`),
        el("span", {}, `${formatAge(m.age_days)} old`),
        el("span", {}, m.status.replace("_", " ")),
        el("span", { class: "reports" }, `${reports} report${reports === 1 ? "" : "s"}`),
        m.same_address ? el("span", {}, "same address") : m.same_block ? el("span", {}, "same block") : null),
      join);
  }

  function caller() {
    const value = (id) => $(id).value.trim() || undefined;
    return { first_name: value("intake-first"), last_name: value("intake-last"), email: value("intake-email"), phone: value("intake-phone") };
  }

  async function joinCase(match) {
    const result = $("intake-result");
    try {
      const answer = await api(`/v1/cases/${encodeURIComponent(match.service_request_id)}/join`, {
        method: "POST", body: { ...caller(), description: $("intake-description").value || undefined, channel: "phone" },
      });
      result.replaceChildren(
        el("p", { class: "tracking" }, "Tracking number ", el("strong", { id: "intake-tracking" }, answer.service_request_id)),
        el("p", {}, `The caller was added to case ${answer.parent_service_request_id || match.service_request_id} (${match.service_name}, ${match.address}), and will hear when it is resolved.`));
      result.scrollIntoView({ block: "nearest" });
      clearCaller();
      await refreshMatches();
    } catch (error) { fail(error); }
  }

  // ---- what ----

  function showQuestions() {
    const box = $("intake-questions");
    box.replaceChildren();
    const type = services.get($("intake-service").value);
    if (!type) return;
    for (const q of [...type.attributes].sort((a, b) => a.order - b.order)) {
      const id = "intake-q-" + q.code;
      if (!q.variable) { box.append(el("p", { class: "hint" }, q.description)); continue; }
      const label = el("label", { for: id }, q.description, q.required ? el("span", { class: "required" }, " (required)") : null);
      let input;
      if (q.datatype === "singlevaluelist" || q.datatype === "multivaluelist") {
        input = el("select", { id, "data-code": q.code, multiple: q.datatype === "multivaluelist", required: q.required },
          q.datatype === "singlevaluelist" ? el("option", { value: "" }, "—") : null,
          q.values.map((v) => el("option", { value: v.key }, v.name)));
      } else if (q.datatype === "text") {
        input = el("textarea", { id, "data-code": q.code, rows: 2, required: q.required });
      } else {
        input = el("input", { id, "data-code": q.code, required: q.required,
          type: q.datatype === "number" ? "number" : q.datatype === "datetime" ? "datetime-local" : "text" });
      }
      box.append(label, input);
    }
  }

  function answers() {
    const result = {};
    for (const input of $("intake-questions").querySelectorAll("[data-code]")) {
      const values = input.multiple ? [...input.selectedOptions].map((o) => o.value) : [input.value.trim()];
      const kept = values.filter((v) => v !== "");
      if (kept.length) result[input.dataset.code] = input.multiple ? kept : kept[0];
    }
    return result;
  }

  // ---- submit ----

  async function submit(event) {
    event.preventDefault();
    const code = $("intake-service").value;
    if (!code) { say("Choose the service type first.", "error"); $("intake-service").focus(); return; }
    const typed = $("intake-address").value.trim();
    if (!spot && !typed) { say("Say where: type an address or click the map.", "error"); $("intake-address").focus(); return; }
    // The type's required questions, asked before the round trip (the API checks them too).
    const unanswered = [...$("intake-questions").querySelectorAll("[data-code][required]")]
      .find((input) => (input.multiple ? input.selectedOptions.length === 0 : input.value.trim() === ""));
    if (unanswered) {
      say(`Answer “${document.querySelector(`label[for="${unanswered.id}"]`).firstChild.textContent}”: this type requires it.`, "error");
      unanswered.focus();
      return;
    }
    const body = { service_code: code, description: $("intake-description").value || undefined, attributes: answers(), channel: "phone", ...caller() };
    if (spot && spot.addressId) body.address_id = spot.addressId;
    else if (spot) { body.lat = spot.lat; body.long = spot.long; }
    else body.address = typed;
    const result = $("intake-result");
    try {
      const answer = await api("/v1/requests", { method: "POST", body });
      const lines = [el("p", { class: "tracking" }, "Tracking number ", el("strong", { id: "intake-tracking" }, answer.service_request_id))];
      if (answer.duplicate) {
        const d = answer.decision;
        const why = [d.distance_m !== null && d.distance_m !== undefined ? `${formatNumber(d.distance_m)} m away` : null,
          `${formatAge(d.age_seconds / 86400)} after it`, d.same_address ? "same address" : d.same_block ? "same block" : null,
          d.model ? `the city's practice as learned: ${Math.round(d.model.probability * 100)} % likely (needs ${Math.round(d.model.threshold * 100)} %)`
            : `rule: ${d.rule.match_unit === "distance" ? d.rule.radius_m + " m" : "same " + d.rule.match_unit}, ${d.rule.window_days} days`]
          .filter(Boolean).join(", ");
        lines.push(el("p", { class: "merged" }, "Already reported: merged into case ", el("strong", {}, answer.parent_service_request_id), ` (${why}).`));
        if (d.model) {
          // The model's strongest reasons, each with the way it pushed.
          const reasons = d.model.reasons.slice(0, 4).map((r) => `${r.feature} ${formatNumber(r.value)} (${r.log_odds >= 0 ? "for" : "against"})`);
          lines.push(el("p", { class: "reasons", id: "intake-reasons" }, "Why: " + reasons.join(", ") + "."));
        }
      } else {
        lines.push(el("p", {}, `A new case${answer.location.ward ? " in ward " + answer.location.ward : ""}.`));
      }
      result.replaceChildren(...lines);
      result.scrollIntoView({ block: "nearest" });
      clearCaller();
      $("intake-description").value = "";
      await refreshMatches();
    } catch (error) { fail(error); }
  }

  function clearCaller() {
    for (const id of ["intake-first", "intake-last", "intake-email", "intake-phone"]) $(id).value = "";
  }

  Samespot.register("intake", {
    title: "Intake",
    needs: "matches",
    start,
    shown: () => cityMap && cityMap.map.invalidateSize(),
  });
})();
