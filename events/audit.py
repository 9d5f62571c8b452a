"""The audit log: who exported or read personal data, and who changed access, read by organisers."""

from __future__ import annotations

from events import views
from events.accounts import Actor, require_organiser
from events.tables import AuditEntry


async def read_log(*, actor: Actor, action: str | None, limit: int, offset: int) -> views.AuditPage:
    """Newest first."""
    require_organiser(actor)
    where = [AuditEntry.action == action] if action else []
    rows = (
        await AuditEntry.select(AuditEntry.all_columns(), AuditEntry.actor.name)
        .where(*where)
        .order_by(AuditEntry.at, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return views.AuditPage(
        items=[
            views.AuditRecord(
                id=row["id"], at=row["at"], actor_id=row["actor"], actor_name=row["actor.name"], action=row["action"], target=row["target"], detail=row["detail"]
            )
            for row in rows
        ],
        total=await AuditEntry.count().where(*where),
        limit=limit,
        offset=offset,
    )
