"""Buttons through the real API: every click goes POST /api/chatkit/action → a real
ThreadProcessor → the result names the card it replaces; the task state is asserted after
each click. Forged actions get 422 WIDGET_ERROR and change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from chatkit_testing import auth, find_widget
from litestar.testing import AsyncTestClient

from store import Database
from store.tasks import TaskRepository
from todos import task_dict

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)




class Tasks:
    """Direct access to a user's tasks, to seed them and to check what a click changed."""

    def __init__(self, database: Database, user: str = "alice") -> None:
        self.sessions = database.sync_sessions()
        self.user = user
        self.count = 0

    def add(self, title: str, **fields: Any) -> str:
        completed = fields.pop("completed", False)
        self.count += 1  # one second apart, so the list's order (by creation) is known
        with self.sessions() as session:
            repo = TaskRepository(session, self.user)
            task = repo.add(title=title, now=NOW + dt.timedelta(seconds=self.count), **fields)
            if completed:
                repo.set_completed(task, True, NOW)
            session.commit()
            return task.id

    def state(self) -> dict[str, bool]:
        """title → completed, for every task of the user."""
        with self.sessions() as session:
            return {t.title: t.completed for t in TaskRepository(session, self.user).all()}

    def all(self) -> list[dict[str, Any]]:
        with self.sessions() as session:
            return [task_dict(t) for t in TaskRepository(session, self.user).all()]


@pytest.fixture
def tasks(database: Database) -> Tasks:
    return Tasks(database)


async def send(client: AsyncTestClient[Any], text: str, user: str = "alice",
               thread: str = "t1") -> dict[str, Any]:
    response = await client.post("/api/chatkit/respond", headers=auth(user),
                                 json={"thread_id": thread, "input": text})
    assert response.status_code == 202, response.text
    result = await client.get(response.headers["location"], headers=auth(user))
    assert result.status_code == 200
    body = dict(result.json())
    assert body["status"] == "completed", body
    return body


async def post_action(client: AsyncTestClient[Any], button: Mapping[str, Any], *,
                      user: str = "alice", thread: str = "t1", **overrides: Any) -> Any:
    action = {"type": button["props"]["action"]["type"], "widget_id": button["id"],
              "payload": button["props"]["action"]["payload"], **overrides}
    return await client.post("/api/chatkit/action", headers=auth(user),
                             json={"thread_id": thread, "action": action})


async def click(client: AsyncTestClient[Any], button: Mapping[str, Any], *,
                user: str = "alice", thread: str = "t1") -> dict[str, Any]:
    response = await post_action(client, button, user=user, thread=thread)
    assert response.status_code == 202, response.text
    result = await client.get(response.headers["location"], headers=auth(user))
    body = dict(result.json())
    assert body["status"] == "completed", body
    return body


def button(tree: Mapping[str, Any], widget_id: str) -> Mapping[str, Any]:
    found = find_widget(tree, lambda node: node["id"] == widget_id)
    assert found, f"no {widget_id} in {[n['id'] for n in find_widget(tree, lambda n: True)]}"
    return found[0]


def row_titles(tree: Mapping[str, Any]) -> list[str]:
    return [node["props"]["text"] for node in
            find_widget(tree, lambda n: n["id"].startswith("task_title_"))]


def notice(tree: Mapping[str, Any]) -> str:
    return str(button(tree, "task_list_notice_text")["props"]["text"])


async def test_list_card_shows_badges_overdue_and_both_buttons(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    milk = tasks.add("buy milk", due="2026-11-20", priority="urgent", tags=["home"])
    tasks.add("call mom")
    listed = await send(client, "show my tasks")
    card = listed["widgets"][0]
    assert card["id"] == "task_list_card"
    assert button(card, "task_list_headline")["props"]["text"] == "Your Tasks (2)"
    row = button(card, f"task_item_{milk}")
    kinds = {child["props"].get("kind"): child["props"]["text"] for child in row["children"]
             if child["type"] == "badge"}
    assert kinds == {"overdue": "overdue \u00b7 Nov 20", "priority": "urgent", "tag": "#home"}
    assert button(card, f"task_title_{milk}")["props"]["overdue"] is True
    assert [b["props"]["text"] for b in row["children"] if b["type"] == "button"] == [
        "Complete", "Delete"]
    # Overdue first; the plain text names every task for widget-less clients.
    assert row_titles(card) == ["buy milk", "call mom"]
    assert "buy milk" in listed["text"] and "call mom" in listed["text"]


async def test_complete_replaces_the_list_card_in_place(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    milk = tasks.add("buy milk")
    tasks.add("call mom")
    card = (await send(client, "show my tasks"))["widgets"][0]
    result = await click(client, button(card, f"complete_task_btn_{milk}"))
    assert result["replaces"] == "task_list_card"
    assert tasks.state() == {"buy milk": True, "call mom": False}
    [fresh] = result["widgets"]
    assert fresh["id"] == "task_list_card"
    assert row_titles(fresh) == ["call mom"]  # the open list no longer holds it
    assert notice(fresh) == "Completed: \u201cbuy milk\u201d."
    assert find_widget(fresh, lambda n: n["id"].startswith("undo_btn_"))


async def test_clicking_complete_twice_is_harmless(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    milk = tasks.add("buy milk")
    card = (await send(client, "show my tasks"))["widgets"][0]
    complete = button(card, f"complete_task_btn_{milk}")
    await click(client, complete)
    second = await click(client, complete)
    assert tasks.state() == {"buy milk": True}
    assert "already completed" in second["text"]
    # No second undo entry: the second click changed nothing.
    assert not find_widget(second["widgets"][0], lambda n: n["id"].startswith("undo_btn_"))


async def test_reopen_from_the_completed_list(client: AsyncTestClient[Any], tasks: Tasks) -> None:
    done = tasks.add("file taxes", completed=True)
    card = (await send(client, "show my completed tasks"))["widgets"][0]
    assert button(card, f"task_title_{done}")["props"]["completed"] is True
    result = await click(client, button(card, f"reopen_task_btn_{done}"))
    assert tasks.state() == {"file taxes": False}
    assert result["replaces"] == "task_list_card"
    assert row_titles(result["widgets"][0]) == []
    assert notice(result["widgets"][0]) == "Reopened: \u201cfile taxes\u201d."


async def test_delete_then_undo_then_undo_again(client: AsyncTestClient[Any], tasks: Tasks
                                                ) -> None:
    milk = tasks.add("buy milk", priority="high", tags=["home"])
    before = tasks.all()
    card = (await send(client, "show my tasks"))["widgets"][0]
    deleted = await click(client, button(card, f"delete_task_btn_{milk}"))
    assert tasks.state() == {}
    assert deleted["replaces"] == "task_list_card"
    assert notice(deleted["widgets"][0]) == "Deleted: \u201cbuy milk\u201d."
    undo = find_widget(deleted["widgets"][0], lambda n: n["id"].startswith("undo_btn_"))[0]

    undone = await click(client, undo)
    assert tasks.all() == before  # the same task: id, priority, tags, timestamps
    assert undone["replaces"] == "task_list_card"
    assert row_titles(undone["widgets"][0]) == ["buy milk"]
    assert notice(undone["widgets"][0]).startswith("Undone: deleted")

    again = await click(client, undo)
    assert tasks.all() == before
    assert "already undone" in again["text"]


async def test_typed_undo_reverts_the_last_change(client: AsyncTestClient[Any], tasks: Tasks
                                                  ) -> None:
    tasks.add("buy milk")
    completed = await send(client, "complete buy milk")
    assert completed["widgets"][0]["id"].startswith("task_completed_card_")
    assert tasks.state() == {"buy milk": True}
    undone = await send(client, "undo")
    assert tasks.state() == {"buy milk": False}
    assert "Undone: completed \u201cbuy milk\u201d" in undone["text"]
    nothing = await send(client, "undo")
    assert "nothing to undo" in nothing["text"]


async def test_undo_button_on_a_confirmation_card(client: AsyncTestClient[Any], tasks: Tasks
                                                  ) -> None:
    tasks.add("buy milk")
    completed = await send(client, "complete buy milk")
    card = completed["widgets"][0]
    undo = find_widget(card, lambda n: n["type"] == "button")
    assert [b["props"]["text"] for b in undo] == ["Undo"]
    result = await click(client, undo[0])
    assert tasks.state() == {"buy milk": False}
    assert result["replaces"] == card["id"]


async def test_show_more_pages_through_the_list(client: AsyncTestClient[Any], tasks: Tasks
                                                ) -> None:
    for number in range(1, 26):
        tasks.add(f"task {number:02d}")
    card = (await send(client, "show my tasks"))["widgets"][0]
    assert len(row_titles(card)) == 20
    assert button(card, "task_list_headline")["props"]["text"] == "Your Tasks (25)"
    more = find_widget(card, lambda n: n["id"].startswith("task_list_more_btn_"))
    assert [m["props"]["action"]["type"] for m in more] == ["list_page"]
    page = await click(client, more[0])
    assert page["replaces"] == "task_list_card"
    fresh = page["widgets"][0]
    assert row_titles(fresh) == [f"task {n}" for n in range(21, 26)]
    assert row_titles(card) == [f"task {n:02d}" for n in range(1, 21)]
    assert button(fresh, "task_list_range")["props"]["text"] == "Showing 21\u201325 of 25"
    assert not find_widget(fresh, lambda n: n["id"].startswith("task_list_more_btn_"))
    # A click on the second page completes its task and keeps the second page on screen.
    target = tasks.all()[22]["id"]
    done = await click(client, button(fresh, f"complete_task_btn_{target}"))
    assert tasks.state()["task 23"] is True
    assert row_titles(done["widgets"][0]) == ["task 21", "task 22", "task 24", "task 25"]


async def test_disambiguation_choice_acts_on_the_chosen_task(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    first = tasks.add("buy milk", tags=["home"])
    second = tasks.add("buy milk", tags=["work"])
    asked = await send(client, "complete buy milk")
    card = asked["widgets"][0]
    assert card["id"].startswith("choose_task_card_")
    assert button(card, f"choose_task_headline_{asked['response_id']}")["props"]["text"] == (
        "Which one did you mean?")
    choices = find_widget(card, lambda n: n["type"] == "button")
    assert [c["props"]["action"]["payload"]["task_id"] for c in choices] == [first, second]
    assert tasks.state() == {"buy milk": False}  # asking changes nothing
    result = await click(client, choices[1])
    assert result["replaces"] == card["id"]
    done = {task["id"]: task["completed"] for task in tasks.all()}
    assert done == {first: False, second: True}
    assert result["widgets"][0]["id"].startswith("task_completed_card_")


async def test_bulk_delete_waits_for_confirm_and_cancel_deletes_nothing(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    tasks.add("old report", completed=True)
    tasks.add("old invoice", completed=True)
    tasks.add("buy milk")
    asked = await send(client, "clear completed")
    card = asked["widgets"][0]
    assert card["id"] == f"confirm_clear_completed_card_{asked['response_id']}"
    assert "Delete 2 completed tasks?" in asked["text"]
    assert len(tasks.state()) == 3  # nothing deleted before Confirm
    confirm_btn, cancel_btn = find_widget(card, lambda n: n["type"] == "button")

    cancelled = await click(client, cancel_btn)
    assert cancelled["replaces"] == card["id"]
    assert "nothing was deleted" in cancelled["text"]
    assert len(tasks.state()) == 3
    # The Confirm of a cancelled question does nothing.
    late = await click(client, confirm_btn)
    assert len(tasks.state()) == 3 and "nothing more changed" in late["text"]


async def test_confirm_deletes_exactly_once(client: AsyncTestClient[Any], tasks: Tasks) -> None:
    tasks.add("old report", completed=True)
    tasks.add("buy milk")
    card = (await send(client, "clear completed"))["widgets"][0]
    confirm_btn = find_widget(card, lambda n: n["id"].startswith("confirm_btn_"))[0]
    confirmed = await click(client, confirm_btn)
    assert tasks.state() == {"buy milk": False}
    assert confirmed["replaces"] == card["id"]
    assert confirmed["text"] == "Deleted 1 completed task."
    # A task completed after the first Confirm survives a second click on it.
    tasks.add("new report", completed=True)
    await click(client, confirm_btn)
    assert tasks.state() == {"buy milk": False, "new report": True}
    # The clear is undoable like any change.
    undo = find_widget(confirmed["widgets"][0], lambda n: n["id"].startswith("undo_btn_"))[0]
    await click(client, undo)
    assert tasks.state() == {"buy milk": False, "new report": True, "old report": True}


async def test_delete_all_confirm(client: AsyncTestClient[Any], tasks: Tasks) -> None:
    tasks.add("a")
    tasks.add("b", completed=True)
    card = (await send(client, "delete all tasks"))["widgets"][0]
    assert card["id"].startswith("confirm_delete_all_card_")
    assert tasks.state() == {"a": False, "b": True}
    await click(client, find_widget(card, lambda n: n["id"].startswith("confirm_btn_"))[0])
    assert tasks.state() == {}


async def test_help_example_button_sends_the_example_as_typed(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    tasks.add("buy milk")
    card = (await send(client, "help"))["widgets"][0]
    example = next(b for b in find_widget(card, lambda n: n["type"] == "button")
                   if b["props"]["action"]["payload"]["text"] == "show my tasks")
    assert example["props"]["action"]["type"] == "suggestion"
    result = await click(client, example)
    assert result["replaces"] is None  # a new answer, appended
    assert result["widgets"][0]["id"] == "task_list_card"
    assert row_titles(result["widgets"][0]) == ["buy milk"]


async def test_contract_button_click_form_still_works(client: AsyncTestClient[Any],
                                                      tasks: Tasks) -> None:
    milk = tasks.add("buy milk")
    await send(client, "show my tasks")
    response = await client.post(
        "/api/chatkit/action", headers=auth("alice"),
        json={"thread_id": "t1", "action": {
            "type": "button_click", "widget_id": f"complete_task_btn_{milk}",
            "payload": {"task_id": milk, "action": "complete"}}})
    assert response.status_code == 202, response.text
    assert tasks.state() == {"buy milk": True}


async def test_completing_a_recurring_task_schedules_the_next(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    water = tasks.add("water plants", due="2026-11-26", recurrence="FREQ=WEEKLY")
    card = (await send(client, "show my tasks"))["widgets"][0]
    assert button(card, f"task_recurrence_{water}")["props"]["text"] == "repeats"
    result = await click(client, button(card, f"complete_task_btn_{water}"))
    now = {(t["title"], t["completed"], t["due"], t["recurrence"]) for t in tasks.all()}
    assert now == {("water plants", True, "2026-11-26", None),
                   ("water plants", False, "2026-12-03", "FREQ=WEEKLY")}
    assert "2026-12-03" in notice(result["widgets"][0])
    # Undo takes both back: one open recurring task again.
    undo = find_widget(result["widgets"][0], lambda n: n["id"].startswith("undo_btn_"))[0]
    await click(client, undo)
    assert [(t["completed"], t["recurrence"]) for t in tasks.all()] == [(False, "FREQ=WEEKLY")]


async def test_chatkit_format_on_the_result_endpoints(client: AsyncTestClient[Any],
                                                      tasks: Tasks) -> None:
    milk = tasks.add("buy milk")
    listed = await send(client, "show my tasks")
    response = await client.get(f"/api/chatkit/responses/{listed['response_id']}?format=chatkit",
                                headers=auth("alice"))
    card = response.json()["widgets"][0]
    assert card["type"] == "Card" and card["id"] == "task_list_card"
    complete = button(card, f"complete_task_btn_{milk}")
    assert complete["type"] == "Button"
    assert complete["onClickAction"] == {"type": "task_complete", "payload": {"task_id": milk}}
    bad = await client.get(f"/api/chatkit/responses/{listed['response_id']}?format=xml",
                           headers=auth("alice"))
    assert bad.status_code == 422


# ---- forged actions ------------------------------------------------------------------------


async def test_forged_actions_are_refused_and_change_nothing(
    client: AsyncTestClient[Any], tasks: Tasks, database: Database
) -> None:
    milk = tasks.add("buy milk")
    card = (await send(client, "show my tasks"))["widgets"][0]
    complete = button(card, f"complete_task_btn_{milk}")
    # A task added later and listed only in another thread of the same user.
    eggs = tasks.add("buy eggs")
    other = (await send(client, "show my tasks", thread="t2"))["widgets"][0]
    other_complete = button(other, f"complete_task_btn_{eggs}")
    # Bob's thread with Bob's own task.
    bob = Tasks(database, "bob")
    bob_task = bob.add("bob's thing")
    bob_card = (await send(client, "show my tasks", user="bob", thread="b1"))["widgets"][0]

    forged = [
        (await post_action(client, complete, widget_id="complete_task_btn_task_nope"),
         "no button 'complete_task_btn_task_nope' was rendered in this thread"),
        (await post_action(client, button(bob_card, f"complete_task_btn_{bob_task}")),
         "was rendered in this thread"),
        (await post_action(client, complete, payload={"task_id": eggs}),
         f"task_id: expected '{milk}', got '{eggs}'"),
        (await post_action(client, complete, type="task_delete"),
         "offers 'task_complete', not 'task_delete'"),
        (await post_action(client, complete, widget_id=None), "action.widget_id: required"),
        (await post_action(client, other_complete, thread="t1"),
         f"no button 'complete_task_btn_{eggs}' was rendered in this thread"),
    ]
    for response, fragment in forged:
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["type"] == "WIDGET_ERROR" and error["code"] == 422
        assert fragment in error["message"]
    assert tasks.state() == {"buy milk": False, "buy eggs": False}
    assert bob.state() == {"bob's thing": False}

    # The same button is honoured in the thread that rendered it.
    await click(client, other_complete, thread="t2")
    assert tasks.state() == {"buy milk": False, "buy eggs": True}


async def test_a_button_of_another_users_thread_is_forbidden(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    milk = tasks.add("buy milk")
    card = (await send(client, "show my tasks"))["widgets"][0]
    response = await post_action(client, button(card, f"complete_task_btn_{milk}"), user="bob")
    assert response.status_code == 403
    assert tasks.state() == {"buy milk": False}


async def test_a_tree_that_breaks_the_schema_fails_the_turn_with_widget_error(
    client: AsyncTestClient[Any], tasks: Tasks
) -> None:
    tasks.add("x" * 2500)  # longer than any text a widget may carry
    response = await client.post("/api/chatkit/respond", headers=auth("alice"),
                                 json={"thread_id": "t1", "input": "show my tasks"})
    result = (await client.get(response.headers["location"], headers=auth("alice"))).json()
    assert result["status"] == "failed"
    assert result["error"]["error"]["type"] == "WIDGET_ERROR"
    assert [w["id"] for w in result["widgets"]] == [f"error_card_{result['response_id']}"]
