package disk

// CheckLayout checks the invariant of versions in every bucket (see keyTx): for the tests of
// package disk_test.
func CheckLayout(s *Store) error { return s.db.View(checkInvariant) }
