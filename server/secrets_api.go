package server

import (
	"errors"
	"net/http"

	"github.com/eventum-go/eventum/secrets"
)

// Secret values never leave the server through the API: GET answers only
// whether a secret is stored. (The original returned the value.)

type secretInfo struct {
	Name   string `json:"name"`
	Stored bool   `json:"stored"`
}

func (a *App) keyringOrError(w http.ResponseWriter) (*secrets.Keyring, bool) {
	kr, err := a.keyring.Open()
	if err != nil {
		code := http.StatusInternalServerError
		msg := "cannot open the keyring"
		if errors.Is(err, secrets.ErrWrongPassword) || errors.Is(err, secrets.ErrNoPassword) {
			msg = "the keyring is locked"
		}
		writeError(w, code, msg, err.Error())
		return nil, false
	}
	return kr, true
}

func secretName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if err := secrets.ValidName(name); err != nil {
		writeError(w, http.StatusBadRequest, "invalid secret name", err.Error())
		return "", false
	}
	return name, true
}

func (a *App) listSecrets(w http.ResponseWriter, r *http.Request) {
	kr, ok := a.keyringOrError(w)
	if !ok {
		return
	}
	names, err := kr.Names()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot read the keyring", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, names)
}

func (a *App) getSecret(w http.ResponseWriter, r *http.Request) {
	name, ok := secretName(w, r)
	if !ok {
		return
	}
	kr, ok := a.keyringOrError(w)
	if !ok {
		return
	}
	_, found, err := kr.Get(name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot read the keyring", err.Error())
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, "secret is not stored", name)
		return
	}
	writeJSON(w, http.StatusOK, secretInfo{Name: name, Stored: true})
}

func (a *App) putSecret(w http.ResponseWriter, r *http.Request) {
	name, ok := secretName(w, r)
	if !ok {
		return
	}
	var value string
	if !decodeJSON(w, r, &value) {
		return
	}
	if value == "" {
		writeError(w, http.StatusBadRequest, "the secret value must not be empty", nil)
		return
	}
	kr, ok := a.keyringOrError(w)
	if !ok {
		return
	}
	if err := kr.Set(name, value); err != nil {
		writeError(w, http.StatusInternalServerError, "cannot write the keyring", err.Error())
		return
	}
	a.Log.Info("secret stored", "name", name)
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) deleteSecret(w http.ResponseWriter, r *http.Request) {
	name, ok := secretName(w, r)
	if !ok {
		return
	}
	kr, ok := a.keyringOrError(w)
	if !ok {
		return
	}
	found, err := kr.Delete(name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot write the keyring", err.Error())
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, "secret is not stored", name)
		return
	}
	a.Log.Info("secret deleted", "name", name)
	writeJSON(w, http.StatusOK, nil)
}
