#!/bin/sh
# Install the front-end packages pinned in package.json/package-lock.json and copy the files the
# site serves into static_src/vendor/ (WhiteNoise serves them; no CDN). Idempotent: npm is skipped
# when node_modules already matches the lock file, and files are copied only when they changed.
set -eu

cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
    echo "assets: npm is required (install Node.js 18+ and npm)" >&2
    exit 1
fi

# npm writes node_modules/.package-lock.json on every install: when it is newer than the lock
# file (and package.json), the tree is already in place.
if [ -f package-lock.json ]; then
    if [ ! -f node_modules/.package-lock.json ] \
        || [ package-lock.json -nt node_modules/.package-lock.json ] \
        || [ package.json -nt node_modules/.package-lock.json ]; then
        npm ci --no-audit --no-fund
    fi
else
    npm install --no-audit --no-fund
fi

VENDOR=static_src/vendor
copied=0

# copy SRC DEST: copy when DEST is missing or differs.
copy() {
    mkdir -p "$(dirname "$2")"
    if ! cmp -s "$1" "$2" 2>/dev/null; then
        cp "$1" "$2"
        copied=$((copied + 1))
    fi
}

L=node_modules/leaflet
for f in leaflet.js leaflet.js.map leaflet-src.js leaflet-src.js.map leaflet.css; do
    copy "$L/dist/$f" "$VENDOR/leaflet/$f"
done
for f in "$L"/dist/images/*.png; do
    copy "$f" "$VENDOR/leaflet/images/$(basename "$f")"
done
copy "$L/LICENSE" "$VENDOR/leaflet/LICENSE"

MC=node_modules/leaflet.markercluster
for f in leaflet.markercluster.js leaflet.markercluster.js.map MarkerCluster.css \
    MarkerCluster.Default.css; do
    copy "$MC/dist/$f" "$VENDOR/leaflet.markercluster/$f"
done
copy "$MC/MIT-LICENCE.txt" "$VENDOR/leaflet.markercluster/LICENSE"

# The maps' base layer (departments of France), built from a pinned npm tarball: rebuilt when
# missing or when its build script changed (bin/basemap.mjs says where the data come from).
BASEMAP=$VENDOR/basemap/france-departements.geojson
if [ ! -f "$BASEMAP" ] || [ bin/basemap.mjs -nt "$BASEMAP" ]; then
    node bin/basemap.mjs "$VENDOR/basemap"
    copied=$((copied + 1))
fi

echo "assets: $VENDOR up to date ($copied file(s) copied)"
