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

// NameKeysOf returns a child's stored search keys, in no order.
func NameKeysOf(db *DB, id int64) ([]string, error) {
	rows, err := db.read.Query("SELECT name_key FROM child_name_keys WHERE child_id = $1", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// CountNameKeys returns how many children have search keys, and how many
// keys there are.
func CountNameKeys(db *DB) (children, keys int, err error) {
	err = db.read.QueryRow("SELECT count(DISTINCT child_id), count(*) FROM child_name_keys").Scan(&children, &keys)
	return children, keys, err
}
