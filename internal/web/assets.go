package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFiles embed.FS

// assets serves the embedded static files under content-hashed names
// (/assets/css/vigil.1a2b3c4d5e.css, cached for a year) and at their plain
// names (short caching), which ES module imports between files need.
type assets struct {
	files  map[string]asset // by plain name ("css/vigil.css")
	hashed map[string]string
}

type asset struct {
	data   []byte
	hash   string // first 10 hex digits of SHA-256
	hashed string // "css/vigil.1a2b3c4d5e.css"
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}, hashed: map[string]string{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])[:10]
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + h + ext
		a.files[name] = asset{data: data, hash: h, hashed: hashed}
		a.hashed[hashed] = name
		return nil
	})
	return a, err
}

// url returns the hashed URL of an asset; it panics on an unknown name, so
// a template that names a missing file fails when templates are checked at
// start-up rather than in front of a user.
func (a *assets) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic(fmt.Sprintf("web: no asset %q", name))
	}
	return "/assets/" + f.hashed
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	cache := "public, max-age=300"
	if plain, ok := a.hashed[name]; ok {
		name = plain
		cache = "public, max-age=31536000, immutable"
	}
	f, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("ETag", `"`+f.hash+`"`)
	// Modules need a JavaScript type; ServeContent would guess from the
	// extension anyway, but say it plainly.
	if strings.HasSuffix(name, ".js") {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
}
