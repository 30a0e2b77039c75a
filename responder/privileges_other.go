//go:build !unix

package responder

// DropPrivileges does nothing where there is no root to drop.
func DropPrivileges() (bool, error) { return false, nil }
