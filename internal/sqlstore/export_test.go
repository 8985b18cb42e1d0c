package sqlstore

// FreeTextKeys lists the registered free-text columns ("table.column"),
// for the external tests that write each one.
func FreeTextKeys() []string {
	var out []string
	for _, c := range freeTextColumns {
		out = append(out, c.Key())
	}
	return out
}
