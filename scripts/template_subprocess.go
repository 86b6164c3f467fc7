package scripts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/eventum-go/eventum/plugin"
)

// subprocess.run(command, cwd=None, env=None, timeout=None) runs command
// with `sh -c` and returns a struct with stdout, stderr and exit_code.
// A relative cwd resolves against the generator directory (the default);
// env replaces the environment. Timeout is in seconds: omitted or <= 0
// means 30, at most 300; on timeout the command's process group is killed
// and run fails. Each stream keeps at most 8 MiB; more is an error.
const (
	subprocessDefaultTimeout = 30 * time.Second
	subprocessMaxTimeout     = 300 * time.Second
	subprocessMaxOutput      = 8 << 20
)

// subprocessDisabledHow says where subprocess is switched off, for errors.
const subprocessDisabledHow = "generation.allow_subprocess is false for eventum run, --allow-subprocess=false for eventum generate"

func newSubprocess(env *plugin.Env) starlark.Value {
	return &starlarkstruct.Module{Name: "subprocess", Members: starlark.StringDict{
		"run": starlark.NewBuiltin("subprocess.run", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if env.NoSubprocess { // templates using it are refused at build; this is the backstop
				return nil, fmt.Errorf("%s: subprocess is disabled (%s)", b.Name(), subprocessDisabledHow)
			}
			return subprocessRun(env, b, args, kwargs)
		}),
	}}
}

// limitedBuffer keeps up to max bytes and remembers that more came.
type limitedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (w *limitedBuffer) Write(p []byte) (int, error) {
	if room := w.max - w.Len(); len(p) > room {
		w.overflow = true
		w.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return w.Buffer.Write(p)
}

func subprocessRun(env *plugin.Env, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var command string
	var cwd, envv, timeout starlark.Value = starlark.None, starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "command", &command, "cwd?", &cwd, "env?", &envv, "timeout?", &timeout); err != nil {
		return nil, err
	}
	d := subprocessDefaultTimeout
	if timeout != starlark.None {
		f, ok := starlark.AsFloat(timeout)
		if !ok {
			return nil, fmt.Errorf("%s: timeout must be a number of seconds, got %s", b.Name(), timeout.Type())
		}
		if f > 0 {
			d = min(time.Duration(f*float64(time.Second)), subprocessMaxTimeout)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = env.Dir
	if cwd != starlark.None {
		dir, ok := starlark.AsString(cwd)
		if !ok {
			return nil, fmt.Errorf("%s: cwd must be a string, got %s", b.Name(), cwd.Type())
		}
		if !filepath.IsAbs(dir) {
			dir = env.Path(dir)
		}
		cmd.Dir = dir
	}
	if envv != starlark.None {
		m, ok := envv.(starlark.IterableMapping)
		if !ok {
			return nil, fmt.Errorf("%s: env must be a dict, got %s", b.Name(), envv.Type())
		}
		cmd.Env = []string{}
		for _, kv := range m.Items() {
			k, _ := starlark.AsString(kv[0])
			v, ok := starlark.AsString(kv[1])
			if !ok {
				v = kv[1].String()
			}
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		sort.Strings(cmd.Env)
	}
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	stdout := &limitedBuffer{max: subprocessMaxOutput}
	stderr := &limitedBuffer{max: subprocessMaxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return nil, fmt.Errorf("%s: %q timed out after %s", b.Name(), command, d)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, fmt.Errorf("%s: %q: %w", b.Name(), command, err)
	}
	if stdout.overflow || stderr.overflow {
		return nil, fmt.Errorf("%s: %q wrote more than %d bytes to stdout or stderr", b.Name(), command, subprocessMaxOutput)
	}
	return starlarkstruct.FromStringDict(starlark.String("SubprocessResult"), starlark.StringDict{
		"stdout":    starlark.String(stdout.String()),
		"stderr":    starlark.String(stderr.String()),
		"exit_code": starlark.MakeInt(cmd.ProcessState.ExitCode()),
	}), nil
}
