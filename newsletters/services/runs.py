"""What a newsletter run has to do at a moment: the issues to build and the batches to send.

The periodic task (newsletters/tasks.py `digests_run`) asks `run_plan` and publishes one batch
task per entry; each batch is then queued by `issues.newsletter_batch_queue` or
`digests.digest_batch_queue`, which hold the exactly-once rules (docs/newsletters.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from newsletters.models import Newsletter
from newsletters.services import digests, issues


@dataclass
class RunPlan:
    """The batches due at `now`: (issue id, first subscription id, last subscription id) for
    newsletters and (first preference id, last preference id) for personal digests."""

    now: datetime
    issues_built: int = 0
    newsletter_batches: list[tuple[int, int, int]] = field(default_factory=list)
    digest_batches: list[tuple[int, int]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "issues": self.issues_built,
            "newsletter_batches": len(self.newsletter_batches),
            "digest_batches": len(self.digest_batches),
        }


def run_plan(*, now: datetime) -> RunPlan:
    """Build each active newsletter's issue for its current period (once: `issue_build` is
    idempotent) and list the batches of subscribers still without a delivery for it, and the
    batches of personal digests whose time has come. Planning twice plans the same batches;
    the batch services skip whoever already has a delivery."""
    plan = RunPlan(now=now)
    for newsletter in Newsletter.objects.filter(is_active=True).select_related("channel"):
        issue = issues.issue_build(newsletter=newsletter, now=now)
        if issue is None or issue.is_empty:
            continue
        plan.issues_built += 1
        plan.newsletter_batches.extend(
            (issue.pk, first, last) for first, last in issues.newsletter_batches(issue=issue)
        )
    plan.digest_batches.extend(digests.digest_batches(now=now))
    return plan
