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

# The tree is in place when every package of the lock file is installed at its version (read
# from the packages themselves: modification times say nothing once files are checked out again).
lock_satisfied() {
    [ -f package-lock.json ] && [ -d node_modules ] && node -e '
        const lock = require("./package-lock.json");
        for (const [path, info] of Object.entries(lock.packages || {})) {
            if (!path || info.optional) continue;
            let version;
            try { version = require("./" + path + "/package.json").version; } catch (e) { process.exit(1); }
            if (version !== info.version) process.exit(1);
        }' 2>/dev/null
}

if ! lock_satisfied; then
    if [ -L node_modules ]; then
        # npm would replace the link (and empty the tree it points to): install there instead.
        echo "assets: node_modules is a link to $(readlink node_modules): run npm ci where it points" >&2
        exit 1
    elif [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund
    else
        npm install --no-audit --no-fund
    fi
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

# The territory pages' official geography (communes, EPCI, populations), converted from the
# pinned @etalab/decoupage-administratif when the installed package is newer than the committed
# file (catalogue/territories/data/PROVENANCE.md); the conversion is deterministic.
TERRITORIES=catalogue/territories/data/territories.json.gz
DA=node_modules/@etalab/decoupage-administratif
if [ -f "$DA/package.json" ] && [ "$DA/package.json" -nt "$TERRITORIES" ] && [ -x .venv/bin/python ]; then
    .venv/bin/python manage.py build_territories --source "$DA"
    touch "$TERRITORIES"
fi

SQ=node_modules/squire-rte
for f in squire.js squire.js.map; do
    copy "$SQ/dist/$f" "$VENDOR/squire/$f"
done
copy "$SQ/LICENSE" "$VENDOR/squire/LICENSE"

echo "assets: $VENDOR up to date ($copied file(s) copied)"
