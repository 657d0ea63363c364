/*
 * Project maps (Leaflet + leaflet.markercluster, served by the site).
 *
 * Every element with [data-carrefour-map] becomes an independent map, so several maps (blocks)
 * can share a page. Data come from /api/map by bounding box and zoom: server clusters at low
 * zoom (sized, numbered, keyboard-focusable markers), compact points at high zoom (grouped
 * client-side by markercluster), popups fetched on demand.
 *
 * Attributes of the map element:
 *   data-endpoint        the clusters/points endpoint (/api/map)
 *   data-detail-endpoint popup details, "{id}" replaced (/api/map/points/{id})
 *   data-params          fixed filters (a block's presets), as a query string
 *   data-sync-url        "true" on the results page: the page URL's filters apply, and the map
 *                        follows the URL when the live search changes it
 *   data-list-url        the results page (/projets/)
 *   data-tile-url, data-tile-attribution
 *
 * Every map draws the site's own base layer beneath its markers: the departments of France
 * (static/vendor/basemap/, built by bin/assets.sh), so a map stays readable when the tile server
 * cannot be reached; tiles, when they load, show through it.
 *
 * Elements with [data-carrefour-place-map] show one place (the project page): its position comes
 * from a json_script element named by data-place ({"lat", "lng", "label"}), with the base layer
 * and one marker; the page gives the place as text beside it.
 *
 * Without JavaScript the element shows its fallback content (a link to the list).
 *
 * Texts come translated from the template (<script type="application/json" data-map-messages>,
 * placeholders in braces); numbers and plurals follow the page's language (<html lang>).
 */
(function () {
    "use strict";

    // Included once per map (blocks): only the first copy runs.
    if (window.CarrefourMap) {
        return;
    }
    var script = document.currentScript;

    var FRANCE = [[41.3, -5.2], [51.1, 9.6]];
    var VIEW_ONLY = {page: true, tri: true, bbox: true, zoom: true, fit: true};
    var LANGUAGE = document.documentElement.lang || "fr";
    var numberFormat = new Intl.NumberFormat(LANGUAGE);
    var pluralRules = new Intl.PluralRules(LANGUAGE);
    var MESSAGES = {
        zoomIn: "Zoom avant",
        zoomOut: "Zoom arrière",
        loadError: "La carte n'a pas pu charger les projets.",
        point: "Projet",
        pointDetail: "Projet : afficher le détail",
        pointTitle: "Projet : {title}",
        detailError: "Détail indisponible.",
        projectOne: "{n} projet",
        projectMany: "{n} projets",
        groupOne: "{n} groupe",
        groupMany: "{n} groupes",
        zoomCluster: "{projects} : zoomer sur ce groupe",
        emptyView: "Aucun projet dans cette vue de la carte.",
        pointsView: "{projects} dans cette vue de la carte.",
        clustersView: "{projects} dans cette vue de la carte, {groups}.",
        basemapAttribution: "Départements : Natural Earth",
    };
    var translated = document.querySelector("script[data-map-messages]");
    if (translated) {
        try {
            Object.assign(MESSAGES, JSON.parse(translated.textContent));
        } catch (error) { /* keep the French defaults */ }
    }

    function message(key, values) {
        return MESSAGES[key].replace(/\{(\w+)\}/g, function (match, name) {
            return values && name in values ? values[name] : match;
        });
    }

    function plural(n, kind) {
        var form = pluralRules.select(n) === "one" ? kind + "One" : kind + "Many";
        return message(form, {n: numberFormat.format(n)});
    }

    /* --- URL changes made by the live search (pushState/replaceState) --------------------- */
    function patchHistory() {
        if (history.__carrefourPatched) {
            return;
        }
        history.__carrefourPatched = true;
        ["pushState", "replaceState"].forEach(function (name) {
            var original = history[name];
            history[name] = function () {
                var result = original.apply(this, arguments);
                window.dispatchEvent(new Event("carrefour:urlchange"));
                return result;
            };
        });
        window.addEventListener("popstate", function () {
            window.dispatchEvent(new Event("carrefour:urlchange"));
        });
    }

    function parseBbox(value) {
        if (!value) {
            return null;
        }
        var parts = value.split(",").map(Number);
        if (parts.length !== 4 || parts.some(isNaN)) {
            return null;
        }
        return {west: parts[0], south: parts[1], east: parts[2], north: parts[3]};
    }

    function formatCoord(value) {
        return String(Math.round(value * 1e5) / 1e5);
    }

    function bboxString(b) {
        return [b.west, b.south, b.east, b.north].map(formatCoord).join(",");
    }

    function boundsToBbox(bounds) {
        return {
            west: Math.max(-180, bounds.getWest()),
            south: Math.max(-90, bounds.getSouth()),
            east: Math.min(180, bounds.getEast()),
            north: Math.min(90, bounds.getNorth()),
        };
    }

    function intersect(a, b) {
        var r = {
            west: Math.max(a.west, b.west),
            south: Math.max(a.south, b.south),
            east: Math.min(a.east, b.east),
            north: Math.min(a.north, b.north),
        };
        return r.west <= r.east && r.south <= r.north ? r : null;
    }

    function el(tag, className, text) {
        var node = document.createElement(tag);
        if (className) {
            node.className = className;
        }
        if (text !== undefined && text !== null) {
            node.textContent = text;
        }
        return node;
    }

    /* --- base layer: departments of France, fetched once per page ------------------------ */
    var basemapRequest = null;

    function basemapData() {
        var url = script && script.dataset.basemap;
        if (!url) {
            return Promise.resolve(null);
        }
        if (!basemapRequest) {
            basemapRequest = fetch(url, {headers: {Accept: "application/geo+json, application/json"}})
                .then(function (response) {
                    if (!response.ok) {
                        throw new Error("HTTP " + response.status);
                    }
                    return response.json();
                })
                .catch(function () {
                    return null; // the map still works, on tiles alone
                });
        }
        return basemapRequest;
    }

    var LAND = {
        pane: "basemap",
        interactive: false,
        className: "map-basemap__department",
        color: "#7d8a97",
        weight: 0.8,
        fillColor: "#f7f5ef",
        fillOpacity: 1,
    };

    // Tiles and the base layer: tiles when reachable (the base layer's land turns transparent
    // over them, its borders stay), the base layer alone otherwise.
    function addBackground(map, root) {
        var pane = map.createPane("basemap");
        pane.style.zIndex = 250; // above tiles (200), below vector overlays (400) and markers
        pane.style.pointerEvents = "none";
        pane.setAttribute("aria-hidden", "true");
        var layer = null;
        var tilesShown = false;
        if (root.dataset.tileUrl) {
            var tiles = L.tileLayer(root.dataset.tileUrl, {
                attribution: root.dataset.tileAttribution || "",
                maxZoom: 19,
            });
            tiles.once("tileload", function () {
                tilesShown = true;
                root.dataset.tiles = "loaded";
                if (layer) {
                    layer.setStyle({fillOpacity: 0});
                }
            });
            tiles.addTo(map);
        }
        return basemapData().then(function (data) {
            if (!data) {
                return;
            }
            layer = L.geoJSON(data, {
                attribution: MESSAGES.basemapAttribution,
                style: function () {
                    return tilesShown ? Object.assign({}, LAND, {fillOpacity: 0}) : LAND;
                },
            }).addTo(map);
            root.dataset.basemap = "loaded";
        });
    }

    function ProjectMap(root) {
        this.root = root;
        this.endpoint = root.dataset.endpoint || "/api/map";
        this.detailEndpoint = root.dataset.detailEndpoint || "/api/map/points/{id}";
        this.listUrl = root.dataset.listUrl || "/projets/";
        this.sync = root.dataset.syncUrl === "true";
        this.presets = new URLSearchParams(root.dataset.params || "");
        this.request = null;
        this.generation = 0;
        this.filterKey = null;
        this.build();
    }

    ProjectMap.prototype.filters = function () {
        // The filters that choose projects: presets, plus the page URL's on the results page.
        var params = new URLSearchParams();
        this.presets.forEach(function (value, key) {
            params.append(key, value);
        });
        if (this.sync) {
            new URLSearchParams(window.location.search).forEach(function (value, key) {
                params.append(key, value);
            });
        }
        var out = new URLSearchParams();
        params.forEach(function (value, key) {
            if (!VIEW_ONLY[key]) {
                out.append(key, value);
            }
        });
        out.sort();
        return out;
    };

    ProjectMap.prototype.filterBbox = function () {
        if (!this.sync) {
            return parseBbox(this.presets.get("bbox"));
        }
        return parseBbox(new URLSearchParams(window.location.search).get("bbox"));
    };

    ProjectMap.prototype.build = function () {
        var self = this;
        var root = this.root;
        root.classList.add("is-enhanced");
        this.canvas = root.querySelector("[data-map-canvas]") || root;
        this.summary = root.querySelector("[data-map-summary]");
        this.listLink = root.querySelector("[data-map-list-link]");
        this.searchButton = root.querySelector("[data-map-search-here]");
        this.status = root.querySelector("[data-map-status]");

        this.map = L.map(this.canvas, {
            minZoom: 2,
            maxZoom: 18,
            worldCopyJump: false,
            keyboard: true,
            zoomControl: false,
        });
        L.control.zoom({zoomInTitle: MESSAGES.zoomIn, zoomOutTitle: MESSAGES.zoomOut}).addTo(this.map);
        this.map.attributionControl.setPrefix(false);
        addBackground(this.map, root);
        this.clusterLayer = L.layerGroup().addTo(this.map);
        this.pointLayer = L.markerClusterGroup({
            showCoverageOnHover: false,
            maxClusterRadius: 40,
            spiderfyOnMaxZoom: true,
            chunkedLoading: true,
            iconCreateFunction: function (cluster) {
                return self.clusterIcon(cluster.getChildCount());
            },
        }).addTo(this.map);

        var bbox = this.filterBbox();
        if (bbox) {
            this.map.fitBounds([[bbox.south, bbox.west], [bbox.north, bbox.east]]);
        } else {
            this.map.fitBounds(FRANCE);
        }
        this.filterKey = this.filters().toString();
        this.map.on("moveend", function () {
            self.load(false);
        });
        if (this.searchButton) {
            this.searchButton.hidden = false;
            this.searchButton.addEventListener("click", function () {
                self.searchHere();
            });
        }
        if (this.sync) {
            patchHistory();
            window.addEventListener("carrefour:urlchange", function () {
                self.onUrlChange();
            });
            // The live search announces its updates too (search.js).
            document.addEventListener("search:updated", function () {
                self.onUrlChange();
            });
        }
        // A filtered map first asks where its projects are, to frame them.
        this.load(this.filters().toString() !== "" && !bbox);
    };

    ProjectMap.prototype.syncBboxInput = function () {
        // The results page's hidden field keeps the "in this map view" filter in the form.
        var input = document.querySelector("[data-map-bbox-input]");
        if (!input) {
            return;
        }
        var value = new URLSearchParams(window.location.search).get("bbox") || "";
        input.value = value;
        input.disabled = !value;
    };

    ProjectMap.prototype.onUrlChange = function () {
        this.syncBboxInput();
        var key = this.filters().toString();
        var bbox = this.filterBbox();
        var bboxKey = bbox ? bboxString(bbox) : "";
        if (key === this.filterKey && bboxKey === this.bboxKey) {
            return;
        }
        this.filterKey = key;
        if (bboxKey !== this.bboxKey && bbox) {
            this.bboxKey = bboxKey;
            this.map.fitBounds([[bbox.south, bbox.west], [bbox.north, bbox.east]]);
            return; // moveend loads
        }
        this.bboxKey = bboxKey;
        this.load(false);
    };

    ProjectMap.prototype.view = function () {
        var view = boundsToBbox(this.map.getBounds());
        var filter = this.filterBbox();
        this.bboxKey = filter ? bboxString(filter) : "";
        return filter ? intersect(view, filter) : view;
    };

    ProjectMap.prototype.load = function (fit) {
        var self = this;
        var params = this.filters();
        var view = fit ? {west: -180, south: -90, east: 180, north: 90} : this.view();
        var generation = ++this.generation;
        if (this.request) {
            this.request.abort();
        }
        if (!view) {
            this.render({mode: "clusters", total: 0, clusters: []});
            return;
        }
        params.set("bbox", bboxString(view));
        params.set("zoom", String(this.map.getZoom()));
        if (fit) {
            params.set("fit", "1");
        }
        this.request = new AbortController();
        this.root.setAttribute("aria-busy", "true");
        fetch(this.endpoint + "?" + params.toString(), {
            signal: this.request.signal,
            headers: {Accept: "application/json"},
        })
            .then(function (response) {
                if (!response.ok) {
                    throw new Error("HTTP " + response.status);
                }
                return response.json();
            })
            .then(function (data) {
                if (generation !== self.generation) {
                    return;
                }
                self.root.removeAttribute("aria-busy");
                if (fit && data.bounds) {
                    var b = data.bounds;
                    self.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: 12});
                    return; // moveend loads the framed view
                }
                if (fit) {
                    self.load(false);
                    return;
                }
                self.render(data);
            })
            .catch(function (error) {
                if (error.name === "AbortError") {
                    return;
                }
                self.root.removeAttribute("aria-busy");
                if (self.status) {
                    self.status.textContent = MESSAGES.loadError;
                }
            });
    };

    ProjectMap.prototype.clusterIcon = function (count) {
        var size = Math.round(30 + 9 * Math.log10(Math.max(1, count)));
        var tier = count >= 1000 ? "l" : count >= 100 ? "m" : "s";
        return L.divIcon({
            className: "map-cluster map-cluster--" + tier,
            html: "<span aria-hidden=\"true\">" + numberFormat.format(count) + "</span>" +
                "<span class=\"visually-hidden\">" + plural(count, "project") + "</span>",
            iconSize: [size, size],
        });
    };

    ProjectMap.prototype.pointMarker = function (id, lat, lng) {
        var self = this;
        var marker = L.marker([lat, lng], {
            icon: L.divIcon({className: "map-point", iconSize: [18, 18]}),
            keyboard: true,
            title: MESSAGES.point,
        });
        marker.projectId = id;
        marker.on("add", function () {
            var node = marker.getElement();
            if (node) {
                node.setAttribute("aria-label", MESSAGES.pointDetail);
                node.dataset.projectId = id;
            }
        });
        marker.bindPopup("…", {maxWidth: 280});
        marker.on("popupopen", function () {
            self.fillPopup(marker);
        });
        return marker;
    };

    ProjectMap.prototype.fillPopup = function (marker) {
        var url = this.detailEndpoint.replace("{id}", String(marker.projectId));
        fetch(url, {headers: {Accept: "application/json"}})
            .then(function (response) {
                if (!response.ok) {
                    throw new Error("HTTP " + response.status);
                }
                return response.json();
            })
            .then(function (data) {
                var box = el("div", "map-popup");
                var title = el("p", "map-popup__title");
                var link = el("a", null, data.title);
                link.href = data.url;
                title.appendChild(link);
                box.appendChild(title);
                if (data.structure) {
                    box.appendChild(el("p", "map-popup__structure", data.structure));
                }
                if (data.city) {
                    box.appendChild(el("p", "map-popup__city", data.city));
                }
                marker.setPopupContent(box);
                var label = marker.getElement();
                if (label) {
                    label.setAttribute("aria-label", message("pointTitle", {title: data.title}));
                }
            })
            .catch(function () {
                marker.setPopupContent(MESSAGES.detailError);
            });
    };

    ProjectMap.prototype.render = function (data) {
        var self = this;
        var map = this.map;
        this.clusterLayer.clearLayers();
        this.pointLayer.clearLayers();
        var groups = 0;
        if (data.mode === "points") {
            var markers = (data.points || []).map(function (p) {
                return self.pointMarker(p[0], p[1], p[2]);
            });
            this.pointLayer.addLayers(markers);
            groups = markers.length;
        } else {
            (data.clusters || []).forEach(function (c) {
                var lat = c[0], lng = c[1], count = c[2], id = c[3];
                if (count === 1 && id) {
                    self.clusterLayer.addLayer(self.pointMarker(id, lat, lng));
                    groups += 1;
                    return;
                }
                var label = message("zoomCluster", {projects: plural(count, "project")});
                var marker = L.marker([lat, lng], {
                    icon: self.clusterIcon(count),
                    keyboard: true,
                    title: label,
                });
                var zoomIn = function () {
                    map.setView([lat, lng], Math.min(map.getZoom() + 2, 18));
                };
                marker.on("add", function () {
                    var node = marker.getElement();
                    if (node) {
                        node.setAttribute("aria-label", label);
                        node.dataset.count = count;
                        // Leaflet only handles Enter on markers with a popup.
                        node.addEventListener("keydown", function (event) {
                            if (event.key === "Enter" || event.key === " ") {
                                event.preventDefault();
                                zoomIn();
                            }
                        });
                    }
                });
                marker.on("click", zoomIn);
                self.clusterLayer.addLayer(marker);
                groups += 1;
            });
        }
        this.root.dataset.mode = data.mode;
        this.root.dataset.total = data.total;
        var text;
        if (!data.total) {
            text = MESSAGES.emptyView;
        } else if (data.mode === "points") {
            text = message("pointsView", {projects: plural(data.total, "project")});
        } else {
            text = message("clustersView", {
                projects: plural(data.total, "project"),
                groups: plural(groups, "group"),
            });
        }
        if (this.summary) {
            this.summary.textContent = text;
        }
        if (this.listLink) {
            this.listLink.href = this.listHref(this.view());
        }
        this.root.dispatchEvent(new CustomEvent("carrefour:maprendered", {detail: data}));
    };

    ProjectMap.prototype.listHref = function (view) {
        var params = this.filters();
        if (view) {
            params.set("bbox", bboxString(view));
        }
        var query = params.toString();
        return this.listUrl + (query ? "?" + query : "");
    };

    ProjectMap.prototype.searchHere = function () {
        var view = boundsToBbox(this.map.getBounds());
        if (!this.sync) {
            window.location.assign(this.listHref(view));
            return;
        }
        var params = new URLSearchParams(window.location.search);
        params.set("bbox", bboxString(view));
        params.delete("page");
        var url = window.location.pathname + "?" + params.toString();
        // The live search may take over (and update the list without reloading); otherwise
        // the page is loaded with the new URL.
        var event = new CustomEvent("carrefour:search-navigate", {
            detail: {url: url},
            cancelable: true,
        });
        if (window.dispatchEvent(event)) {
            window.location.assign(url);
        }
    };

    /* --- one place (the project page) ------------------------------------------------------ */
    function PlaceMap(root) {
        var source = document.getElementById(root.dataset.place || "");
        var place = null;
        try {
            place = source ? JSON.parse(source.textContent) : null;
        } catch (error) {
            place = null;
        }
        if (!place || typeof place.lat !== "number" || typeof place.lng !== "number") {
            return;
        }
        root.classList.add("is-enhanced");
        var canvas = root.querySelector("[data-map-canvas]") || root;
        var map = L.map(canvas, {
            minZoom: 3,
            maxZoom: 18,
            zoomControl: false,
            scrollWheelZoom: false, // a small map inside the page: the wheel scrolls the page
            keyboard: true,
        });
        L.control.zoom({zoomInTitle: MESSAGES.zoomIn, zoomOutTitle: MESSAGES.zoomOut}).addTo(map);
        map.attributionControl.setPrefix(false);
        addBackground(map, root);
        map.setView([place.lat, place.lng], place.zoom || 10);
        // Decorative: the place is written out beside the map.
        var marker = L.marker([place.lat, place.lng], {
            icon: L.divIcon({className: "map-point map-point--place", iconSize: [20, 20]}),
            interactive: false,
            keyboard: false,
        }).addTo(map);
        marker.getElement().setAttribute("aria-hidden", "true");
        this.map = map;
    }

    function initAll() {
        if (typeof L === "undefined") {
            return;
        }
        var places = document.querySelectorAll("[data-carrefour-place-map]");
        Array.prototype.forEach.call(places, function (node) {
            if (!node.carrefourMap) {
                node.carrefourMap = new PlaceMap(node);
            }
        });
        if (typeof L.markerClusterGroup === "undefined") {
            return;
        }
        var nodes = document.querySelectorAll("[data-carrefour-map]");
        Array.prototype.forEach.call(nodes, function (node) {
            if (!node.carrefourMap) {
                node.carrefourMap = new ProjectMap(node);
            }
        });
    }

    function loadScript(src) {
        return new Promise(function (resolve, reject) {
            var tag = document.createElement("script");
            tag.src = src;
            tag.onload = resolve;
            tag.onerror = reject;
            document.head.appendChild(tag);
        });
    }

    // Leaflet and markercluster are loaded here, once, whatever the number of maps.
    function loadLibraries() {
        var leaflet = script && script.dataset.leaflet;
        var cluster = script && script.dataset.markercluster;
        var ready = Promise.resolve();
        if (typeof L === "undefined" && leaflet) {
            ready = ready.then(function () {
                return loadScript(leaflet);
            });
        }
        return ready.then(function () {
            // Only project maps group markers: a page with a place map alone skips it.
            if (typeof L.markerClusterGroup === "undefined" && cluster &&
                document.querySelector("[data-carrefour-map]")) {
                return loadScript(cluster);
            }
        });
    }

    function start() {
        loadLibraries().then(initAll);
    }

    window.CarrefourMap = {initAll: initAll, ProjectMap: ProjectMap, PlaceMap: PlaceMap};
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
