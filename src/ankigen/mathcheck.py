"""The MathJax stage: every formula of the compiled cards checked by Anki's own MathJax (``E303``) and measured
for the phone lint (``W310``/``W311``), while the build is still compiling.

A :class:`FormulaCheck` is handed each file's cards as soon as that file is compiled (:meth:`FormulaCheck.feed`);
formulas without a cached verdict go straight to a :class:`~ankigen.mathjax.Session` of Node workers, which check
them while Python renders the next files. :meth:`FormulaCheck.finish` then waits for the last verdicts and turns
them into diagnostics. Node starts only once there is a formula to check, so a rebuild whose verdicts are all
cached never starts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ankigen.cache import Cache
from ankigen.diagnostics import Diagnostic, diag
from ankigen.layout import FIELDS, formula_problems
from ankigen.mathjax import MathJaxUnavailable, Session
from ankigen.model import Span
from ankigen.unit import CardInfo

Recorded = (
    str | float | None
)  # as the cache keeps a verdict: MathJax's message, or the width in em (None: not measured)


class FormulaCheck:
    """Verdicts for the formulas of the cards fed to it: from the cache, else from MathJax (see the module)."""

    def __init__(self, cache: Cache | None = None, *, started: Callable[[int], None] | None = None) -> None:
        self._cache = cache if cache is not None and cache.math_stamp else None
        self._started = started
        self._verdicts: dict[tuple[str, bool], Recorded] = {}
        self._keys: dict[tuple[str, bool], str] = {}
        self._session: Session | None = None
        if self._cache is not None:
            self._cache.load_math()

    def feed(self, cards: Iterable[CardInfo]) -> None:
        """Hand these cards' formulas over; those with a verdict already (cached, or fed before) are not checked
        again. Returns at once: the checking goes on in Node."""
        todo: list[tuple[str, bool]] = []
        for card in cards:
            assert card.formulas is not None, "units are loaded with their formulas when MathJax runs"
            for tex, display, _line, _col, _field in card.formulas:
                formula = (tex, bool(display))
                if formula in self._keys:
                    continue
                key = self._cache.math_key(*formula) if self._cache is not None else ""
                self._keys[formula] = key
                if self._cache is not None and key in self._cache.math:
                    self._verdicts[formula] = self._cache.math[key]
                else:
                    todo.append(formula)
        if todo:
            if self._session is None:
                node_cache = self._cache.folder / "node" if self._cache and self._cache.folder else None
                self._session = Session(measure=True, cache_dir=node_cache)
            self._session.submit(todo)

    def finish(
        self,
        cards: Sequence[CardInfo],
        *,
        prune: bool = False,
        measured: dict[str, dict[tuple[int, int], float | None]] | None = None,
    ) -> tuple[list[Diagnostic], str]:
        """The diagnostics of ``cards``' formulas (fed now if they were not), and why MathJax was skipped (no node
        can run; else empty). With ``prune`` (a full build) cached verdicts of formulas that are gone are forgotten;
        ``measured``, when given, receives each formula's width in em by path and (line, col), for the table lint.
        """
        self.feed(cards)
        if self._session is not None:
            with self._session as session:
                if self._started is not None:
                    self._started(session.submitted)
                results = session.finish()
            if isinstance(results, MathJaxUnavailable):
                return [], results.reason
            for formula, verdict in results.items():
                value = verdict.error if verdict.error is not None else verdict.width
                self._verdicts[formula] = value
                if self._cache is not None:
                    self._cache.math[self._keys[formula]] = value
                    self._cache.math_dirty = True
        if self._cache is not None and prune:
            self._cache.prune_math(set(self._keys.values()))
        return _diagnostics(cards, self._verdicts, measured), ""

    def close(self) -> None:
        """Stop the Node workers (when the build ends early)."""
        if self._session is not None:
            self._session.close()


def _diagnostics(
    cards: Sequence[CardInfo],
    verdicts: dict[tuple[str, bool], Recorded],
    measured: dict[str, dict[tuple[int, int], float | None]] | None,
) -> list[Diagnostic]:
    places: dict[tuple[str, bool], list[tuple[Span, int]]] = {}
    for card in cards:
        assert card.formulas is not None
        for tex, display, line, col, field in card.formulas:
            places.setdefault((tex, bool(display)), []).append((Span(card.span.path, line, col), field))
    out = []
    widths: dict[tuple[str, bool], float | None] = {}
    for formula, where in places.items():
        verdict = verdicts[formula]
        if not isinstance(verdict, str):
            widths[formula] = verdict
            continue
        for span, _field in where:
            out.append(
                diag(
                    "E303",
                    span,
                    f"MathJax cannot typeset this formula: {verdict}",
                    help="Anki would show a red error box; fix the LaTeX",
                )
            )
    in_tables = {
        (card.span.path, line, col)
        for card in cards
        for table in card.tables
        for _words, formulas in table[3]
        for line, col, _estimate, _glue in formulas
    }
    where_measured = (
        (tex, display, FIELDS[field], span, (span.path, span.line, span.col) in in_tables)
        for (tex, display), where in places.items()
        for span, field in where
    )
    out.extend(formula_problems(where_measured, widths))
    if measured is not None:
        for (tex, display), where in places.items():
            em = widths.get((tex, display))
            for span, _field in where:
                measured.setdefault(span.path, {})[(span.line, span.col)] = em
    return out


def math_diagnostics(
    cards: Sequence[CardInfo],
    cache: Cache | None = None,
    *,
    prune: bool = False,
    started: Callable[[int], None] | None = None,
    measured: dict[str, dict[tuple[int, int], float | None]] | None = None,
) -> tuple[list[Diagnostic], str]:
    """Every formula of ``cards`` checked at once (see :meth:`FormulaCheck.finish`)."""
    return FormulaCheck(cache, started=started).finish(cards, prune=prune, measured=measured)
