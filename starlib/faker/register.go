package faker

import "github.com/eventum-go/eventum/starlib"

func init() {
	starlib.RegisterNamespace("faker", NewFaker)
	starlib.RegisterNamespace("mimesis", NewMimesis)
}
