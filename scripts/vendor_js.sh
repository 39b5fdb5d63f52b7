#!/usr/bin/env bash
# Fetch the pinned charting/timeline libraries from npm and write their
# minified builds into src/storyline/present/static/. The written files are committed:
# nothing is fetched when storyline runs. Rerun only to change a version.
set -euo pipefail
VIS_TIMELINE=8.5.4
CHART_JS=4.5.1
cd "$(dirname "$0")/.."
dest=src/storyline/present/static
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm install --prefix "$tmp" --silent --no-audit --no-fund --ignore-scripts \
    "vis-timeline@$VIS_TIMELINE" "chart.js@$CHART_JS"
mod=$tmp/node_modules
cp "$mod/vis-timeline/standalone/umd/vis-timeline-graph2d.min.js" "$dest/vis-timeline-graph2d.min.js"
{   # the minified stylesheet carries no header of its own
    echo "/* vis-timeline $VIS_TIMELINE styles, https://github.com/visjs/vis-timeline, (c) Almende B.V. and visjs contributors, dual licensed Apache-2.0 OR MIT */"
    cat "$mod/vis-timeline/styles/vis-timeline-graph2d.min.css"
} > "$dest/vis-timeline-graph2d.min.css"
cp "$mod/chart.js/dist/chart.umd.min.js" "$dest/chart.umd.min.js"
# The report inlines these files in <script> elements: a literal "</script"
# inside would end the element early.
! grep -qi '</script' "$dest"/*.js
echo "vendored vis-timeline $VIS_TIMELINE and chart.js $CHART_JS into $dest"
