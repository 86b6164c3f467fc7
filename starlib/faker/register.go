package faker

import "github.com/eventum-generator/eventum-go/starlib"

func init() {
	starlib.RegisterNamespace("faker", NewFaker)
	starlib.RegisterNamespace("mimesis", NewMimesis)
}
