#!/usr/bin/env python3
"""Writes interpreter_golden.json: small templates covering the Jinja subset (loops, loop controls,
macros, namespaces, string methods, slicing, arithmetic, tojson, filters, tests, Python repr,
whitespace control with trim_blocks/lstrip_blocks), each with its output from jinja2 in the
environment transformers renders chat templates in. tests/unit/chat_template_test.cpp checks
Sightline's interpreter against it.  Run: .venv/bin/python3 make_interpreter_golden.py"""
import os
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment as E
import jinja2.ext
e=E(trim_blocks=True,lstrip_blocks=True,extensions=[jinja2.ext.loopcontrols])
e.filters["tojson"]=lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
cases = [
 ("{% for x in xs if x > 1 %}{{ loop.index0 }}/{{ loop.index }}/{{ loop.length }}{{ '|' if not loop.last }}{% else %}none{% endfor %}", {"xs":[1,2,3]}),
 ("{% for x in xs %}{{ x }}{% else %}none{% endfor %}", {"xs":[]}),
 ("{% set ns = namespace(n=0) %}{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", {}),
 ("{% for i in range(6) %}{% if i is odd %}{% continue %}{% endif %}{{ i }}{% endfor %}", {}),
 ("{% macro m(a, b='B') %}[{{ a }}{{ b }}]{% endmacro %}{{ m(1) }}{{ m(2, b=3) }}{{ m('x', 'y') }}", {}),
 ("{{ 'a,b,,c'.split(',') }} {{ '  x y  '.split() }} {{ 'a-b-c'.rsplit('-', 1) }} {{ ' xx '.strip() }}|{{ 'xxhixx'.strip('x') }}", {}),
 ("{{ s[1:3] }}{{ s[::-1] }}{{ s[-2:] }}{{ xs[1:] }}{{ s[0] }}", {"s":"héllo","xs":[1,2,3]}),
 ("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 1 / 4 }} {{ 3 * 'ab' }} {{ [1] * 2 }} {{ 1 + 2.5 }}", {}),
 ("{{ d | tojson }} {{ d | tojson(indent=2) }} {{ d | tojson(sort_keys=true) }} {{ 'é\"\\n' | tojson }} {{ 'é' | tojson(ensure_ascii=true) }}", {"d":{"b":1,"a":[True,None,1.5,"x"]}}),
 ("{{ d.items() | list }} {{ d.keys() | list }} {{ d.get('b') }} {{ d.get('zz', 'dflt') }} {{ d['a'][0] }} {{ d.missing is defined }}", {"d":{"b":1,"a":[True,None]}}),
 ("{{ xs | selectattr('k', 'equalto', 1) | map(attribute='v') | join(',') }} {{ xs | rejectattr('k') | list | length }} {{ xs | map(attribute='v') | first }} {{ xs | last }}", {"xs":[{"k":1,"v":"a"},{"k":0,"v":"b"},{"k":1,"v":"c"}]}),
 ("{{ 'x' if none else 'y' }} {{ a or 'b' }} {{ 0 and 1 }} {{ 'ab' in 'cabd' }} {{ 2 not in [1,3] }} {{ 'k' in {'k': 1} }} {{ 1 < 2 < 3 }} {{ 1 == 1.0 }}", {"a":""}),
 ("{{ x is string }}{{ x is mapping }}{{ y is iterable }}{{ y is sequence }}{{ 1 is number }}{{ none is none }}{{ z is undefined }}{{ true is true }}{{ 3 is divisibleby(3) }}", {"x":"s","y":[1]}),
 ("{{ v | default('d') }} {{ '' | default('e', true) }} {{ 'Hello World' | upper }} {{ 'AbC' | lower }} {{ 'hello world' | title }} {{ 'hello' | capitalize }} {{ 'aaa' | replace('a', 'b', 2) }} {{ ' t ' | trim }} {{ [3,1,2] | sort }} {{ 'abc' | length }}", {}),
 ("{{ [1, 'a', none, true, 1.0, {'k': 'v'}, (1,)] }} {{ 'it\\'s' }} {{ ['it\\'s', \"q\\\"\"] }} {{ 1e20 }} {{ 0.1 + 0.2 }} {{ 1e-7 }}", {}),
 ("  {% if true %}\n    x\n  {% endif %}\n{{ 'y' }}  \n  {%- if true %} z{% endif %}\n{# c #}\nw\n", {}),
 ("{% set a, b = [1, 2] %}{{ b }}{{ a }}{% set t %}block {{ a }}{% endset %}[{{ t }}]{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %}", {}),
 ("{{ messages[0].content }}{{ messages[-1]['role'] }}{{ messages | length }}{{ messages[5] is defined }}", {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Yo"}]}),
 ("{%- for m in messages %}{{ loop.previtem.role if loop.previtem is defined else '-' }}{{ m.role }}{% endfor %}", {"messages":[{"role":"user"},{"role":"assistant"}]}),
 ("[{{ xs | trim }}][{{ 5 | trim }}][{{ none | string | upper }}][{{ xs | join(', ') | replace('1', 'one') }}]", {"xs": [1, "a "]}),
 ("{{ 'a' ~ 1 ~ none ~ true }} {{ [1,2] + [3] }} {{ -(3) }} {{ not none }}", {}),
]
out=[]
for t, v in cases:
    out.append({"t": t, "v": v, "want": e.from_string(t).render(**v)})
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'interpreter_golden.json'), 'w', encoding='utf-8') as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write('\n')
