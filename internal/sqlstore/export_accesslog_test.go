package sqlstore

// ParseIDsForTest is the access log's fast parser of stored record ids.
var ParseIDsForTest = parseIDs
