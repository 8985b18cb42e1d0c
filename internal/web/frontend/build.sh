#!/usr/bin/env bash
# Vigil front-end build.
#
# What it does:
#   1. `npm ci` in internal/web/frontend (exact versions from package-lock.json;
#      install scripts are not run and optional packages are skipped: none of
#      them is needed to compile).
#   2. Compiles main.scss (GOV.UK Frontend + MoJ Frontend + Vigil styles, Arial
#      font stack, no GDS Transport @font-face, no crown/crest) with Dart Sass
#      into internal/web/static/css/vigil.css: minified, no source map.
#   3. Copies into internal/web/static/:
#        js/govuk-frontend.min.js  (govuk-frontend ES module bundle)
#        js/moj-frontend.min.js    (@ministryofjustice/frontend ES module bundle)
#        js/htmx.min.js            (htmx.org 2.0.x, classic script)
#        js/vigil.js               (our module: imports the two bundles, initAll)
#        images/*                  (only the non-brand images vigil.css refers to)
#        vigil-icon.svg            (favicon)
#        LICENSES.md               (bundled packages, versions, licences)
#      and internal/e2e/testdata/axe.min.js (axe-core, for browser tests only;
#      not served by the app).
#
# The output is COMMITTED to git, so the Go build needs no Node.js. Re-run this
# script after changing anything here and commit the result. It is re-runnable
# and deterministic: the same inputs give byte-identical output (no timestamps,
# no source maps, sourceMappingURL comments stripped). It owns (deletes and
# rewrites) only the paths listed above.
#
# Usage: bash internal/web/frontend/build.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
web="$(dirname "$here")"                 # internal/web
static="$web/static"
e2e_testdata="$(dirname "$web")/e2e/testdata"
nm="$here/node_modules"

cd "$here"

echo "build.sh: npm ci" >&2
npm ci --ignore-scripts --omit=optional --include=dev --no-audit --no-fund --loglevel=error

# Start from a clean slate for everything this script owns.
rm -rf "$static/css" "$static/js" "$static/images" "$static/vigil-icon.svg" "$static/LICENSES.md"
mkdir -p "$static/css" "$static/js" "$static/images" "$e2e_testdata"

# --- CSS --------------------------------------------------------------------
echo "build.sh: sass main.scss -> static/css/vigil.css" >&2
# --load-path=node_modules: "govuk-frontend/..." and "@ministryofjustice/...";
# --load-path=.: MoJ's own Sass refers to "node_modules/govuk-frontend/...".
# Files reached through load paths count as dependencies for --quiet-deps.
"$nm/.bin/sass" \
  --load-path=node_modules --load-path=. \
  --style=compressed --no-source-map --no-error-css --quiet-deps \
  main.scss "$static/css/vigil.css"

css="$static/css/vigil.css"
if grep -qi 'gds-transport\|GDS Transport\|@font-face' "$css"; then
  echo "build.sh: vigil.css mentions GDS Transport or @font-face; Vigil must use Arial" >&2
  exit 1
fi

# Copy exactly the images vigil.css refers to. Every url() must be
# "../images/<file>" (relative to the stylesheet); brand images are refused.
urls="$(grep -o 'url([^)]*)' "$css" | sed -e 's/^url(//' -e 's/)$//' -e 's/^["'\'']//' -e 's/["'\'']$//' | LC_ALL=C sort -u)"
for u in $urls; do
  case "$u" in
    ../images/*) ;;
    *) echo "build.sh: unexpected url($u) in vigil.css" >&2; exit 1 ;;
  esac
  f="${u#../images/}"
  case "$f" in
    *crest*|*crown*|*logotype*|*arms*|govuk-*|moj-*)
      echo "build.sh: vigil.css refers to brand image $f; refusing to ship it" >&2; exit 1 ;;
  esac
  src=""
  for d in "$nm/@ministryofjustice/frontend/moj/assets/images" "$nm/govuk-frontend/dist/govuk/assets/images"; do
    if [ -f "$d/$f" ]; then src="$d/$f"; break; fi
  done
  if [ -z "$src" ]; then
    echo "build.sh: vigil.css refers to $u but no package ships $f" >&2; exit 1
  fi
  cp "$src" "$static/images/$f"
done

# --- JavaScript ---------------------------------------------------------------
# Strip the trailing sourceMappingURL comment: the maps are not shipped.
strip_map() { sed -e 's|//# sourceMappingURL=[^ ]*$||' "$1" > "$2"; }
strip_map "$nm/govuk-frontend/dist/govuk/govuk-frontend.min.js" "$static/js/govuk-frontend.min.js"
strip_map "$nm/@ministryofjustice/frontend/moj/moj-frontend.min.js" "$static/js/moj-frontend.min.js"
strip_map "$nm/htmx.org/dist/htmx.min.js" "$static/js/htmx.min.js"
cp vigil.js "$static/js/vigil.js"
if grep -q 'sourceMappingURL' "$static"/js/*.js; then
  echo "build.sh: a sourceMappingURL comment survived in static/js" >&2; exit 1
fi

# --- Other files --------------------------------------------------------------
cp vigil-icon.svg "$static/vigil-icon.svg"
cp "$nm/axe-core/axe.min.js" "$e2e_testdata/axe.min.js"

ver() { node -p "require('$nm/$1/package.json').version"; }
lic() { node -p "require('$nm/$1/package.json').license"; }
export GOVUK_V="$(ver govuk-frontend)" GOVUK_L="$(lic govuk-frontend)"
export MOJ_V="$(ver @ministryofjustice/frontend)" MOJ_L="$(lic @ministryofjustice/frontend)"
export HTMX_V="$(ver htmx.org)" HTMX_L="$(lic htmx.org)"
export AXE_V="$(ver axe-core)" AXE_L="$(lic axe-core)"
export SASS_V="$(ver sass)"
case "$HTMX_V" in 2.0.*) ;; *) echo "build.sh: htmx.org must stay on 2.0.x (got $HTMX_V)" >&2; exit 1 ;; esac
export IMAGES_LIST="$(cd "$static/images" && LC_ALL=C ls -1)"
# Fill in LICENSES.md.in: ${NAME} is replaced by the environment variable NAME.
node -e '
  const fs = require("fs");
  const text = fs.readFileSync(process.argv[1], "utf8").replace(/\$\{([A-Z_]+)\}/g, (m, k) => {
    if (k === "IMAGES_LIST") {
      const files = (process.env.IMAGES_LIST || "").split("\n").filter(Boolean);
      return files.length ? files.map((f) => "- `" + f + "`").join("\n") : "(none)";
    }
    if (process.env[k] === undefined) throw new Error("LICENSES.md.in: unknown ${" + k + "}");
    return process.env[k];
  });
  fs.writeFileSync(process.argv[2], text);
' LICENSES.md.in "$static/LICENSES.md"

echo "build.sh: done" >&2
( cd "$static" && find css js images vigil-icon.svg LICENSES.md -type f | LC_ALL=C sort | xargs wc -c ) >&2
