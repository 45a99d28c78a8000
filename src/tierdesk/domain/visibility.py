"""Which levels' tickets a provider agent may read and work, from the profile's levels and the
levels the agent belongs to. Managers and administrators read and work every ticket; partners and
suppliers are scoped by organisation elsewhere, never by level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tierdesk.domain.profiles import Level


@dataclass(frozen=True)
class LevelScope:
    """`None` means every level; an agent always reads and works what is assigned to them."""

    reads: frozenset[str] | None
    works: frozenset[str] | None

    def may_read(self, level: str) -> bool:
        return self.reads is None or level in self.reads

    def may_work(self, level: str) -> bool:
        return self.works is None or level in self.works


EVERYTHING = LevelScope(None, None)


def agent_scope(levels: Mapping[str, Level], member_of: Iterable[str]) -> LevelScope:
    """The union over the agent's levels. A level without `reads` reads every level; without
    `works` it works every level it reads. An agent in no level reads only what is theirs."""
    reads: set[str] = set()
    works: set[str] = set()
    every_read = every_work = False
    mine = [levels[k] for k in member_of if k in levels]
    for level in mine:
        if level.reads is None:
            every_read = True
        else:
            reads.update(level.reads)
        if level.works is None:
            if level.reads is None:
                every_work = True
            else:
                works.update(level.reads)
        else:
            works.update(level.works)
    return LevelScope(
        None if every_read else frozenset(reads),
        None if every_work else frozenset(works),
    )
