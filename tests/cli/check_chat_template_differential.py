#!/usr/bin/env python3
"""Differential test of the chat-template interpreter against jinja2: random small templates
(expressions of every operator, filter, test and method the interpreter supports, nested if / for /
set, whitespace control) over fixed variables, rendered by jinja2 in transformers' environment
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, transformers' tojson) and
by `chat_template_render --snippets`. Each template must give the same text, or fail in both.

The generator leaves out what the interpreter does differently on purpose (docs in
engine/include/sightline/chat_template.h): jinja2's lazy filters (select / map / unique / items
give generators, printed as "<generator …>"; here they are always followed by `| list`), printf-style
`%` on strings, and filters that mutate their input in jinja2 (indent on a list).

  check_chat_template_differential.py --render BIN [--cases N] [--seed S]
"""
import argparse
import json
import random
import subprocess
import sys

V = {"s": "Hé llo, World ", "n": 7, "f": 2.5, "xs": [3, 1, "a", None, True], "d": {"k": "v", "n": 2, "l": [1, 2]}, "e": "",
     "z": 0, "ms": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "text", "text": "yo"}]}],
     "ns_list": [3, 1, 2], "words": ["b", "A", "c"], "u": "straße Σίσυφος ёЖ Ÿÿ à-la (carte) x1y"}
ATOMS = ["u", "s", "n", "f", "xs", "d", "e", "z", "ms", "1", "0", "-3", "2.0", "'a'", "'b c'", "none", "true", "false", "[1, 'x']",
         "{'a': 1}", "undefinedvar", "(1, 2)", "ns_list", "words", "1e-05", "'it\\'s'", "\"q\\\"\""]
SEQUENCES = ["xs", "ms", "d", "s", "[1, 'x']", "ns_list", "words", "e", "u"]
BIN = ["+", "-", "*", "//", "~", "==", "!=", "<", ">=", "in", "not in", "and", "or", "/"]
FILTERS = ["trim", "length", "tojson", "string", "upper", "lower", "default('D')", "default('E', true)", "title", "capitalize",
           "replace('l', 'L')", "int", "float", "abs", "tojson(indent=1)", "tojson(sort_keys=true)", "d"]
SEQ_FILTERS = ["first", "last", "list", "join(',')", "reverse | list", "sort", "unique | list", "select | list",
               "reject | list", "map('string') | list", "min", "max", "length", "sort(reverse=true)", "join"]
TESTS = ["defined", "undefined", "none", "string", "mapping", "iterable", "sequence", "number", "integer", "float", "true",
         "false", "odd", "even", "boolean", "divisibleby(2)", "eq 7", "in [1, 7]", "lower", "upper"]
METHODS = {"u": ["upper()", "lower()", "title()", "capitalize()", "split()"], "s": ["split()", "split(',')", "strip()", "lstrip('H')", "rstrip()", "upper()", "lower()", "startswith('H')",
                 "endswith(' ')", "replace('l','x')", "title()", "find('l')", "count('l')", "rsplit(' ', 1)", "split(' ', 1)",
                 "startswith(('x', 'H'))", "capitalize()", "strip('H ')"],
           "d": ["get('k')", "get('zz', 5)", "items() | list", "keys() | list", "values() | list"],
           "xs": ["count(1)", "count('a')"]}


def generator(rng):
    def expr(depth=0):
        r = rng.random()
        if depth > 3 or r < 0.3:
            return rng.choice(ATOMS)
        if r < 0.44:
            return f"({expr(depth + 1)} {rng.choice(BIN)} {expr(depth + 1)})"
        if r < 0.54:
            return f"{expr(depth + 1)} | {rng.choice(FILTERS)}"
        if r < 0.62:
            return f"{rng.choice(SEQUENCES)} | {rng.choice(SEQ_FILTERS)}"
        if r < 0.7:
            return f"({expr(depth + 1)} is {'not ' if rng.random() < 0.3 else ''}{rng.choice(TESTS)})"
        if r < 0.8:
            obj = rng.choice(list(METHODS))
            return f"{obj}.{rng.choice(METHODS[obj])}"
        if r < 0.87:
            return rng.choice(["s", "xs", "ms", "d", "words"]) + "[" + rng.choice(["0", "-1", "1:", "::-1", "1:3", "'k'", "5", ":-1", "::2"]) + "]"
        if r < 0.93:
            return f"({expr(depth + 1)} if {expr(depth + 1)} else {expr(depth + 1)})"
        if r < 0.96:
            return f"(n % {rng.choice(['3', '-2', 'f'])})"
        return f"(not {expr(depth + 1)})"

    def stmt(depth=0):
        r = rng.random()
        end = rng.choice(["", " ", "\n", "  \n"])
        if depth > 2 or r < 0.35:
            return "{{ " + expr() + " }}" + end
        if r < 0.55:
            other = "{% else %}" + stmt(depth + 1) if rng.random() < 0.5 else ""
            return "{% if " + expr() + " %}" + stmt(depth + 1) + other + "{% endif %}" + rng.choice(["", "\n"])
        if r < 0.75:
            target, source = rng.choice([("x", "xs"), ("k, v", "d.items()"), ("m", "ms"), ("c", "s"), ("i", "range(3)"), ("k", "d")])
            cond = " if " + expr() if rng.random() < 0.2 else ""
            body = rng.choice(["{{ loop.index }}", "{{ loop.first }}{{ loop.length }}{{ loop.revindex }}", "",
                               "{% if loop.last %}{% break %}{% endif %}", "{{ " + target.split(",")[0] + " }}"])
            other = "{% else %}empty" if rng.random() < 0.2 else ""
            return "{% for " + target + " in " + source + cond + " %}" + body + stmt(depth + 1) + other + "{% endfor %}"
        if r < 0.85:
            return "{% set " + rng.choice(["y", "w"]) + " = " + expr() + " %}" + stmt(depth + 1) + "{{ y }}"
        if r < 0.92:
            return "{% set ns = namespace(t=0) %}{% for i in range(4) %}{% set ns.t = ns.t + i %}{% endfor %}{{ ns.t }}" + stmt(depth + 1)
        return "  {%- if true -%}\n " + stmt(depth + 1) + " \n{%- endif %}\n"

    return lambda: "".join(stmt() for _ in range(rng.randrange(1, 4)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--render", required=True)
    ap.add_argument("--cases", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):  # transformers' filter
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env.filters["tojson"] = tojson
    make = generator(random.Random(a.seed))
    cases = []
    for _ in range(a.cases):
        t = make()
        try:
            want = {"out": env.from_string(t).render(**V)}
        except Exception as e:  # noqa: BLE001 - any failure of jinja2 must be a failure of ours
            want = {"err": f"{type(e).__name__}: {e}"}
        cases.append((t, want))
    p = subprocess.run([a.render, "--snippets"], input="\n".join(json.dumps({"t": t, "v": V}) for t, _ in cases) + "\n",
                       capture_output=True, text=True, check=True)
    got = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(got) == len(cases)
    bad = 0
    for (t, w), g in zip(cases, got):
        if ("err" in w) != ("err" in g) or w.get("out") != g.get("out"):
            bad += 1
            if bad <= 10:
                print(f"FAIL template {t!r}\n  jinja2:    {w!r}\n  sightline: {g!r}")
    rendered = sum("out" in w for _, w in cases)
    print(f"{len(cases)} random templates: {rendered} rendered by jinja2, {len(cases) - rendered} refused; "
          f"{len(cases) - bad} agree, {bad} differ")
    # Both outcomes must be well represented, or the test says little.
    if rendered < len(cases) // 5 or len(cases) - rendered < len(cases) // 20:
        print("FAIL: the generator no longer exercises both outcomes")
        bad += 1
    print("chat template differential:", "FAILED" if bad else "OK")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
