"""P3: rendering a list page (25 rows, ~80 component calls) with jinjax ÷ the same markup in Jinja.

``python -m bench.render [--quick]``

Both use the application's own Jinja environment settings (autoescape, StrictUndefined, the
i18n extension and filters of :func:`core.web.templating.build_catalog`); the jinjax side is a
catalog built like the app's with the bench components added under the prefix ``bench``; the
Jinja side is one template with macros. The outputs are checked equal (whitespace aside)
before timing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import jinja2

from bench.common import Row, emit, log, strip_ws

HERE = Path(__file__).resolve().parent / "p3"


def rows(n: int = 25) -> list[dict]:
    return [{"id": i, "name": f"长沙某某科技有限公司{i}<b>", "kind": "非公企业" if i % 3 else "社会组织",
             "address": f"岳麓区麓谷大道 {i} 号", "employees": 10 + i, "covered": i % 2 == 0} for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from core.plugins import registry
    from core.web.templating import build_catalog

    catalog = build_catalog(registry())
    catalog.add_folder(HERE / "components", prefix="bench")
    env = catalog.jinja_env.overlay(loader=jinja2.FileSystemLoader(str(HERE / "templates")))
    template = env.get_template("list_page.html")
    data = {"title": "两新组织", "rows": rows(), "total": 1234}

    def jx() -> str:
        return str(catalog.render("bench:ListPage", **data))

    def jj() -> str:
        return template.render(**data)

    a, b = strip_ws(jx()), strip_ws(jj())
    if a != b:
        raise SystemExit(f"outputs differ:\n{a[:600]}\n---\n{b[:600]}")
    assert "&lt;b&gt;" in a  # escaped in both
    rounds = 10 if args.quick else 30
    t_jx, t_jj, ratio = alternating(jx, jj, rounds=rounds, round_time=0.1)
    log(f"jinjax {t_jx * 1e3:.3f} ms, jinja {t_jj * 1e3:.3f} ms per render (medians of {rounds} alternating rounds); "
        f"median of the rounds' ratios {ratio:.2f}×")
    emit([Row("P3", "render a 25-row list page: jinjax components ÷ Jinja macros", t_jx * 1e3, t_jj * 1e3, "ms",
              note=f"{len(a)} bytes of HTML, identical output; {rounds} alternating rounds")])


def alternating(a, b, *, rounds: int, round_time: float) -> tuple[float, float, float]:
    """CPU seconds per call of ``a`` and of ``b`` (medians) and the median of the per-round
    ratios, the two measured in turn in each round: on a machine whose load moves, both sides
    of a round see the same load (sequential blocks of each did not: 1.4× and 1.9× in two runs
    a minute apart at load 25)."""
    import statistics
    import time

    clock = time.process_time
    loops = {}
    for fn in (a, b):
        fn()
        t = clock()
        fn()
        loops[fn] = max(1, int(round_time / max(clock() - t, 1e-7)))
    ta, tb, ratios = [], [], []
    for _ in range(rounds):
        for fn, out in ((a, ta), (b, tb)):
            t = clock()
            for _ in range(loops[fn]):
                fn()
            out.append((clock() - t) / loops[fn])
        ratios.append(ta[-1] / tb[-1])
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)


if __name__ == "__main__":
    main()
