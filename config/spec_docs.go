package config

import (
	"reflect"
	"strings"
)

// SettingsTable renders the settings of the struct type t as a Markdown
// table (key, type, default, meaning), the form docs/*.md use. Keys of
// embedded structs shared by every plugin of a kind are left out unless
// shared is true.
func SettingsTable(t reflect.Type, shared bool) string {
	var b strings.Builder
	rows := 0
	for _, s := range Settings(t) {
		if s.Shared && !shared {
			continue
		}
		if rows == 0 {
			b.WriteString("| key | type | default | meaning |\n|---|---|---|---|\n")
		}
		rows++
		b.WriteString("| `" + s.Path + "` | " + cell(s.DocType()) + " | " + cell(s.DocDefault()) + " | " + cell(Markdown(s.Doc)) + " |\n")
	}
	if rows == 0 {
		return "No settings.\n"
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// DocType is the type column of the docs: the type, its allowed values and bounds.
func (s Setting) DocType() string {
	t := Markdown(s.TypeName)
	if len(s.Enum) > 0 {
		return "`" + strings.Join(s.Enum, "` `") + "`"
	}
	isList := strings.HasPrefix(t, "list")
	switch {
	case isList && s.Min != nil && s.Max == nil:
		t += " (≥ " + fmtNum(*s.Min) + ")"
	case isList && s.Min != nil && s.Max != nil:
		t += " (" + fmtNum(*s.Min) + "–" + fmtNum(*s.Max) + ")"
	case s.Min != nil && s.Max != nil:
		t += " " + fmtNum(*s.Min) + "–" + fmtNum(*s.Max)
	case s.Min != nil:
		t += " ≥ " + fmtNum(*s.Min)
	case s.Max != nil:
		t += " ≤ " + fmtNum(*s.Max)
	}
	if s.Gt != nil {
		t += " > " + fmtNum(*s.Gt)
	}
	return t
}

// DocDefault is the default column of the docs.
func (s Setting) DocDefault() string {
	switch {
	case s.Required:
		return "required"
	case s.HasDef:
		return "`" + s.Default + "`"
	case s.Absent != "":
		return Markdown(s.Absent)
	}
	return "—"
}
