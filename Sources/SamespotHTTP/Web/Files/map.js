// Maps for every view: Leaflet (Debian's libjs-leaflet) with the city's ward boundaries as the
// base layer. A city network usually reaches no tile server, so tiles are drawn only when the
// deployment configured one (SAMESPOT_TILE_URL, given to the page by /v1/city).
"use strict";

const SamespotMap = (() => {
  const boundaries = new Map(); // ward set name → Promise of its GeoJSON

  function wardBoundaries(set) {
    if (!boundaries.has(set)) {
      const loading = Samespot.api("/v1/wards/boundaries?ward_set=" + encodeURIComponent(set));
      loading.catch(() => boundaries.delete(set));
      boundaries.set(set, loading);
    }
    return boundaries.get(set);
  }

  /**
   * A map in `element` showing the wards of `set` (default: the set in use).
   * Returns { map, setWards(name), wardLayer() }.
   */
  async function create(element, { set } = {}) {
    const city = Samespot.city;
    const map = L.map(element, { zoomSnap: 0.25, keyboard: true, attributionControl: !!city.tile_url });
    if (city.tile_url) {
      L.tileLayer(city.tile_url, { attribution: city.tile_attribution || "", maxZoom: 19 }).addTo(map);
    }
    let layer = null;
    async function setWards(name) {
      const geojson = await wardBoundaries(name);
      if (layer) layer.remove();
      layer = L.geoJSON(geojson, {
        style: () => ({ className: "ward", color: "#49627a", weight: 1.2, fillColor: "#dfe7ee", fillOpacity: city.tile_url ? 0.05 : 0.55 }),
        onEachFeature: (feature, shape) => shape.bindTooltip("Ward " + feature.properties.ward, { sticky: true }),
      }).addTo(map);
      layer.bringToBack();
      map.fitBounds(layer.getBounds(), { padding: [4, 4] });
      return layer;
    }
    await setWards(set || city.ward_set);
    return { map, setWards, wardLayer: () => layer };
  }

  return { create, wardBoundaries };
})();
