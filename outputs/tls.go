package outputs

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"github.com/eventum-go/eventum/config"
	"github.com/eventum-go/eventum/plugin"
)

// TLSConfig holds the TLS settings shared by the network outputs; output
// configs embed it, so its keys sit next to the output's own.
type TLSConfig struct {
	// Verify checks the server's certificate chain and host name.
	Verify bool `yaml:"verify" absent:"'false' for http and opensearch, 'true' for the others" doc:"check the server's certificate chain and name"`
	// CACert is a PEM file of CA certificates trusted instead of the system's.
	CACert string `yaml:"ca_cert" type:"path" absent:"system roots" doc:"PEM file of the CA certificates to trust"`
	// ClientCert and ClientCertKey are PEM files for mutual TLS; set both or neither.
	ClientCert    string `yaml:"client_cert" type:"path" doc:"PEM client certificate for mutual TLS; needs 'client_cert_key'"`
	ClientCertKey string `yaml:"client_cert_key" type:"path" doc:"PEM key of 'client_cert'"`
}

func (c *TLSConfig) check() error {
	if (c.ClientCert == "") != (c.ClientCertKey == "") {
		return fmt.Errorf("client_cert and client_cert_key must be set together")
	}
	return nil
}

// tlsConfig builds the *tls.Config; files resolve against the generator's directory.
func (c *TLSConfig) tlsConfig(env *plugin.Env) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: !c.Verify, MinVersion: tls.VersionTLS12} //nolint:gosec // the user's choice, documented
	if c.CACert != "" {
		pem, err := readEnvFile(env, "ca_cert", c.CACert)
		if err != nil {
			return nil, fmt.Errorf("ca_cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_cert: no PEM certificate in %s", c.CACert)
		}
		cfg.RootCAs = pool
	}
	if c.ClientCert != "" {
		cert, err := loadKeyPair(env, "client_cert", c.ClientCert, "client_cert_key", c.ClientCertKey)
		if err != nil {
			return nil, fmt.Errorf("client_cert: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// readEnvFile reads p relative to the generator's directory, through the
// env's confinement (env may be nil); key names the setting.
func readEnvFile(env *plugin.Env, key, p string) ([]byte, error) {
	if env == nil {
		return config.ReadFile(p)
	}
	return env.ReadFile(key, p)
}

// loadKeyPair is tls.LoadX509KeyPair reading both files with readEnvFile.
func loadKeyPair(env *plugin.Env, certKey, certFile, keyKey, keyFile string) (tls.Certificate, error) {
	cert, err := readEnvFile(env, certKey, certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := readEnvFile(env, keyKey, keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(cert, key)
}
