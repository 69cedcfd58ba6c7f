"""Resolve stage: turn task references ("the second one", "milk", "it") into task ids."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from agents.types import Resolution, TaskRef, Understanding

# Below this similarity a title match is a guess, and guesses never change data.
MATCH_THRESHOLD = 0.72
# Two candidates closer than this are ambiguous: ask instead of picking.
AMBIGUITY_MARGIN = 0.08

# Titles at most this similar are not even suggested.
SUGGESTION_FLOOR = 0.3
# A "which one did you mean?" card offers at most this many candidates.
MAX_CHOICES = 10


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _score(query: str, title: str) -> float:
    query, title = _norm(query), _norm(title)
    if query == title:
        return 1.0
    if query and (f" {query} " in f" {title} "):
        return 0.9 + 0.09 * len(query) / max(len(title), 1)
    matcher = difflib.SequenceMatcher(None, query, title)
    # Cheap upper bounds first: a title that cannot reach SUGGESTION_FLOOR counts for
    # nothing, and most candidates are that far off (ratio() is quadratic in length).
    if matcher.real_quick_ratio() <= SUGGESTION_FLOOR or matcher.quick_ratio() <= SUGGESTION_FLOOR:
        return 0.0
    return matcher.ratio()


def match_title(query: str, tasks: Sequence[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(matches, suggestions): the best-matching task ids, several when ambiguous.

    With no match above the threshold, `matches` is empty and `suggestions` holds the
    closest titles.
    """
    scored = sorted(
        ((_score(query, task["title"]), task) for task in tasks),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if not scored or scored[0][0] < MATCH_THRESHOLD:
        return [], [task["title"] for score, task in scored[:3] if score > SUGGESTION_FLOOR]
    best = scored[0][0]
    if best == 1.0:
        exact = [task["id"] for score, task in scored if score == 1.0]
        return exact, []
    close = [task["id"] for score, task in scored if best - score < AMBIGUITY_MARGIN
             and score >= MATCH_THRESHOLD]
    return close, []


def resolve(
    understanding: Understanding,
    *,
    tasks: Sequence[dict[str, Any]],
    last_list: Sequence[str],
    last_task: str | None,
    known: set[str] | None = None,
) -> Resolution:
    """Map each reference to exactly one task id, or report it missing / ambiguous.

    `tasks` are the tasks titles are matched against (task shape: the user's tasks, or a
    bounded candidate set of them), `last_list` the ids of the last list shown in this
    thread, `last_task` the task last mentioned. `known` are the ids a position, pronoun
    or explicit id may point at (default: the ids of `tasks`). Only intents that name
    tasks are resolved (`agents.intents`); at most `MAX_CHOICES` ambiguous candidates.
    """
    resolution = Resolution(understanding=understanding)
    known = {task["id"] for task in tasks} if known is None else known | {
        task["id"] for task in tasks}
    for ref in understanding.refs:
        _resolve_one(ref, resolution, tasks, known, last_list, last_task)
    if not understanding.refs:
        resolution.missing.append("which task")
    del resolution.ambiguous[MAX_CHOICES:]
    return resolution


def _resolve_one(
    ref: TaskRef,
    resolution: Resolution,
    tasks: Sequence[dict[str, Any]],
    known: set[str],
    last_list: Sequence[str],
    last_task: str | None,
) -> None:
    if ref.task_id is not None:
        if ref.task_id in known:
            resolution.targets.append(ref.task_id)
        else:
            resolution.missing.append("that task")
        return
    if ref.pronoun:
        if last_task in known:
            resolution.targets.append(last_task)
        else:
            resolution.missing.append("it")
        return
    if ref.position is not None:
        index = ref.position - 1 if ref.position > 0 else len(last_list) + ref.position
        if 0 <= index < len(last_list) and last_list[index] in known:
            resolution.targets.append(last_list[index])
        else:
            resolution.missing.append(f"number {ref.position}")
        return
    query = ref.title or ""
    matches, suggestions = match_title(query, tasks)
    if len(matches) == 1:
        resolution.targets.append(matches[0])
    elif matches:
        resolution.ambiguous.extend(matches)
    else:
        resolution.missing.append(query)
        resolution.suggestions.extend(suggestions)
