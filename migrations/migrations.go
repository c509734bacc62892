// Package migrations holds the database schema as plain SQL files, embedded into the binary and
// applied by goose (reservas migrate).
package migrations

import "embed"

// FS is the set of migration files, named NNNN_name.sql.
//
//go:embed *.sql
var FS embed.FS
