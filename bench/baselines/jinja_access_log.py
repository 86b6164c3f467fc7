#!/usr/bin/env python3
"""The original's template core, as a baseline for `make bench-compare`.

Renders examples/template-access-log/templates/access_log.jinja N times with
Jinja2, one line per timestamp (linearly spaced over one day), the way the
original's template plugin does: one compiled Template, one render() call per
event with the plugin's context (timestamp as a datetime, params, vars,
module, locals, shared, globals, tags). module.rand / module.faker are cheap
pure-Python stand-ins with the same call shapes, so the figure is Jinja2's
cost plus Python calls, not the cost of the Faker library (which would only
make the original slower).

    python3 bench/baselines/jinja_access_log.py TEMPLATE N OUT
"""

import random
import sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import jinja2

_rng = random.Random(1)
_USERS = ["alice", "bob_smith", "carol88", "dave.jones", "erin_w", "frank", "grace_h", "heidi42"]


def ip_v4_public():
    r = _rng.randint
    return f"{r(1, 223)}.{r(0, 255)}.{r(0, 255)}.{r(1, 254)}"


def choice(items):
    return _rng.choice(items)


def weighted_choice(weights):
    return _rng.choices(list(weights.keys()), weights=list(weights.values()))[0]


def integer(a, b):
    return _rng.randint(a, b)


def user_name():
    return _rng.choice(_USERS)


module = SimpleNamespace(
    rand=SimpleNamespace(
        choice=choice,
        weighted_choice=weighted_choice,
        network=SimpleNamespace(ip_v4_public=ip_v4_public),
        number=SimpleNamespace(integer=integer),
    ),
    faker=SimpleNamespace(locale=SimpleNamespace(en=SimpleNamespace(user_name=user_name))),
)


def main():
    path, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path) as f:
        source = f.read()
    env = jinja2.Environment(loader=jinja2.BaseLoader(), keep_trailing_newline=False)
    template = env.from_string(source)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    step = timedelta(days=1) / max(n - 1, 1)
    state_locals, shared, glob = {}, {}, {}
    with open(out, "w", buffering=1 << 18) as f:
        for i in range(n):
            line = template.render(
                timestamp=start + step * i,
                tags=(),
                params={},
                vars={},
                module=module,
                locals=state_locals,
                shared=shared,
                globals=glob,
            )
            f.write(line)
            f.write("\n")


if __name__ == "__main__":
    main()
