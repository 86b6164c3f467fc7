#!/usr/bin/env python3
"""Writes NAME.out for every NAME.jinja in this folder: the template
rendered by Python's Jinja2 3.1.6 as the original renders templates (a
FileSystemLoader rooted here, the do and loopcontrols extensions, no
autoescaping, timestamp=None, tags=()). Run by
`go test ./scripts/jinja -run TestConformance -update`."""
import pathlib
import sys

import jinja2

WANT = "3.1.6"
if jinja2.__version__ != WANT:
    sys.exit(f"render.py: need Jinja2 {WANT}, found {jinja2.__version__}")

here = pathlib.Path(__file__).resolve().parent
env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(here)),
    extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
)
for path in sorted(here.glob("*.jinja")):
    out = env.get_template(path.name).render(timestamp=None, tags=())
    path.with_suffix(".out").write_text(out, encoding="utf-8", newline="")
