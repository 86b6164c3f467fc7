package outputs

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"http://user:s3cret@host:99999x/path", "http://user:xxxxx@host:99999x/path"},
		{"http://user:s3c:ret@ho st/?a=b@c", "http://user:xxxxx@ho st/?a=b@c"},
		{"user:s3cret@host", "user:xxxxx@host"},
		{"http://host/p@th", "http://host/p@th"},
		{"http://user@host/", "http://user@host/"},
	} {
		if got := redactURL(tc.in); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if err := checkURL("url", "http://u:s3cret@ho st/"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("checkURL error %v", err)
	}
	if _, err := newHTTPClient(0, 0, nil, "http://u:s3cret@ho st:x/"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("proxy error %v", err)
	}
}
