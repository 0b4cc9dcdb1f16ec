"""What a rule gives besides checks: a check it could not make, and the summary of a document's audit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import attrs

from ..records import AuditSummary, Check, Provenance, RuleCount


@attrs.frozen
class NotRun:
    """A check a rule would have made had an input been printed or read: not a failure, but not a pass."""

    rule: str
    reason: str
    prov: Provenance | None = None


def summary(checks: Iterable[Check], not_run: Iterable[NotRun]) -> AuditSummary:
    """How many checks ran and failed, and how many could not run, overall and rule by rule."""
    ran, failed, skipped = Counter(), Counter(), Counter()
    for c in checks:
        ran[c.rule] += 1
        failed[c.rule] += not c.ok
    for n in not_run:
        skipped[n.rule] += 1
    rules = tuple(RuleCount(rule, ran[rule], failed[rule], skipped[rule]) for rule in sorted(ran.keys() | skipped.keys()))
    return AuditSummary(ran=sum(ran.values()), failed=sum(failed.values()), not_run=sum(skipped.values()), rules=rules)
