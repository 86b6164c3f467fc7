package outputs

// For the fault tests of package outputs_test.

// PGCutProxy hides the answers to chosen commits (see pgCutProxy).
type PGCutProxy = pgCutProxy

var (
	NewPGCutProxy = newPGCutProxy
	PGCopyDone    = pgCopyDone
	PGCommitQuery = pgCommitQuery
)

// Port is the proxy's port on 127.0.0.1.
func (x *pgCutProxy) Port() int { return x.port() }

// Cuts is how many answers the proxy hid.
func (x *pgCutProxy) Cuts() int { return int(x.cuts.Load()) }

// PGSchema creates a schema on the local server (127.0.0.1:5432) for one test.
var PGSchema = pgSchema

// PGTestDSN is the local server's.
const PGTestDSN = testPGDSN
