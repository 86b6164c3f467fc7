//go:build unix

package scripts

import (
	"os/exec"
	"syscall"
)

// setProcessGroup runs cmd in its own process group and makes a timeout
// kill the whole group (the shell and what it started).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
