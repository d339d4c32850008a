/*
 * geoasset field-review map.
 *
 * geoasset.init(map, baseLayers, cfg) draws the inventory layers that the page carries
 * as compact column tables (one JSON document), builds popups on demand from a table
 * row, and adds the field tools: search by asset id, measure, full screen, locate-me,
 * chainage (STA, offset, side) of any point clicked on a road or corridor, legend.
 * Every value from the data is HTML-escaped before it reaches the page.
 *
 * Layout: on a narrow screen (a phone) the title panel folds into one bar and the
 * legend into a button; popups and notices are placed in the free rectangle of the map
 * (freeRect: not under any control) and sized to fit it. The background (boundaries,
 * other roads, place names; an offline tile package) travels inside the page.
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
    const container = map.getContainer();
    container.classList.add("ga-map");
    const NARROW_PX = 700;
    const isNarrow = () => map.getSize().x <= NARROW_PX;
    container.classList.toggle("ga-narrow", isNarrow());
    // Leave room for the panel and the legend (right column) on wide screens.
    const wide = !isNarrow();
    let panelDiv = null; // the title and search panel, and the legend, once on the map
    let legendDiv = null;
    if (cfg.bounds) {
      map.fitBounds(cfg.view || cfg.bounds, { paddingTopLeft: [50, 20], paddingBottomRight: [wide ? 300 : 20, 20], maxZoom: 18, animate: false });
      // Zooming out far past the data helps nobody, and every zoom level costs the
      // clusters time to build.
      map.setMinZoom(Math.max(0, map.getZoom() - 4));
    }

    const popup = L.popup({ maxWidth: 380, minWidth: 200, maxHeight: 360, autoPanPadding: [8, 8] });
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
      // The photo, right under the key facts (on a phone the rest scrolls).
      if (layer.photos && layer.photos[i]) {
        const [kind, value, path] = layer.photos[i];
        html += '<div class="ga-sub">' + esc(label("photo")) + "</div>";
        if (kind === "img") {
          html += '<img class="ga-photo" alt="' + esc(path) + '" src="' + esc(value) + '">';
        } else if (kind === "map") {
          // the thumbnail travels in the asset's corridor or area map
          html += '<a class="ga-photo-link" href="' + esc(value) + '">' + esc(label("map_photo_in_map")) + " →</a>";
        } else if (kind === "link") {
          html += '<a class="ga-photo-link" target="_blank" rel="noopener" href="' + esc(value) + '">' + esc(path) + "</a>";
        } else {
          html += '<div class="ga-missing">' + esc(label("map_photo_missing")) + ": " + esc(path) + "</div>";
        }
      }
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

      return html + "</div>";
    }

    /** Size the popup to the free part of the map and keep it there when it opens. */
    function fitPopup() {
      if (isNarrow()) {
        // a phone: the panel and the legend fold away while a popup is read
        setPanel(false);
        setLegend(false);
      }
      const r = freeRect();
      const width = r.right - r.left, height = r.bottom - r.top;
      const o = popup.options;
      o.maxWidth = Math.max(160, Math.min(380, width - 28));
      o.minWidth = Math.min(200, o.maxWidth);
      // the tip (about 20 px) and the frame's padding are outside the content
      o.maxHeight = Math.max(120, Math.min(isNarrow() ? 520 : 460, height - 64));
      o.autoPanPaddingTopLeft = L.point(r.left + 4, r.top + 4);
      o.autoPanPaddingBottomRight = L.point(map.getSize().x - r.right + 4, map.getSize().y - r.bottom + 4);
    }

    function openPopup(layer, i, latlng, clicked) {
      fitPopup();
      popup.setLatLng(latlng).setContent(popupHtml(layer, i, clicked)).openOn(map);
      GA.lastPopup = { layer: layer.name, row: i, id: cell(layer, layer.id, i) };
      // a thumbnail changes the popup's height once decoded: fit it again
      const img = popup.getElement() && popup.getElement().querySelector("img.ga-photo");
      if (img && !img.complete) img.addEventListener("load", () => popup.isOpen() && popup.update(), { once: true });
    }
    GA.fitPopup = fitPopup;
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
        state.drawnMinor = 0;
        const minorZoom = cfg.chainage.minor_label_zoom;
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
            } else if (!big && minorZoom !== undefined && zoom >= minorZoom) {
              // every 100 m at close zoom: "12+300"
              const icon = L.divIcon({ className: "ga-sta-minor", html: esc(formatSta(tk[4]).slice(4)), iconSize: null, iconAnchor: [-5, 6] });
              labels.addLayer(L.marker([tk[0], tk[1]], { icon, interactive: false, keyboard: false }));
              state.drawnMinor++;
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
    const idLabels = buildIdLabels();
    if (idLabels) {
      idLabels.addTo(map);
      overlays[esc(label("map_id_labels"))] = idLabels;
    }

    /** Asset ids next to poles, bridges and monuments from zoom cfg.id_label_zoom on. */
    function buildIdLabels() {
      const zoomFrom = cfg.id_label_zoom;
      if (zoomFrom === undefined) return null;
      const named = cfg.layers.filter((l) => l.n && ["poles", "bridges", "monuments"].includes(l.name));
      if (!named.length) return null;
      const group = L.layerGroup();
      state.drawnIds = 0;
      function redraw() {
        group.clearLayers();
        state.drawnIds = 0;
        if (!map.hasLayer(group) || map.getZoom() < zoomFrom) return;
        const view = map.getBounds();
        for (const layer of named) {
          if (!map.hasLayer(state.groups[layer.name])) continue;
          for (let i = 0; i < layer.n && state.drawnIds < 400; i++) {
            if (!view.contains([layer.lat[i], layer.lon[i]])) continue;
            const id = cell(layer, layer.id, i);
            if (id === null || id === undefined) continue;
            const icon = L.divIcon({ className: "ga-id-label", html: esc(id), iconSize: null, iconAnchor: [-8, 6] });
            group.addLayer(L.marker([layer.lat[i], layer.lon[i]], { icon, interactive: false, keyboard: false }));
            state.drawnIds++;
          }
        }
      }
      map.on("moveend zoomend", redraw);
      group.on("add", () => setTimeout(redraw, 0));
      return group;
    }

    // ------------------------------------------------------------ background, base layers
    // The background inside the page (boundaries, other roads, place names) is drawn
    // under the data with no request; an offline tile package (cfg.basemap) is the
    // first base layer; the online tiles are offered, never loaded unless chosen.
    const background = buildBackground();
    if (background) {
      background.addTo(map);
      overlays[esc(label("map_background"))] = background;
    }
    const plain = L.layerGroup();
    const bases = {};
    const basemap = buildBasemap();
    if (basemap) bases[esc(cfg.basemap.name || label("map_basemap"))] = basemap;
    bases[esc(label("map_plain"))] = plain;
    for (const name of Object.keys(baseLayers)) bases[esc(name)] = baseLayers[name];
    (basemap || plain).addTo(map);
    const layersControl = L.control.layers(bases, overlays, { collapsed: true, position: "topright" });

    // With no network every online tile fails: switch back to the offline background,
    // say so, and stop asking for tiles (a failed tile is a network error, never a
    // script error).
    for (const name of Object.keys(baseLayers)) {
      const tiles = baseLayers[name];
      let loaded = 0, failed = 0;
      tiles.on("tileload", () => loaded++);
      tiles.on("tileerror", () => {
        failed++;
        if (failed >= 4 && loaded === 0 && map.hasLayer(tiles)) {
          map.removeLayer(tiles);
          (basemap || plain).addTo(map);
          notice(label("map_tiles_offline"));
        }
      });
    }

    function buildBasemap() {
      const bm = cfg.basemap;
      if (!bm) return null;
      const blank = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
      const mime = bm.format === "jpg" || bm.format === "jpeg" ? "image/jpeg" : bm.format === "webp" ? "image/webp" : "image/png";
      const Packaged = L.TileLayer.extend({
        getTileUrl(c) {
          const data = bm.tiles[c.z + "/" + c.x + "/" + c.y];
          return data ? "data:" + mime + ";base64," + data : blank;
        },
      });
      GA.counts.basemap_tiles = Object.keys(bm.tiles).length;
      return new Packaged("", {
        minZoom: 0,
        maxZoom: cfg.max_zoom || 20,
        minNativeZoom: bm.minzoom,
        maxNativeZoom: bm.maxzoom,
        bounds: bm.bounds ? L.latLngBounds(bm.bounds) : undefined,
        attribution: esc(bm.attribution || ""),
      });
    }

    function buildBackground() {
      const bg = cfg.background;
      if (!bg || (!bg.lines.length && !bg.roads.length && !bg.names.length)) return null;
      if (bg.credit && bg.lines.length && map.attributionControl) map.attributionControl.addAttribution(esc(bg.credit));
      map.createPane("ga-background").style.zIndex = 250;
      map.createPane("ga-background-labels").style.zIndex = 350;
      map.getPane("ga-background-labels").style.pointerEvents = "none";
      const flatToLatLngs = (flat) => {
        const out = new Array(flat.length / 2);
        for (let k = 0; k < out.length; k++) out[k] = [flat[2 * k], flat[2 * k + 1]];
        return out;
      };
      const renderer = L.canvas({ pane: "ga-background", padding: 0.5 });
      const common = { pane: "ga-background", renderer, interactive: false };
      const group = L.layerGroup();
      if (bg.lines.length) {
        group.addLayer(L.polyline(bg.lines.map(flatToLatLngs), Object.assign({ color: "#8d7b9e", weight: 1.2, opacity: 0.8, dashArray: "5 4" }, common)));
      }
      if (bg.roads.length) {
        group.addLayer(L.polyline(bg.roads.map(flatToLatLngs), Object.assign({ color: "#a8a8a8", weight: 2, opacity: 0.9 }, common)));
      }
      const names = L.layerGroup();
      group.addLayer(names);
      GA.counts.background_lines = bg.lines.length;
      GA.counts.background_roads = bg.roads.length;
      GA.counts.place_names = bg.names.length;
      function redraw() {
        names.clearLayers();
        if (!map.hasLayer(group)) return;
        const zoom = map.getZoom();
        const view = map.getBounds();
        let n = 0;
        for (const [lat, lon, text, minZoom] of bg.names) {
          if (zoom < minZoom || !view.contains([lat, lon])) continue;
          const icon = L.divIcon({ className: "ga-place-label", html: esc(text), iconSize: null, iconAnchor: [0, 0] });
          names.addLayer(L.marker([lat, lon], { icon, pane: "ga-background-labels", interactive: false, keyboard: false }));
          if (++n >= 150) break;
        }
        state.drawnPlaces = n;
      }
      map.on("moveend zoomend", redraw);
      group.on("add", () => setTimeout(redraw, 0));
      return group;
    }

    // ------------------------------------------------------------ free room, notices
    /**
     * The part of the map under no control, in container pixels: on a wide screen the
     * band between the left tools and the right column; on a narrow one the band
     * between the top controls and the bottom ones. Popups and notices go there.
     */
    function freeRect() {
      const size = map.getSize();
      const box = container.getBoundingClientRect();
      const rects = [];
      for (const corner of container.querySelectorAll(".leaflet-control-container > div")) {
        const top = corner.classList.contains("leaflet-top");
        const left = corner.classList.contains("leaflet-left");
        for (const el of corner.children) {
          const r = el.getBoundingClientRect();
          if (!r.width || !r.height) continue;
          rects.push({ top, left, l: r.left - box.left, t: r.top - box.top, r: r.right - box.left, b: r.bottom - box.top });
        }
      }
      const m = 6;
      // (a) vertical band
      let aL = m, aR = size.x - m, aB = size.y - m;
      for (const c of rects) {
        if (c.left && c.top) aL = Math.max(aL, c.r + m);
        // the right-hand column; a low strip at the foot (attribution, a folded
        // legend) only shortens the band
        else if (!c.left && (c.top || c.b - c.t > 60)) aR = Math.min(aR, c.l - m);
        else aB = Math.min(aB, c.t - m);
      }
      // (b) horizontal band
      let bT = m, bB = size.y - m;
      for (const c of rects) {
        if (c.top) bT = Math.max(bT, c.b + m);
        else bB = Math.min(bB, c.t - m);
      }
      const a = { left: aL, top: m, right: aR, bottom: aB };
      const b = { left: m, top: bT, right: size.x - m, bottom: bB };
      const area = (q) => Math.max(0, q.right - q.left) * Math.max(0, q.bottom - q.top);
      // a band narrower than a popup is no use however tall it is
      const useful = (q) => (q.right - q.left >= 240 ? area(q) : area(q) / 4);
      return useful(a) >= useful(b) ? a : b;
    }
    GA.freeRect = freeRect;

    const noticeBox = L.DomUtil.create("div", "ga-notice", container);
    let noticeTimer = null;
    function placeNotice() {
      // at the foot of the free room: never over the legend, the panel or the tools
      const r = freeRect();
      noticeBox.style.left = (r.left + r.right) / 2 + "px";
      noticeBox.style.bottom = map.getSize().y - r.bottom + 4 + "px";
      noticeBox.style.maxWidth = Math.max(120, r.right - r.left - 8) + "px";
    }
    function notice(text) {
      noticeBox.textContent = text;
      placeNotice();
      noticeBox.classList.add("ga-show");
      clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => noticeBox.classList.remove("ga-show"), 6000);
    }
    GA.notice = notice;

    // ------------------------------------------------------------ title and search
    function setPanel(open) {
      if (!panelDiv) return;
      panelDiv.classList.toggle("ga-collapsed", !open);
      panelDiv.querySelector(".ga-panel-toggle").setAttribute("aria-expanded", open ? "true" : "false");
      layout();
    }
    GA.setPanel = setPanel;
    const Panel = L.Control.extend({
      options: { position: "topright" },
      onAdd() {
        const div = L.DomUtil.create("div", "ga-panel leaflet-bar");
        panelDiv = div;
        let html =
          '<div class="ga-panel-head"><div class="ga-heading">' + esc(cfg.title) + "</div>" +
          '<button type="button" class="ga-panel-toggle" aria-expanded="true" aria-label="' +
          esc(label("map_panel_toggle")) + '" title="' + esc(label("map_panel_toggle")) + '"></button></div>' +
          '<div class="ga-panel-body">';
        if (cfg.subtitle) html += '<div class="ga-subtitle">' + esc(cfg.subtitle) + "</div>";
        html +=
          '<form class="ga-search" role="search"><input type="search" class="ga-search-input" ' +
          'autocomplete="off" placeholder="' + esc(label("map_search_placeholder_all")) + '" aria-label="' +
          esc(label("map_search")) + '"><button type="submit">' + esc(label("map_search")) + "</button></form>" +
          '<div class="ga-search-results"></div></div>';
        div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        const form = div.querySelector("form");
        const input = div.querySelector("input");
        form.addEventListener("submit", (ev) => {
          ev.preventDefault();
          GA.search(input.value);
        });
        div.querySelector(".ga-panel-toggle").addEventListener("click", () => setPanel(div.classList.contains("ga-collapsed")));
        state.searchResults = div.querySelector(".ga-search-results");
        return div;
      },
    });
    new Panel().addTo(map);
    layersControl.addTo(map);
    if (isNarrow()) setPanel(false);

    // Search: by id (exact first), then by name and owner; "12+300" (or "STA 12+300",
    // "R1 12+300") goes to that chainage on each road that has it.
    const TEXT_COLUMNS = ["name", "road_name", "nama", "owner"];
    function buildIndex() {
      const ids = new Map();
      const texts = []; // [lowercase text, layer name, row, column]
      for (const layer of cfg.layers) {
        const cols = TEXT_COLUMNS.filter((c) => layer.data[c] !== undefined);
        for (let i = 0; i < layer.n; i++) {
          const id = cell(layer, layer.id, i);
          if (id !== null && id !== undefined) {
            const key = String(id).trim().toLowerCase();
            if (!ids.has(key)) ids.set(key, []);
            ids.get(key).push([layer.name, i]);
          }
          for (const c of cols) {
            const v = cell(layer, c, i);
            if (v !== null && v !== undefined && v !== "") texts.push([String(v).toLowerCase(), layer.name, i, c]);
          }
        }
      }
      return { ids, texts };
    }

    /** The point at chainage ``metres`` of a road, or null when the road does not reach it. */
    function pointAtSta(road, metres) {
      for (let p = 0; p < road.parts.length; p++) {
        const c = road.parts[p], ch = road.ch[p];
        for (let k = 0; k < ch.length - 1; k++) {
          if (ch[k] <= metres && metres <= ch[k + 1] && ch[k + 1] > ch[k]) {
            const t = (metres - ch[k]) / (ch[k + 1] - ch[k]);
            return [c[2 * k] + t * (c[2 * k + 2] - c[2 * k]), c[2 * k + 1] + t * (c[2 * k + 3] - c[2 * k + 1])];
          }
        }
        if (ch.length === 1 && Math.abs(ch[0] - metres) < 0.5) return [c[0], c[1]];
      }
      return null;
    }
    GA.pointAtSta = (roadId, metres) => {
      const road = state.roadById.get(String(roadId));
      return road ? pointAtSta(road, metres) : null;
    };

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

    let staMarker = null;
    function showSta(road, metres, latlng) {
      if (staMarker) map.removeLayer(staMarker);
      staMarker = L.circleMarker(latlng, { radius: 7, color: "#d81b60", weight: 3, fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(map);
      map.setView(latlng, Math.max(map.getZoom(), 17), { animate: false });
      const loc = { road_id: road.id, sta: formatSta(metres), offset_m: 0, side: "on" };
      GA.lastLocation = loc;
      const html = '<div class="ga-popup"><div class="ga-title">' + esc(formatSta(metres)) + "</div>" + locationHtml(loc, label("sta")) + "</div>";
      fitPopup();
      popup.setLatLng(latlng).setContent(html).openOn(map);
      GA.lastPopup = { layer: "roads", row: road.row, id: road.id, sta_m: metres };
    }

    const STA_QUERY = /^(?:(.+?)\s+)?(?:sta\s*)?(\d+)\s*\+\s*(\d{1,3}(?:[.,]\d+)?)$/i;

    function searchSta(text, box) {
      const m = STA_QUERY.exec(text.trim());
      if (!m) return null;
      const metres = Number(m[2]) * 1000 + Number(m[3].replace(",", "."));
      const wanted = m[1] ? m[1].trim().toLowerCase() : null;
      const hits = [];
      for (const road of state.roads) {
        if (wanted && road.id.toLowerCase() !== wanted) continue;
        const at = pointAtSta(road, metres);
        if (at) hits.push([road, at]);
      }
      if (hits.length === 1) {
        showSta(hits[0][0], metres, hits[0][1]);
        return true;
      }
      if (!hits.length) return false;
      for (const [road, at] of hits.slice(0, 8)) {
        const button = L.DomUtil.create("button", "ga-hit", box);
        button.type = "button";
        button.textContent = road.id + " " + formatSta(metres);
        button.addEventListener("click", () => showSta(road, metres, at));
      }
      return false;
    }

    /** Find an asset by id, name or owner (case-insensitive), or a chainage; zoom to it
     * and open its popup when there is one answer, else list up to eight. */
    GA.search = function (text) {
      const query = String(text || "").trim().toLowerCase();
      const box = state.searchResults;
      box.innerHTML = "";
      if (!query) return false;
      if (!state.index) state.index = buildIndex();
      const exact = state.index.ids.get(query);
      if (exact) {
        show(exact[0][0], exact[0][1]);
        return true;
      }
      const sta = searchSta(query, box);
      if (sta !== null && (sta || box.children.length)) return sta;
      const matches = [];
      const seen = new Set();
      const add = (name, i, note) => {
        const key = name + ":" + i;
        if (seen.has(key) || matches.length >= 8) return;
        seen.add(key);
        matches.push([name, i, note]);
      };
      for (const [key, hits] of state.index.ids) {
        if (key.includes(query)) for (const hit of hits) add(hit[0], hit[1], null);
        if (matches.length >= 8) break;
      }
      let more = 0;
      for (const [value, name, i, col] of state.index.texts) {
        if (!value.includes(query)) continue;
        if (matches.length >= 8) {
          more++;
          continue;
        }
        add(name, i, cell(state.layers[name], col, i));
      }
      if (matches.length === 1) {
        show(matches[0][0], matches[0][1]);
        return true;
      }
      if (!matches.length) {
        box.innerHTML = '<div class="ga-none">' + esc(label("map_not_found")) + ": " + esc(text) + "</div>";
        return false;
      }
      for (const [name, i, note] of matches) {
        const layer = state.layers[name];
        const button = L.DomUtil.create("button", "ga-hit", box);
        button.type = "button";
        button.textContent = layer.label_one + " " + cell(layer, layer.id, i) + (note ? " · " + note : "");
        button.addEventListener("click", () => show(name, i));
      }
      if (more) L.DomUtil.create("div", "ga-more", box).textContent = "+" + fmtNumber(more, 0);
      return false;
    };

    // A link ending in #id=P000123 (or #sta=12+300) opens that asset or chainage.
    function followHash() {
      const hash = decodeURIComponent(location.hash.replace(/^#/, ""));
      const m = /^(?:id|sta)=(.+)$/.exec(hash);
      if (m) GA.search(m[1]);
    }
    window.addEventListener("hashchange", followHash);

    // ------------------------------------------------------------ tools
    const ICONS = {
      fullscreen: '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M3 8V3h5M12 3h5v5M17 12v5h-5M8 17H3v-5" fill="none" stroke="currentColor" stroke-width="2"/></svg>',
      locate: '<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="5" fill="none" stroke="currentColor" stroke-width="2"/><circle cx="10" cy="10" r="1.8" fill="currentColor"/><path d="M10 1v4M10 15v4M1 10h4M15 10h4" stroke="currentColor" stroke-width="2"/></svg>',
      snap: '<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="3" fill="currentColor"/><path d="M10 2v4M10 14v4M2 10h4M14 10h4" stroke="currentColor" stroke-width="2"/><circle cx="10" cy="10" r="7" fill="none" stroke="currentColor" stroke-width="1.2" stroke-dasharray="2 2"/></svg>',
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
        button("snap", label("map_snap"), () => GA.setSnap(!state.snap)).classList.add("ga-hidden");
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
      const snapButton = container.querySelector(".ga-tool-snap");
      if (snapButton) snapButton.classList.toggle("ga-hidden", !state.measuring);
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
    // A click on a pole reports the pole's position (Leaflet treats a small circle as a
    // marker): measure from where the finger or pointer was, unless snapping is asked.
    state.snap = false;
    map.on("click", (e) => {
      if (!state.measuring) return;
      const raw = e.originalEvent ? map.mouseEventToLatLng(e.originalEvent) : e.latlng;
      measureAdd(state.snap ? e.latlng : raw);
    });
    GA.setSnap = (on) => {
      state.snap = !!on;
      const a = container.querySelector(".ga-tool-snap");
      if (a) a.classList.toggle("ga-active", state.snap);
      return state.snap;
    };
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && state.measuring) GA.toggleMeasure();
    });

    // ------------------------------------------------------------ legend
    // Wide screen: under the panel in the right column, open; narrow: a button at the
    // bottom right that opens upwards. Either way it scrolls within the map's height.
    const Legend = L.Control.extend({
      options: { position: wide ? "topright" : "bottomright" },
      onAdd() {
        const div = L.DomUtil.create("div", "ga-legend");
        let html = "<details" + (wide ? " open" : "") + "><summary>" + esc(label("map_legend")) + "</summary>";
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
        div.querySelector("details").addEventListener("toggle", () => layout());
        legendDiv = div;
        return div;
      },
    });
    new Legend().addTo(map);

    function setLegend(open) {
      if (!legendDiv) return;
      const details = legendDiv.querySelector("details");
      if (details.open !== open) details.open = open;
      layout();
    }
    GA.setLegend = setLegend;

    /** Fit the controls to the screen: the left tools under a folded panel on a phone,
     * the legend no taller than the room left for it. */
    function layout() {
      const narrow = isNarrow();
      container.classList.toggle("ga-narrow", narrow);
      const size = map.getSize();
      const box = container.getBoundingClientRect();
      const topLeft = container.querySelector(".leaflet-top.leaflet-left");
      if (topLeft) {
        topLeft.style.top = narrow && panelDiv ? Math.ceil(panelDiv.getBoundingClientRect().bottom - box.top) + "px" : "";
      }
      if (legendDiv) {
        const r = legendDiv.getBoundingClientRect();
        let room;
        if (legendDiv.parentNode.classList.contains("leaflet-top")) {
          // down to the controls at the foot of the same side (the attribution)
          let foot = size.y;
          for (const el of container.querySelectorAll(".leaflet-bottom.leaflet-right .leaflet-control")) {
            const b = el.getBoundingClientRect();
            if (b.height) foot = Math.min(foot, b.top - box.top);
          }
          room = foot - (r.top - box.top) - 12;
        } else {
          let top = 0;
          for (const el of container.querySelectorAll(".leaflet-top .leaflet-control")) {
            top = Math.max(top, el.getBoundingClientRect().bottom - box.top);
          }
          room = r.bottom - box.top - top - 12;
        }
        legendDiv.style.maxHeight = Math.max(60, Math.floor(room)) + "px";
      }
    }
    GA.layout = layout;
    map.on("resize", () => {
      layout();
      if (map.hasLayer(popup)) {
        fitPopup();
        popup.update();
      }
    });
    layout();

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
      out.sta_labels = state.drawnMinor || 0;
      out.id_labels = state.drawnIds || 0;
      out.place_names = state.drawnPlaces || 0;
      return out;
    };

    GA.timings.build_ms = performance.now() - t0 - GA.timings.parse_ms;
    if (location.hash) setTimeout(followHash, 0);
    finished = true;
    finishLoading("init");
    return state;
  };
})();
