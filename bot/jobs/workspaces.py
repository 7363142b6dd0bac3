"""A workspace leaving Convene: uninstalling stops its jobs, and its data goes when a coordinator
asks (`/convene delete-workspace-data`) or when the host's retention after uninstalling runs out
(CONVENE_UNINSTALLED_RETENTION_DAYS)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.jobs import runtime
from storage.repositories.workspaces import WorkspaceRepository

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger(__name__)


def uninstalled(rt: Runtime, team_id: str) -> None:
    """Convene was uninstalled from the workspace (or its bot token revoked): its jobs send nothing
    from now on, and hosting many workspaces, its installation is deleted."""
    with rt.db.unit_of_work() as session:
        WorkspaceRepository(session).mark_uninstalled(team_id, now=rt.clock())
    if rt.installations is not None:
        rt.installations.remove(team_id)
    logger.info("Convene was uninstalled from workspace %s; its jobs are stopped", team_id)
    if rt.settings.uninstalled_retention.total_seconds() == 0:
        delete_workspace_data(rt, team_id)


def delete_workspace_data(rt: Runtime, team_id: str) -> int:
    """Delete everything Convene keeps for the workspace: every row of every table, and its
    scheduled jobs. Convene stays installed (a later command starts afresh). How many rows went."""
    cancelled = rt.jobs.cancel_workspace(team_id)
    with rt.db.unit_of_work() as session:
        deleted = WorkspaceRepository(session).delete_everything(team_id)
    logger.info("Deleted the data of workspace %s: %d rows, %d scheduled jobs", team_id, deleted, cancelled)
    return deleted


def delete_expired() -> None:
    """The standing job: delete the data of workspaces uninstalled longer ago than the retention."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        expired = WorkspaceRepository(session).uninstalled_before(rt.clock() - rt.settings.uninstalled_retention)
    for team_id in expired:
        if rt.installations is not None:
            rt.installations.remove(team_id)
        delete_workspace_data(rt, team_id)
