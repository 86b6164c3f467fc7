package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: "Load it in the current shell, or install it for every shell:\n" +
			"  bash: source <(eventum completion bash)    or  eventum completion bash > /etc/bash_completion.d/eventum\n" +
			"  zsh:  source <(eventum completion zsh)     or  eventum completion zsh > \"${fpath[1]}/_eventum\"\n" +
			"  fish: eventum completion fish | source     or  eventum completion fish > ~/.config/fish/completions/eventum.fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError(c, fmt.Errorf("need one shell: bash, zsh or fish"))
			}
			switch shell := c.Args().First(); shell {
			case "bash":
				_, err := fmt.Fprint(c.App.Writer, bashCompletion)
				return err
			case "zsh":
				_, err := fmt.Fprint(c.App.Writer, zshCompletion)
				return err
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return fmt.Errorf("fish completion: %w", err)
				}
				_, err = fmt.Fprint(c.App.Writer, script)
				return err
			default:
				return usageError(c, fmt.Errorf("unknown shell %q (bash, zsh or fish)", shell))
			}
		},
	}
}

// The bash and zsh scripts ask the binary for the candidates: eventum lists
// the commands, subcommands and flags valid at the cursor when its last
// argument is --generate-bash-completion.
const bashCompletion = `# bash completion for eventum (eventum completion bash)
_eventum_complete() {
  local cur words
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  if [[ ${#COMPREPLY[@]} -eq 0 ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o default -F _eventum_complete eventum
`

const zshCompletion = `#compdef eventum
# zsh completion for eventum (eventum completion zsh)
_eventum() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
if [ "$funcstack[1]" = "_eventum" ]; then
  _eventum "$@"
else
  compdef _eventum eventum
fi
`
