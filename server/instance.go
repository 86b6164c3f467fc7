package server

import (
	"net/http"
	"os"
	"runtime"
	"time"
)

type instanceInfo struct {
	AppVersion    string    `json:"app_version"`
	GoVersion     string    `json:"go_version"`
	OS            string    `json:"os"`
	Arch          string    `json:"arch"`
	Hostname      string    `json:"hostname"`
	PID           int       `json:"pid"`
	NumCPU        int       `json:"num_cpu"`
	StartedAt     time.Time `json:"started_at"`
	UptimeSeconds float64   `json:"uptime_seconds"`
	Generators    int       `json:"generators"`
	Goroutines    int       `json:"goroutines"`
	HeapBytes     uint64    `json:"heap_bytes"`
}

func (a *App) instanceInfo(w http.ResponseWriter, r *http.Request) {
	host, _ := os.Hostname()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	writeJSON(w, http.StatusOK, instanceInfo{
		AppVersion: a.version, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		Hostname: host, PID: os.Getpid(), NumCPU: runtime.NumCPU(),
		StartedAt: a.started, UptimeSeconds: time.Since(a.started).Seconds(),
		Generators: len(a.Manager.IDs()), Goroutines: runtime.NumGoroutine(), HeapBytes: ms.HeapAlloc,
	})
}

// instanceRestart stops and forgets every generator, then loads the
// startup file as at start-up.

// instanceSettings answers the settings; the password and token are
// tagged json:"-" and never sent.
func (a *App) instanceSettings(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.Settings)
}

func (a *App) instanceStop(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, nil)
	a.Log.Info("stop requested through the API")
	a.RequestStop()
}

func (a *App) instanceRestart(w http.ResponseWriter, r *http.Request) {
	a.Log.Info("restart requested through the API")
	a.Manager.BulkRemove(a.Manager.IDs())
	problems, err := a.loadStartup(ByAPI)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "cannot load the startup file", errorDetails(err))
		return
	}
	if len(problems) > 0 {
		var details []string
		for _, p := range problems {
			details = append(details, p.Error())
		}
		writeJSON(w, http.StatusOK, map[string]any{"problems": details})
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
