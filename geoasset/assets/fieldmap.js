/*
 * geoasset field-review map.
 *
 * geoasset.init(map, baseLayers, cfg) draws the inventory layers that the page carries
 * as compact column tables (one JSON document), builds popups on demand from a table
 * row, and adds the field tools: search by asset id, measure, full screen, locate-me,
 * chainage (STA, offset, side) of any point clicked on a road or corridor, legend.
 * Every value from the data is HTML-escaped before it reaches the page.
 *
 * window.geoasset.ready turns true (and "geoasset:ready" is dispatched on window) once
 * every layer is on the map; geoasset.counts holds the number of features per layer.
 */
(function () {
  "use strict";

  const GA = (window.geoasset = window.geoasset || {});
  GA.ready = false;
  GA.counts = {};
  GA.readyMs = null;

  const M_PER_DEG = (6371008.8 * Math.PI) / 180;
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  /** HTML-escape any value. */
  function esc(value) {
    return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  }
  GA.escapeHtml = esc;

  // ---------------------------------------------------------------- column tables
  /** The value of column ``col`` in row ``i`` (columns may be dictionary-encoded). */
  function cell(table, col, i) {
    const column = table.data[col];
    if (column === undefined) return null;
    if (Array.isArray(column)) return column[i];
    const code = column.c[i];
    return code < 0 ? null : column.d[code];
  }

  // ---------------------------------------------------------------- formatting
  let NUM = { group: ",", decimal: "." };

  function fmtNumber(x, decimals) {
    if (x === null || x === undefined || x === "" || Number.isNaN(Number(x))) return "";
    const neg = Number(x) < 0;
    const fixed = Math.abs(Number(x)).toFixed(decimals);
    const dot = fixed.indexOf(".");
    const whole = dot < 0 ? fixed : fixed.slice(0, dot);
    const frac = dot < 0 ? "" : fixed.slice(dot + 1);
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, NUM.group);
    return (neg ? "-" : "") + grouped + (frac ? NUM.decimal + frac : "");
  }

  function fmtValue(value) {
    if (value === null || value === undefined || value === "") return "–";
    if (typeof value === "number") {
      if (Number.isInteger(value)) return Math.abs(value) >= 10000 ? fmtNumber(value, 0) : String(value);
      return fmtNumber(value, Math.abs(value) >= 1000 ? 1 : 2);
    }
    if (typeof value === "boolean") return value ? "✓" : "✗";
    return String(value);
  }

  function fmtRp(value) {
    return "Rp " + fmtNumber(Math.round(Number(value) || 0), 0);
  }

  /** "STA 12+300" for 12,300 m (rounded to the metre). */
  function formatSta(metres) {
    const total = Math.round(metres);
    const sign = total < 0 ? "-" : "";
    const abs = Math.abs(total);
    const km = Math.floor(abs / 1000);
    const m = abs - km * 1000;
    return "STA " + sign + km + "+" + String(m).padStart(3, "0");
  }
  GA.formatSta = formatSta;

  function fmtDistance(metres) {
    return metres >= 1000 ? fmtNumber(metres / 1000, 3) + " km" : fmtNumber(metres, 1) + " m";
  }

  // ---------------------------------------------------------------- geometry
  /**
   * Locate ``latlng`` on a road: the nearest point of its parts, the chainage there
   * (interpolated between the vertex chainages measured by geoasset), the distance
   * from the centreline and the side (left/right of the direction of chainage).
   */
  function locateOnRoad(road, lat, lon) {
    const kx = M_PER_DEG * Math.cos((lat * Math.PI) / 180);
    const ky = M_PER_DEG;
    let best = null;
    for (let p = 0; p < road.parts.length; p++) {
      const c = road.parts[p];
      const ch = road.ch[p];
      const nv = c.length / 2;
      if (nv === 1) {
        const x = (c[1] - lon) * kx, y = (c[0] - lat) * ky;
        const d2 = x * x + y * y;
        if (best === null || d2 < best.d2) best = { d2, sta: ch[0], cross: 0 };
        continue;
      }
      for (let k = 0; k < nv - 1; k++) {
        const ax = (c[2 * k + 1] - lon) * kx, ay = (c[2 * k] - lat) * ky;
        const bx = (c[2 * k + 3] - lon) * kx, by = (c[2 * k + 2] - lat) * ky;
        const dx = bx - ax, dy = by - ay;
        const len2 = dx * dx + dy * dy;
        let t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const fx = ax + t * dx, fy = ay + t * dy;
        const d2 = fx * fx + fy * fy;
        if (best === null || d2 < best.d2) {
          // click is at the origin: cross(d, click - a) = dx * (-ay) - dy * (-ax)
          best = { d2, sta: ch[k] + t * (ch[k + 1] - ch[k]), cross: dy * ax - dx * ay, fx, fy };
        }
      }
    }
    if (best === null) return null;
    const offset = Math.sqrt(best.d2);
    const side = offset < 0.1 ? "on" : best.cross > 0 ? "left" : "right";
    return { sta_m: best.sta, sta: formatSta(best.sta), offset_m: offset, side };
  }

  function roadBoxDistance(road, lat, lon) {
    const b = road.box; // [south, west, north, east]
    const kx = M_PER_DEG * Math.cos((lat * Math.PI) / 180);
    const dx = lon < b[1] ? (b[1] - lon) * kx : lon > b[3] ? (lon - b[3]) * kx : 0;
    const dy = lat < b[0] ? (b[0] - lat) * M_PER_DEG : lat > b[2] ? (lat - b[2]) * M_PER_DEG : 0;
    return Math.sqrt(dx * dx + dy * dy);
  }

  // ---------------------------------------------------------------- the map
  GA.init = function (map, baseLayers, data) {
    // ``data`` is the id of the page's JSON document (or the parsed object).
    const t0 = performance.now();
    const cfg = typeof data === "string" ? JSON.parse(document.getElementById(data).textContent) : data;
    GA.timings = { parse_ms: performance.now() - t0 };
    NUM = cfg.num || NUM;
    const L_ = cfg.labels;
    const label = (key) => (L_[key] !== undefined ? L_[key] : key);
    const fieldLabel = (col) => (cfg.fields[col] !== undefined ? cfg.fields[col] : col);
    const state = { map, cfg, layers: {}, groups: {}, roads: [], roadById: new Map(), index: null };
    GA.state = state;
    GA.map = map;

    // One canvas for every vector layer: with several canvases only the top one gets
    // clicks. The tolerance makes lines and small circles easier to tap.
    map.options.renderer = L.canvas({ padding: 0.5, tolerance: 6 });
    // Leave room for the panel (top right) and the legend (bottom right) on wide screens.
    const wide = map.getSize().x > 760;
    if (cfg.bounds) {
      map.fitBounds(cfg.bounds, { paddingTopLeft: [50, 20], paddingBottomRight: [wide ? 300 : 20, 20], maxZoom: 18, animate: false });
      // Zooming out far past the data helps nobody, and every zoom level costs the
      // clusters time to build.
      map.setMinZoom(Math.max(0, map.getZoom() - 4));
    }

    const popup = L.popup({ maxWidth: 380, minWidth: 220, maxHeight: 360, autoPanPadding: [30, 30] });
    const overlays = {};

    // ------------------------------------------------------------ popups
    function row(key, value, cls) {
      return (
        "<tr" + (cls ? ' class="' + cls + '"' : "") + "><th>" + esc(key) + "</th><td>" +
        esc(fmtValue(value)) + "</td></tr>"
      );
    }

    function sideLabel(side) {
      return side ? label("side_" + side) : null;
    }

    /** A coded value (side, payment status) in the map's language. */
    function shown(col, value) {
      const names = cfg.values[col];
      return names && value !== null && names[value] !== undefined ? names[value] : value;
    }

    function itemsOf(layer, i) {
      const items = layer.items;
      if (!items) return [];
      const out = [];
      const rows = items.data.__row;
      for (let k = 0; k < items.n; k++) if (rows[k] === i) out.push(k);
      return out;
    }

    function locationHtml(loc, heading) {
      if (!loc) return "";
      let html = '<div class="ga-sub">' + esc(heading) + "</div><table class=\"ga-key\">";
      if (loc.road_id !== undefined) html += row(fieldLabel("road_id"), loc.road_id);
      html += row(label("sta"), loc.sta);
      html += row(fieldLabel("offset_m"), loc.offset_m);
      html += row(fieldLabel("side"), sideLabel(loc.side));
      return html + "</table>";
    }

    function nearestRoad(lat, lon, maxDistance) {
      let best = null;
      for (const road of state.roads) {
        if (roadBoxDistance(road, lat, lon) > (best ? best.offset_m : maxDistance)) continue;
        const loc = locateOnRoad(road, lat, lon);
        if (loc && loc.offset_m <= maxDistance && (best === null || loc.offset_m < best.offset_m)) {
          best = Object.assign({ road_id: road.id }, loc);
        }
      }
      return best;
    }
    GA.nearestRoad = (lat, lon, maxDistance) => nearestRoad(lat, lon, maxDistance === undefined ? 1e9 : maxDistance);
    GA.locateOnRoad = function (roadId, lat, lon) {
      const road = state.roadById.get(String(roadId));
      return road ? locateOnRoad(road, lat, lon) : null;
    };

    /** A link to the map of corridor ``id`` when the page knows where the corridor maps are. */
    function corridorLink(id) {
      const maps = cfg.corridor_maps;
      if (!maps || id === null || id === undefined) return "";
      const file = Object.prototype.hasOwnProperty.call(maps.files, String(id)) ? maps.files[String(id)] : null;
      if (!file) return "";
      return (
        '<a class="ga-corridor-link" href="' + esc(maps.base + encodeURIComponent(file)) + '">' +
        esc(label("map_open_corridor")) + " " + esc(id) + " →</a>"
      );
    }

    function popupHtml(layer, i, clicked) {
      const id = cell(layer, layer.id, i);
      let html = '<div class="ga-popup" data-layer="' + esc(layer.name) + '">';
      html += '<div class="ga-title">' + esc(layer.label_one) + " " + esc(fmtValue(id)) + "</div>";

      // The key facts first: chainage, owner, tariff, amount, status.
      const key = [];
      const has = (col) => layer.data[col] !== undefined;
      if (has("owner")) key.push([fieldLabel("owner"), cell(layer, "owner", i)]);
      if (layer.name === "corridors") {
        key.push([label("revenue"), fmtRp(layer.style.revenue[i] || 0)]);
      }
      let sta = has("sta") ? cell(layer, "sta", i) : null;
      if (!sta && has("sta_m") && cell(layer, "sta_m", i) !== null) sta = formatSta(cell(layer, "sta_m", i));
      let derived = null;
      if (sta === null && layer.kind === "points" && state.roads.length) {
        derived = nearestRoad(layer.lat[i], layer.lon[i], cfg.chainage.tolerance_m);
      }
      if (layer.name !== "roads" && layer.name !== "corridors") {
        if (derived) {
          key.push([fieldLabel("road_id"), derived.road_id + " (" + label("map_nearest") + ")"]);
          key.push([label("sta"), derived.sta]);
          key.push([fieldLabel("offset_m"), derived.offset_m]);
          key.push([fieldLabel("side"), sideLabel(derived.side)]);
        } else {
          key.push([label("sta"), sta]);
          if (has("offset_m")) key.push([fieldLabel("offset_m"), cell(layer, "offset_m", i)]);
          if (has("side")) key.push([fieldLabel("side"), sideLabel(cell(layer, "side", i))]);
        }
      }
      const items = itemsOf(layer, i);
      if (layer.items) {
        const tariffs = [];
        let amount = 0;
        for (const k of items) {
          const tid = cell(layer.items, "tariff_id", k);
          if (tid !== null && !tariffs.includes(tid)) tariffs.push(tid);
          amount += Number(cell(layer.items, "amount_rp", k)) || 0;
        }
        key.push([label("tariff"), tariffs.length ? tariffs.join(", ") : null]);
        key.push([label("amount_rp"), items.length ? fmtRp(amount) : null]);
      } else if (layer.name === "poles" && has("amount_rp")) {
        const amount = cell(layer, "amount_rp", i);
        key.push([label("amount_rp"), amount === null ? null : fmtRp(amount)]);
      }
      if (layer.name === "corridors") {
        key.push([label("map_items"), layer.style.items[i]]);
        if (layer.style.poles) key.push([label("map_billed_poles"), layer.style.poles[i]]);
      }
      if (layer.style && layer.style.status) {
        key.push([label("status"), cfg.status[layer.style.status[i]].label]);
      }
      html += '<table class="ga-key">' + key.map((kv) => row(kv[0], kv[1])).join("") + "</table>";
      const link = corridorLink(layer.name === "corridors" ? id : has("corridor_id") ? cell(layer, "corridor_id", i) : null);
      if (link) html += link;
      if (clicked) html += locationHtml(clicked, label("map_clicked_point"));

      // Every attribute.
      html += '<div class="ga-sub">' + esc(label("map_attributes")) + '</div><table class="ga-attrs">';
      for (const col of layer.cols) html += row(fieldLabel(col), shown(col, cell(layer, col, i)));
      html += "</table>";

      // Assessment line items.
      if (items.length) {
        items.forEach((k, n) => {
          html += '<div class="ga-sub">' + esc(label("map_item")) + " " + (n + 1) + "/" + items.length + "</div>";
          html += '<table class="ga-items">';
          for (const col of layer.items.cols) {
            const v = cell(layer.items, col, k);
            html += row(fieldLabel(col), col.endsWith("_rp") && v !== null ? fmtRp(v) : shown(col, v));
          }
          html += "</table>";
        });
      }

      // Photo.
      if (layer.photos && layer.photos[i]) {
        const [kind, value, path] = layer.photos[i];
        html += '<div class="ga-sub">' + esc(label("photo")) + "</div>";
        if (kind === "img") {
          html += '<img class="ga-photo" alt="' + esc(path) + '" src="' + esc(value) + '">';
        } else if (kind === "link") {
          html += '<a class="ga-photo-link" target="_blank" rel="noopener" href="' + esc(value) + '">' + esc(path) + "</a>";
        } else {
          html += '<div class="ga-missing">' + esc(label("map_photo_missing")) + ": " + esc(path) + "</div>";
        }
      }
      return html + "</div>";
    }

    function openPopup(layer, i, latlng, clicked) {
      popup.setLatLng(latlng).setContent(popupHtml(layer, i, clicked)).openOn(map);
      GA.lastPopup = { layer: layer.name, row: i, id: cell(layer, layer.id, i) };
    }
    GA.openPopup = function (layerName, i) {
      const layer = state.layers[layerName];
      openPopup(layer, i, L.latLng(layer.lat[i], layer.lon[i]));
    };

    // ------------------------------------------------------------ layer builders
    function pathsOf(geom) {
      // geom: [1, [lat, lon]] | [2, [flat part, ...]] | [3, [[flat ring, ...], ...]]
      const toLatLngs = (flat) => {
        const out = new Array(flat.length / 2);
        for (let k = 0; k < out.length; k++) out[k] = [flat[2 * k], flat[2 * k + 1]];
        return out;
      };
      if (geom[0] === 2) return { kind: "line", latlngs: geom[1].map(toLatLngs) };
      if (geom[0] === 3) return { kind: "polygon", latlngs: geom[1].map((poly) => poly.map(toLatLngs)) };
      return { kind: "point", latlng: geom[1] };
    }

    function makeGroup(layer, makeLayer) {
      const group = L.featureGroup();
      state.groups[layer.name] = group;
      const shapes = new Array(layer.n);
      for (let i = 0; i < layer.n; i++) {
        const shape = makeLayer(i);
        shape._ga = i;
        shapes[i] = shape;
        group.addLayer(shape);
      }
      layer.shapes = shapes;
      return group;
    }

    const buildLayer = {
      corridors(layer) {
        const pal = layer.palette.fill;
        return makeGroup(layer, (i) => {
          const g = pathsOf(layer.geom[i]);
          const fill = pal[layer.style.fill[i]];
          // light overview: the outline takes the revenue colour, so the network reads
          // as a revenue map at city zoom where a corridor is narrower than a pixel
          if (cfg.light) return L.polygon(g.latlngs, { color: fill, weight: 2.5, opacity: 0.95, fillColor: fill, fillOpacity: 0.45 });
          return L.polygon(g.latlngs, { color: "#7a0177", weight: 1, opacity: 0.8, fillColor: fill, fillOpacity: 0.45 });
        }).on("click", (e) => {
          if (state.measuring) return;
          const i = e.layer._ga;
          const roadId = cell(layer, "road_id", i);
          const road = state.roadById.get(String(roadId));
          const loc = road ? Object.assign({ road_id: roadId }, locateOnRoad(road, e.latlng.lat, e.latlng.lng)) : null;
          openPopup(layer, i, e.latlng, loc);
        });
      },
      roads(layer) {
        for (let i = 0; i < layer.n; i++) {
          const g = layer.geom[i];
          const parts = g[1];
          let s = 90, w = 180, n = -90, e = -180;
          for (const c of parts) {
            for (let k = 0; k < c.length; k += 2) {
              if (c[k] < s) s = c[k];
              if (c[k] > n) n = c[k];
              if (c[k + 1] < w) w = c[k + 1];
              if (c[k + 1] > e) e = c[k + 1];
            }
          }
          const road = { id: String(cell(layer, layer.id, i)), row: i, parts, ch: layer.chainage[i], box: [s, w, n, e] };
          state.roads.push(road);
          state.roadById.set(road.id, road);
        }
        return makeGroup(layer, (i) =>
          L.polyline(pathsOf(layer.geom[i]).latlngs, cfg.light ? { color: "#1f1f1f", weight: 1, opacity: 0.8 } : { color: "#1f1f1f", weight: 3.5, opacity: 0.85 })
        ).on("click", (e) => {
          if (state.measuring) return;
          const road = state.roads[e.layer._ga];
          const loc = Object.assign({ road_id: road.id }, locateOnRoad(road, e.latlng.lat, e.latlng.lng));
          GA.lastLocation = loc;
          openPopup(layer, e.layer._ga, e.latlng, loc);
        });
      },
      utility_lines(layer) {
        const pal = layer.palette.fill;
        return makeGroup(layer, (i) => {
          const dashed = layer.style.dashed[i] === 1;
          return L.polyline(pathsOf(layer.geom[i]).latlngs, {
            color: pal[layer.style.fill[i]],
            weight: 3,
            opacity: 0.9,
            dashArray: dashed ? "6 5" : null,
          });
        }).on("click", (e) => {
          if (!state.measuring) openPopup(layer, e.layer._ga, e.latlng);
        });
      },
      bridges(layer) {
        const pal = layer.palette.fill;
        return makeGroup(layer, (i) => {
          const g = pathsOf(layer.geom[i]);
          const color = pal[layer.style.fill[i]];
          if (g.kind === "point") {
            return L.circleMarker(g.latlng, { radius: 8, color: "#000", weight: 2, fillColor: color, fillOpacity: 1 });
          }
          if (g.kind === "line") return L.polyline(g.latlngs, { color, weight: 8, opacity: 0.95 });
          return L.polygon(g.latlngs, { color: "#000", weight: 1, fillColor: color, fillOpacity: 0.8 });
        }).on("click", (e) => {
          if (!state.measuring) openPopup(layer, e.layer._ga, e.latlng);
        });
      },
      monuments(layer) {
        return makeGroup(layer, (i) => {
          const g = pathsOf(layer.geom[i]);
          const style = { color: "#ffffff", weight: 2, fillColor: "#6a3d9a", fillOpacity: 0.9 };
          if (g.kind === "point") return L.circleMarker(g.latlng, Object.assign({ radius: 9 }, style));
          if (g.kind === "line") return L.polyline(g.latlngs, { color: "#6a3d9a", weight: 5 });
          return L.polygon(g.latlngs, Object.assign({}, style, { color: "#6a3d9a", fillOpacity: 0.5 }));
        }).on("click", (e) => {
          if (!state.measuring) openPopup(layer, e.layer._ga, e.latlng);
        });
      },
      poles(layer) {
        const pal = layer.palette.fill;
        const statuses = cfg.status;
        const cache = new Map();
        const styleOf = (i) => {
          const f = layer.style.fill[i], s = layer.style.status[i];
          const key = f * 64 + s;
          let style = cache.get(key);
          if (!style) {
            const st = statuses[s];
            style = {
              radius: 5,
              fillColor: pal[f],
              fillOpacity: st.fill_opacity,
              color: st.stroke || pal[f],
              weight: st.weight,
              opacity: 1,
            };
            cache.set(key, style);
          }
          return style;
        };
        if (layer.min_zoom !== undefined) return poleView(layer, styleOf);
        const markers = new Array(layer.n);
        for (let i = 0; i < layer.n; i++) {
          const m = L.circleMarker([layer.lat[i], layer.lon[i]], styleOf(i));
          m._ga = i;
          markers[i] = m;
        }
        layer.shapes = markers;
        let group;
        if (layer.cluster) {
          group = L.markerClusterGroup({
            chunkedLoading: true,
            chunkInterval: 200,
            chunkDelay: 1,
            disableClusteringAtZoom: cfg.cluster_zoom,
            maxClusterRadius: 50,
            showCoverageOnHover: false,
            spiderfyOnMaxZoom: false,
            removeOutsideVisibleBounds: true,
            chunkProgress: (done, total) => {
              // (called with 0 of 0 when the empty group joins the map: not done yet)
              // clusters are put on the map right after the last chunk: report then
              if (total === layer.n && done >= total) setTimeout(() => finishLoading("poles"), 0);
            },
          });
          group._gaPending = markers;
          state.pending.add("poles");
        } else {
          group = L.featureGroup(markers);
        }
        state.groups.poles = group;
        return group.on("click", (e) => {
          if (!state.measuring) openPopup(layer, e.layer._ga, e.layer.getLatLng());
        });
      },
    };

    /**
     * Poles of a light overview: from zoom ``layer.min_zoom`` on, the poles in the view
     * (looked up in a grid of 0.01° cells) are drawn one by one; none below it. Nothing
     * is built up front, so 100,000 poles cost the page only their arrays.
     */
    function poleView(layer, styleOf) {
      const CELL = 0.01;
      const cells = new Map();
      for (let i = 0; i < layer.n; i++) {
        const key = Math.floor(layer.lat[i] / CELL) + ":" + Math.floor(layer.lon[i] / CELL);
        let list = cells.get(key);
        if (!list) cells.set(key, (list = []));
        list.push(i);
      }
      const group = L.featureGroup();
      state.groups[layer.name] = group;
      function redraw() {
        group.clearLayers();
        if (!map.hasLayer(group) || map.getZoom() < layer.min_zoom) return;
        const view = map.getBounds().pad(0.2);
        const s = Math.floor(view.getSouth() / CELL), n = Math.floor(view.getNorth() / CELL);
        const w = Math.floor(view.getWest() / CELL), e = Math.floor(view.getEast() / CELL);
        for (let a = s; a <= n; a++) {
          for (let b = w; b <= e; b++) {
            const list = cells.get(a + ":" + b);
            if (!list) continue;
            for (const i of list) {
              if (!view.contains([layer.lat[i], layer.lon[i]])) continue;
              const m = L.circleMarker([layer.lat[i], layer.lon[i]], styleOf(i));
              m._ga = i;
              group.addLayer(m);
            }
          }
        }
      }
      map.on("moveend zoomend", redraw);
      group.on("add", () => setTimeout(redraw, 0));
      return group.on("click", (e) => {
        if (!state.measuring) openPopup(layer, e.layer._ga, e.layer.getLatLng());
      });
    }

    // ------------------------------------------------------------ chainage ticks & labels
    function buildChainage(roadsLayer) {
      const every = cfg.chainage.every, labelEvery = cfg.chainage.label_every;
      const perLabel = Math.round(labelEvery / every);
      const ticks = []; // [lat, lon, ux, uy, sta, isLabel]
      for (const road of state.roads) {
        const lastPart = road.parts.length - 1;
        road.parts.forEach((c, p) => {
          const ch = road.ch[p];
          const nv = c.length / 2;
          for (let k = 0; k < nv - 1; k++) {
            const s0 = ch[k], s1 = ch[k + 1];
            if (!(s1 > s0)) continue;
            const lastSegment = p === lastPart && k === nv - 2;
            const kx = M_PER_DEG * Math.cos((c[2 * k] * Math.PI) / 180);
            const dx = (c[2 * k + 3] - c[2 * k + 1]) * kx, dy = (c[2 * k + 2] - c[2 * k]) * M_PER_DEG;
            const len = Math.sqrt(dx * dx + dy * dy) || 1;
            for (let j = Math.ceil(s0 / every - 1e-9); j * every < s1 || (lastSegment && j * every <= s1 + 1e-6); j++) {
              const t = (j * every - s0) / (s1 - s0);
              const lat = c[2 * k] + t * (c[2 * k + 2] - c[2 * k]);
              const lon = c[2 * k + 1] + t * (c[2 * k + 3] - c[2 * k + 1]);
              ticks.push([lat, lon, dx / len, dy / len, j * every, j % perLabel === 0]);
            }
          }
        });
      }
      state.ticks = ticks;
      GA.counts.ticks = ticks.length;
      GA.counts.km_labels = ticks.filter((tk) => tk[5]).length;

      const tickLine = L.polyline([], { color: "#1f1f1f", weight: 2, opacity: 0.9, interactive: false });
      const labels = L.layerGroup();
      const group = L.layerGroup([tickLine, labels]);
      state.drawnTicks = 0;
      state.drawnLabels = 0;

      function redraw() {
        if (!map.hasLayer(group)) return;
        const zoom = map.getZoom();
        const view = map.getBounds().pad(0.2);
        const segments = [];
        labels.clearLayers();
        state.drawnLabels = 0;
        if (zoom >= cfg.chainage.tick_zoom || zoom >= cfg.chainage.label_zoom) {
          const mpp = (40075016.686 * Math.cos((view.getCenter().lat * Math.PI) / 180)) / Math.pow(2, zoom + 8);
          for (const tk of ticks) {
            if (!view.contains([tk[0], tk[1]])) continue;
            const big = tk[5];
            if (zoom >= cfg.chainage.tick_zoom || big) {
              const h = (big ? 9 : 6) * mpp;
              const kx = M_PER_DEG * Math.cos((tk[0] * Math.PI) / 180);
              const ox = (-tk[3] * h) / kx, oy = (tk[2] * h) / M_PER_DEG;
              segments.push([[tk[0] + oy, tk[1] + ox], [tk[0] - oy, tk[1] - ox]]);
            }
            if (big && zoom >= cfg.chainage.label_zoom) {
              const icon = L.divIcon({ className: "ga-sta-label", html: esc(formatSta(tk[4])), iconSize: null, iconAnchor: [-6, 8] });
              labels.addLayer(L.marker([tk[0], tk[1]], { icon, interactive: false, keyboard: false }));
              state.drawnLabels++;
            }
          }
        }
        tickLine.setLatLngs(segments);
        state.drawnTicks = segments.length;
      }
      map.on("moveend zoomend", redraw);
      group.on("add", () => setTimeout(redraw, 0));
      return group;
    }

    // ------------------------------------------------------------ build every layer
    state.pending = new Set();
    let finished = false;
    function finishLoading(name) {
      state.pending.delete(name);
      if (!state.pending.size && finished && !GA.ready) {
        GA.ready = true;
        GA.readyMs = performance.now();
        GA.timings.init_ms = GA.readyMs - t0;
        document.documentElement.setAttribute("data-geoasset-ready", "1");
        window.dispatchEvent(new CustomEvent("geoasset:ready", { detail: { ms: GA.readyMs } }));
      }
    }

    for (const layer of cfg.layers) {
      state.layers[layer.name] = layer;
      const build = buildLayer[layer.name];
      if (!build || !layer.n) {
        GA.counts[layer.name] = layer.n || 0;
        continue;
      }
      const group = build(layer);
      group.addTo(map);
      if (group._gaPending) {
        // clustered in chunks once the group is on the map (before, every marker is
        // looked up in a list: quadratic); no "layeradd" event per marker
        group.addLayers(group._gaPending, true);
        delete group._gaPending;
      }
      overlays[esc(layer.label)] = group;
      GA.counts[layer.name] = layer.n;
      if (layer.name === "roads") {
        const chainage = buildChainage(layer);
        chainage.addTo(map);
        overlays[esc(label("map_chainage"))] = chainage;
      }
    }

    // ------------------------------------------------------------ base layers, offline
    const plain = L.layerGroup();
    const bases = {};
    for (const name of Object.keys(baseLayers)) bases[esc(name)] = baseLayers[name];
    bases[esc(label("map_plain"))] = plain;
    L.control.layers(bases, overlays, { collapsed: true, position: "topright" }).addTo(map);

    // With no network every tile fails: switch to the plain background once, say so,
    // and stop asking for tiles (a failed tile is a network error, never a script error).
    for (const name of Object.keys(baseLayers)) {
      const tiles = baseLayers[name];
      let loaded = 0, failed = 0;
      tiles.on("tileload", () => loaded++);
      tiles.on("tileerror", () => {
        failed++;
        if (failed >= 4 && loaded === 0 && map.hasLayer(tiles)) {
          map.removeLayer(tiles);
          plain.addTo(map);
          notice(label("map_tiles_offline"));
        }
      });
    }
    map.getContainer().classList.add("ga-map");

    // ------------------------------------------------------------ notices
    const noticeBox = L.DomUtil.create("div", "ga-notice", map.getContainer());
    let noticeTimer = null;
    function notice(text) {
      noticeBox.textContent = text;
      noticeBox.classList.add("ga-show");
      clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => noticeBox.classList.remove("ga-show"), 6000);
    }
    GA.notice = notice;

    // ------------------------------------------------------------ title and search
    const Panel = L.Control.extend({
      options: { position: "topright" },
      onAdd() {
        const div = L.DomUtil.create("div", "ga-panel leaflet-bar");
        let html = '<div class="ga-heading">' + esc(cfg.title) + "</div>";
        if (cfg.subtitle) html += '<div class="ga-subtitle">' + esc(cfg.subtitle) + "</div>";
        html +=
          '<form class="ga-search" role="search"><input type="search" class="ga-search-input" ' +
          'autocomplete="off" placeholder="' + esc(label("map_search_placeholder")) + '" aria-label="' +
          esc(label("map_search")) + '"><button type="submit">' + esc(label("map_search")) + "</button></form>" +
          '<div class="ga-search-results"></div>';
        div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        const form = div.querySelector("form");
        const input = div.querySelector("input");
        form.addEventListener("submit", (ev) => {
          ev.preventDefault();
          GA.search(input.value);
        });
        state.searchResults = div.querySelector(".ga-search-results");
        return div;
      },
    });
    new Panel().addTo(map);

    function buildIndex() {
      const index = new Map();
      for (const layer of cfg.layers) {
        for (let i = 0; i < layer.n; i++) {
          const id = cell(layer, layer.id, i);
          if (id === null || id === undefined) continue;
          const key = String(id).trim().toLowerCase();
          if (!index.has(key)) index.set(key, []);
          index.get(key).push([layer.name, i]);
        }
      }
      return index;
    }

    function show(layerName, i) {
      const layer = state.layers[layerName];
      const shape = layer.shapes && layer.shapes[i];
      const latlng = L.latLng(layer.lat[i], layer.lon[i]);
      if (layer.cluster) {
        // close enough for the clusters to open; the popup does not need the marker
        map.setView(latlng, Math.max(map.getZoom(), cfg.cluster_zoom + 1), { animate: false });
      } else if (shape && shape.getBounds) {
        map.fitBounds(shape.getBounds(), { maxZoom: 18, animate: false });
      } else {
        map.setView(latlng, Math.max(map.getZoom(), 18), { animate: false });
      }
      openPopup(layer, i, latlng);
    }
    GA.show = show;

    /** Find an asset by id (case-insensitive), zoom to it and open its popup. */
    GA.search = function (text) {
      const query = String(text || "").trim().toLowerCase();
      const box = state.searchResults;
      box.innerHTML = "";
      if (!query) return false;
      if (!state.index) state.index = buildIndex();
      const exact = state.index.get(query);
      if (exact) {
        show(exact[0][0], exact[0][1]);
        return true;
      }
      const matches = [];
      for (const [key, hits] of state.index) {
        if (key.includes(query)) {
          for (const hit of hits) matches.push(hit);
          if (matches.length >= 8) break;
        }
      }
      if (!matches.length) {
        box.innerHTML = '<div class="ga-none">' + esc(label("map_not_found")) + ": " + esc(text) + "</div>";
        return false;
      }
      for (const [name, i] of matches.slice(0, 8)) {
        const layer = state.layers[name];
        const button = L.DomUtil.create("button", "ga-hit", box);
        button.type = "button";
        button.textContent = layer.label_one + " " + cell(layer, layer.id, i);
        button.addEventListener("click", () => show(name, i));
      }
      return false;
    };

    // ------------------------------------------------------------ tools
    const ICONS = {
      fullscreen: '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M3 8V3h5M12 3h5v5M17 12v5h-5M8 17H3v-5" fill="none" stroke="currentColor" stroke-width="2"/></svg>',
      locate: '<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="5" fill="none" stroke="currentColor" stroke-width="2"/><circle cx="10" cy="10" r="1.8" fill="currentColor"/><path d="M10 1v4M10 15v4M1 10h4M15 10h4" stroke="currentColor" stroke-width="2"/></svg>',
      measure: '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M2 14l12-12 4 4-12 12z" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M5 11l2 2M8 8l2 2M11 5l2 2" stroke="currentColor" stroke-width="1.6"/></svg>',
    };
    const Tools = L.Control.extend({
      options: { position: "topleft" },
      onAdd() {
        const bar = L.DomUtil.create("div", "leaflet-bar ga-tools");
        const button = (name, title, handler) => {
          const a = L.DomUtil.create("a", "ga-tool ga-tool-" + name, bar);
          a.href = "#";
          a.title = title;
          a.setAttribute("role", "button");
          a.setAttribute("aria-label", title);
          a.innerHTML = ICONS[name];
          L.DomEvent.on(a, "click", (ev) => {
            L.DomEvent.preventDefault(ev);
            L.DomEvent.stopPropagation(ev);
            handler(a);
          });
          return a;
        };
        if (document.fullscreenEnabled) button("fullscreen", label("map_fullscreen"), toggleFullscreen);
        if (navigator.geolocation) button("locate", label("map_locate"), () => locate());
        button("measure", label("map_measure"), (a) => toggleMeasure(a));
        return bar;
      },
    });
    new Tools().addTo(map);
    L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);

    function toggleFullscreen() {
      const container = map.getContainer();
      const request = document.fullscreenElement ? document.exitFullscreen() : container.requestFullscreen();
      Promise.resolve(request).catch(() => notice(label("map_fullscreen_unavailable")));
    }
    document.addEventListener("fullscreenchange", () => {
      map.getContainer().classList.toggle("ga-fullscreen", document.fullscreenElement === map.getContainer());
      map.invalidateSize();
    });
    GA.toggleFullscreen = toggleFullscreen;

    // Locate-me: Leaflet's own map.locate (the browser asks for permission).
    let here = null;
    function locate() {
      map.locate({ setView: true, maxZoom: 18, enableHighAccuracy: true, timeout: 20000 });
    }
    GA.locate = locate;
    map.on("locationfound", (e) => {
      if (here) map.removeLayer(here);
      const loc = nearestRoad(e.latlng.lat, e.latlng.lng, cfg.chainage.tolerance_m);
      GA.lastLocation = loc;
      let html = '<div class="ga-popup"><div class="ga-title">' + esc(label("map_you_are_here")) + "</div>";
      html += '<table class="ga-key">' + row(label("map_accuracy"), fmtDistance(e.accuracy || 0)) + "</table>";
      html += loc ? locationHtml(loc, label("map_nearest")) : '<div class="ga-none">' + esc(label("map_no_road_near")) + "</div>";
      html += "</div>";
      here = L.layerGroup([
        L.circle(e.latlng, { radius: e.accuracy || 0, color: "#1565c0", weight: 1, fillOpacity: 0.1, interactive: false }),
        L.circleMarker(e.latlng, { radius: 7, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 }).bindPopup(html),
      ]).addTo(map);
      popup.setLatLng(e.latlng).setContent(html).openOn(map);
    });
    map.on("locationerror", (e) => notice(label("map_location_unavailable") + (e && e.message ? ": " + e.message : "")));

    // Measure: click points, read the distance; click the button again (or Esc) to stop.
    const measure = { points: [], line: null, marks: L.layerGroup().addTo(map), total: 0 };
    state.measure = measure;
    function measureTotal() {
      let total = 0;
      for (let k = 1; k < measure.points.length; k++) total += measure.points[k - 1].distanceTo(measure.points[k]);
      return total;
    }
    function measureAdd(latlng) {
      measure.points.push(latlng);
      measure.total = measureTotal();
      if (!measure.line) {
        measure.line = L.polyline([], { color: "#d81b60", weight: 3, dashArray: "6 6", interactive: false }).addTo(measure.marks);
      }
      measure.line.setLatLngs(measure.points);
      const mark = L.circleMarker(latlng, { radius: 4, color: "#d81b60", fillColor: "#fff", fillOpacity: 1, weight: 2, interactive: false });
      mark.bindTooltip(fmtDistance(measure.total), { permanent: true, direction: "right", className: "ga-measure-label" });
      measure.marks.addLayer(mark);
      GA.measured = measure.total;
    }
    function toggleMeasure(button) {
      state.measuring = !state.measuring;
      map.getContainer().classList.toggle("ga-measuring", state.measuring);
      if (button) button.classList.toggle("ga-active", state.measuring);
      if (state.measuring) {
        measure.marks.clearLayers();
        measure.line = null;
        measure.points = [];
        measure.total = 0;
        GA.measured = 0;
        map.doubleClickZoom.disable();
        map.closePopup();
        notice(label("map_measure_hint"));
      } else {
        map.doubleClickZoom.enable();
        if (measure.points.length > 1) notice(label("map_distance") + ": " + fmtDistance(measure.total));
      }
    }
    GA.toggleMeasure = () => toggleMeasure(map.getContainer().querySelector(".ga-tool-measure"));
    map.on("click", (e) => {
      if (state.measuring) measureAdd(e.latlng);
    });
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && state.measuring) GA.toggleMeasure();
    });

    // ------------------------------------------------------------ legend
    const Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd() {
        const div = L.DomUtil.create("div", "ga-legend");
        let html = "<details" + (window.innerWidth > 700 ? " open" : "") + "><summary>" + esc(label("map_legend")) + "</summary>";
        for (const section of cfg.legend) {
          html += '<div class="ga-legend-title">' + esc(section.title) + "</div>";
          html += '<div class="ga-legend-items' + (section.inline ? " ga-inline" : "") + '">';
          for (const item of section.items) {
            let style;
            if (item.kind === "line") {
              style = "border-top:" + (item.weight || 3) + "px " + (item.dash ? "dashed " : "solid ") + item.color;
            } else if (item.kind === "tick") {
              style = "border-left:2px solid " + item.color + ";border-right:2px solid " + item.color;
            } else {
              style =
                "background:" + item.color + ";border:" + (item.weight || 1) + "px solid " + (item.stroke || item.color);
              if (item.opacity !== undefined && item.opacity < 0.5) style += ";background:transparent";
            }
            html +=
              '<div class="ga-legend-row"><span class="ga-swatch ga-swatch-' + esc(item.kind) + '" style="' + esc(style) +
              '"></span><span class="ga-legend-label">' + esc(item.label) + "</span>" +
              (item.count !== undefined ? '<span class="ga-count">' + esc(fmtNumber(item.count, 0)) + "</span>" : "") +
              "</div>";
          }
          html += "</div>";
          if (section.note) html += '<div class="ga-legend-note">' + esc(section.note) + "</div>";
        }
        div.innerHTML = html + "</details>";
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    new Legend().addTo(map);

    // ------------------------------------------------------------ counts of what is drawn
    /** How many features are drawn now (a cluster counts its markers). */
    GA.drawn = function () {
      const out = {};
      for (const name of Object.keys(state.groups)) {
        const group = state.groups[name];
        if (!map.hasLayer(group)) {
          out[name] = 0;
          continue;
        }
        if (group._featureGroup) {
          let n = 0;
          group._featureGroup.eachLayer((l) => {
            n += l.getChildCount ? l.getChildCount() : 1;
          });
          out[name] = n;
        } else {
          let n = 0;
          group.eachLayer((l) => {
            if (l._map) n++;
          });
          out[name] = n;
        }
      }
      out.ticks = state.drawnTicks || 0;
      out.km_labels = state.drawnLabels || 0;
      return out;
    };

    GA.timings.build_ms = performance.now() - t0 - GA.timings.parse_ms;
    finished = true;
    finishLoading("init");
    return state;
  };
})();
