package scripts

// The namespaces below add themselves to starlib's `module` gateway in their
// init(); the event plugins are what reach them, so they are linked here.
import (
	_ "github.com/eventum-go/eventum/starlib/baseplate"
	_ "github.com/eventum-go/eventum/starlib/faker"
	_ "github.com/eventum-go/eventum/starlib/pystd"
)
