package scripts

import (
	"testing"
)

// TestTemplateOriginalIdioms renders expressions written for the original
// (Python Jinja) through the template plugin with the real module; each
// want is what the original prints.
func TestTemplateOriginalIdioms(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"community id", `{{ module.base64.b64encode(module.hashlib.sha1(b"abc").digest()).decode() }}`, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="},
		{"pkce", `{{ module.base64.urlsafe_b64encode(module.hashlib.sha256("v".encode()).digest()).decode().rstrip("=") }}`, "TJRIXgwhrmxBzh3-e2v6zupato5AokdvUCCOUm9QYIA"},
		{"bytes printed", `{{ module.base64.b64encode(b"x") }} {{ module.base64.b64decode("aGVsbG8=").decode() }}`, "b'eA==' hello"},
		{"bytes methods", `{% set d = module.hashlib.md5(b"abc").digest() %}{{ d.hex() }} {{ d[:2].hex() }} {{ len(d) }} {{ d | length }} {{ (d[:1] + b"!").hex() }}`,
			"900150983cd24fb0d6963f7d28e17f72 9001 16 16 9021"},
		{"hex sep", `{{ module.hashlib.md5(b"abc").digest()[:4].hex(":") }}`, "90:01:50:98"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tm := mustTemplate(t, map[string]string{"t.jinja": tc.src}, "templates:\n- t: {template: t.jinja}\n")
			if got := produceN(t, tm, 1)[0][0]; got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
