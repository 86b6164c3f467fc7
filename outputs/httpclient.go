package outputs

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// newHTTPClient builds the client of the HTTP-based outputs (http,
// clickhouse, opensearch). Without proxyURL the usual HTTP(S)_PROXY
// environment variables apply.
func newHTTPClient(connectTimeout, requestTimeout time.Duration, tlsCfg *tls.Config, proxyURL string) (*http.Client, error) {
	proxy := http.ProxyFromEnvironment
	if proxyURL != "" {
		u, err := url.Parse(proxyURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("proxy_url: invalid URL %q", redactURL(proxyURL))
		}
		proxy = http.ProxyURL(u)
	}
	dialer := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:               proxy,
		DialContext:         dialer.DialContext,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: connectTimeout,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: requestTimeout}, nil
}

// checkURL validates an http(s) URL setting.
func checkURL(key, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: expected an http:// or https:// URL, got %q", key, redactURL(s))
	}
	return nil
}

// redactURL hides the password of a URL's user info (often substituted from
// a secret) so that error messages can quote the rest; it works on text
// that does not parse as a URL too.
func redactURL(s string) string {
	rest := s
	prefix := ""
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	at := strings.LastIndex(host, "@")
	if at < 0 {
		return s
	}
	user := host[:at]
	if i := strings.Index(user, ":"); i >= 0 {
		user = user[:i] + ":xxxxx"
	}
	return prefix + user + rest[at:]
}

// bodyPrefix is how much of a failed response's body goes into the error.
const bodyPrefix = 512

// readPrefix returns the first bodyPrefix bytes of r and drains (a bounded
// amount of) the rest, so the connection can be reused.
func readPrefix(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, bodyPrefix))
	io.Copy(io.Discard, io.LimitReader(r, 1<<20))
	return string(b)
}

// classify wraps a transport error: a rejected certificate is permanent,
// the rest (refused, reset, timeout) may pass.
func classify(err error) error {
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return Permanent(err)
	}
	return err
}

// retryableStatus reports whether an HTTP status is worth another attempt.
func retryableStatus(code int) bool {
	return code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
}
