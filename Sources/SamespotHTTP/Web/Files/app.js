// Samespot's web page: the shell every view shares. It keeps the API key for this tab, asks the
// API who the key belongs to, shows only the views that role may use, and routes between them
// by path (/intake, /hotspots, /wards). Views live in their own files and register here.
//
// Everything the page shows comes from the same API any client uses, with the same key; text
// from the API is put into the page with textContent, never as HTML.
"use strict";

const Samespot = (() => {
  const KEY = "samespot.key";
  const views = {};
  const state = { key: null, who: null, city: null, current: null, started: new Map() };
  // Figures the browser test reads: milliseconds from navigation to each view's first render.
  const timings = {};

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  /** Calls the API with the tab's key; answers parsed JSON (or text), throws ApiError. */
  async function api(path, { method = "GET", body, raw = false } = {}) {
    const headers = { Accept: "application/json" };
    if (state.key) headers.Authorization = "Bearer " + state.key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) {
      let message = response.statusText;
      try {
        const data = await response.json();
        message = (data.error && data.error.message) || (Array.isArray(data) && data[0] && data[0].description) || message;
      } catch (_) { /* not JSON: keep the status text */ }
      throw new ApiError(response.status, message);
    }
    if (raw) return response;
    const type = response.headers.get("Content-Type") || "";
    return type.includes("json") ? response.json() : response.text();
  }

  /** Builds an element: el("li", {class: "x", onclick: f}, "text", child). Text stays text. */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);

  function can(permission) { return !!state.who && state.who.permissions.includes(permission); }

  function say(message, kind = "info") {
    const status = $("status");
    status.textContent = message || "";
    status.dataset.kind = kind;
  }

  /** An API's refusal is said to the user as the API worded it; anything else is also logged. */
  function fail(error) {
    if (error instanceof ApiError) return say(error.message, "error");
    console.error(error);
    say("Something went wrong: " + error.message, "error");
  }

  /** Saves text (CSV, GeoJSON) the page already holds as a file. */
  function download(filename, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const link = el("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** A CSV the API answers (it needs the key, so it is fetched, then saved). */
  async function downloadFromAPI(path, filename) {
    const response = await api(path, { raw: true });
    download(filename, await response.text(), "text/csv");
  }

  function csvCell(value) {
    const text = value === undefined || value === null ? "" : String(value);
    // A cell a spreadsheet would run as a formula is kept as text.
    const safe = /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
    return /[",\n\r]/.test(safe) ? '"' + safe.replace(/"/g, '""') + '"' : safe;
  }

  function csv(header, rows) {
    return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }

  const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  function formatNumber(value, digits = 1) {
    if (value === undefined || value === null) return "–";
    return digits === 1 ? number.format(value) : value.toFixed(digits);
  }

  function formatAge(days) {
    if (days < 1 / 24) return "just now";
    if (days < 1) return Math.round(days * 24) + " h";
    return number.format(days) + " d";
  }

  function day(iso) { return iso ? iso.slice(0, 10) : ""; }

  // ---- session ----

  async function signIn(key) {
    state.key = key || null;
    try {
      state.who = await api("/v1/whoami");
    } catch (error) {
      state.key = null;
      state.who = null;
      throw error;
    }
    if (key) sessionStorage.setItem(KEY, key); else sessionStorage.setItem(KEY, "");
    state.city = await api("/v1/city");
    showWho();
  }

  /** Forgets the key and starts the page afresh: nothing fetched under the old key stays. */
  function signOut() {
    sessionStorage.removeItem(KEY);
    location.assign("/");
  }

  function showWho() {
    const who = state.who;
    const wards = who.wards.length ? " · wards " + who.wards.join(", ") : "";
    $("who-role").textContent = (who.role === "public" ? "Public" : who.role.replace("_", " ")) + wards;
    $("who").hidden = false;
    for (const link of document.querySelectorAll("#nav a")) link.hidden = !can(link.dataset.needs);
  }

  /** Hides what the role may not use, in the whole page. */
  function applyPermissions(root) {
    for (const node of root.querySelectorAll("[data-needs]")) if (!node.matches("#nav a")) node.hidden = !can(node.dataset.needs);
    for (const node of root.querySelectorAll("[data-needs-not]")) node.hidden = can(node.dataset.needsNot);
  }

  // ---- routing ----

  function viewFor(path) {
    const name = path.replace(/^\/+/, "").split("/")[0];
    if (views[name]) return name;
    // The role's own view: intake staff take requests, ward offices read their wards, planners
    // look for hotspots; the public looks up what is already reported.
    if (can("intake")) return "intake";
    if (can("wardRequests")) return "wards";
    if (can("clusters")) return "hotspots";
    return "intake";
  }

  async function route(path, push = false) {
    if (push) history.pushState({}, "", path);
    for (const section of document.querySelectorAll(".view")) section.hidden = true;
    say("");
    if (!state.who) {
      $("view-signin").hidden = false;
      $("signin-key").focus();
      return;
    }
    const name = viewFor(path);
    const view = views[name];
    const section = $("view-" + name);
    for (const link of document.querySelectorAll("#nav a")) {
      if (link.dataset.view === name) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    }
    section.hidden = false;
    document.title = "Samespot · " + view.title;
    if (!can(view.needs)) {
      say(`A ${state.who.role} key may not use ${view.title}.`, "error");
      return;
    }
    applyPermissions(section);
    state.current = name;
    try {
      if (!state.started.has(name)) {
        state.started.set(name, true);
        await view.start(section);
        if (timings[name] === undefined) timings[name] = Math.round(performance.now());
      } else if (view.shown) {
        view.shown();
      }
    } catch (error) {
      fail(error);
    }
  }

  function start() {
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-nav]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      route(link.getAttribute("href"), true);
    });
    window.addEventListener("popstate", () => route(location.pathname));
    $("sign-out").addEventListener("click", signOut);
    $("signin-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      await trySignIn($("signin-key").value.trim());
    });
    $("signin-public").addEventListener("click", () => trySignIn(""));
    const saved = sessionStorage.getItem(KEY);
    if (saved !== null) trySignIn(saved); else route(location.pathname);
  }

  async function trySignIn(key) {
    const error = $("signin-error");
    error.textContent = "";
    try {
      await signIn(key);
      $("signin-key").value = "";
      await route(location.pathname);
    } catch (e) {
      sessionStorage.removeItem(KEY);
      error.textContent = e instanceof ApiError && e.status === 401 ? "That key is not valid, or it was revoked." : e.message;
      route(location.pathname);
    }
  }

  document.addEventListener("DOMContentLoaded", start);

  return {
    api, el, $, can, say, fail, download, downloadFromAPI, csv, formatNumber, formatAge, day, timings, ApiError,
    get who() { return state.who; },
    get city() { return state.city; },
    /** Views add themselves: { title, needs (a permission), start(section), shown() }. */
    register(name, view) { views[name] = view; },
  };
})();
