"""Frames: the carrier phrases people wrap a task in, one line of data each.

A frame is `(rule name, template, kind, confidence)`. The template (agents/nlu/templates.py)
names lexicon classes in braces and holds one free slot for the task. Tables are tried top to
bottom and the first frame whose template matches the whole message (and whose slots check
out) wins, so **order is meaning**: specific carriers before general ones ("set a reminder
for me to X" before "set X"). Kinds:

- `task`: `{task}` holds the item(s) to add; `{when}` (optional) a date/time phrase said
  between the carrier and the task; `{list}` a named list, whose name becomes a tag.
- `vague`: the person wants to add but said nothing to add: ask (CLARIFY), keeping `{when}`.
- `redirect`: the carrier wraps another command (`{rest}`): understand that instead
  ("i want to remove X" → "remove X"; "tomorrow remind me to X" → "remind me to X tomorrow").
- `query`: a wish to see or hear the list ("i want to hear my reminders"): a LIST, never a task.

To add a phrasing: add one line to the right table (or one word to agents/nlu/lexicon.py)
and one example to tests/unit/test_nlu_frames.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from agents.nlu import lexicon as lx
from agents.nlu.templates import alternation, compile_template, first_words

__all__ = [
    "ADD_FRAMES",
    "COMPOUND_FRAMES",
    "QUERY_FRAMES",
    "REDIRECT_FRAMES",
    "REMINDER_FRAMES",
    "SUMMARY_FRAMES",
    "Frame",
    "match",
]


class Frame(NamedTuple):
    name: str
    template: str
    kind: str  # task | vague | redirect | query | summary
    confidence: float
    pattern: re.Pattern[str]
    firsts: frozenset[str] | None  # words the text may start with (None: any)
    needs: frozenset[str]  # one of these words must occur in the text (empty: no need)


# ---------------------------------------------------------------- classes (from the lexicon)

_ADD_VERB = lx.phrases(
    "add|ad|create|insert|enter|jot down|jot|write down|note down|put down|schedule|new|"
    "pencil in|log|record|save"
)
_PUT_VERB = lx.phrases(
    "add|put|stick|throw|pop|place|include|toss|chuck|jot down|jot|write down|write|note down|"
    "note|pencil in|pencil|enter|insert|save|log|record|slap|shove|get|ad"
)
_DET = lx.phrases(
    "a|an|the|another|one more|new|more|some|these|this|following|few|couple of|quick|"
    "few more|simple|little|wee|short|separate|recurring|repeating|one"
)
# Verbs that create a task only with a noun ("make a task to X", "put a todo in"): alone,
# "make X urgent" is an update and "put X back" a reopen.
_NOUN_VERB = (*_ADD_VERB, "put in", "put", "make", "give me", "get me", "set up", "start", "open",
              "write", "set", "i want", "i need", "i'd like", "i would like", "can i get",
              "can i have")
_RDET = lx.phrases("a|an|another|one more|some|new|a new|my|a quick|one|a little")
_COUNT = (
    *(str(n) for n in range(2, 21)),
    *lx.phrases(
        "two|three|four|five|six|seven|eight|nine|ten|a few|a couple of|a couple|few|several"
    ),
)
_TASK_NOUN = lx.phrases(
    "task|tasks|todo|todos|to-do|to-dos|item|items|reminder|reminders|entry|entries|"
    "thing|things|note|notes|chore|chores|errand|errands|one|ones|task for me|todo for me"
)
_LIST_NOUN = lx.LIST_NOUNS
_REMINDER_ADJ = lx.phrases(
    "new|quick|recurring|repeating|daily|weekly|monthly|yearly|annual|nightly|morning|"
    "evening|little|wee|short|one-time|one time|friendly"
)
_WANT = lx.phrases(
    "i need|we need|need|i want|i'd like|i would like|i'd love|i wanna|can i get|can i have|"
    "could i get|"
    "give me|send me|get me|set|set me|set up|set up me|make|make me|create|create me|add|"
    "put in|put|schedule|i'll need|i will need|leave me|leave|i need you to set|"
    "i want you to set|set yourself|program|drop me|shoot me|i'd appreciate|how about|"
    "chuck on|chuck me|pop on|pop me|stick on|bung on|whack on|throw on|sort me|sort me out with|"
    "stick|pop|bung|whack|chuck|"
    "sort out|sort"
)
_CONNECT_REMIND = lx.phrases(
    "to|2|tae|that|about|abt|bout|'bout|of|regarding|re|:|"
    "it's|its|it is|that it's|that its"  # "remind me its swimming for the twins"
)
_CONNECT_REMINDER = lx.phrases(
    "to|2|that|about|abt|for|of|on|regarding|re|saying|:|-|so i|so that i"
)
_CONNECT_ADD = lx.phrases("for me to|to|for|called|named|titled|saying|that says|about|that|:|-|=")
_ONTO = lx.phrases("to|on|onto|in|into|on to|in to|under|at the end of|at the bottom of")
_DESIRE_VERBS = lx.phrases(
    "need to|have to|got to|gotta|ought to|want to|wanna|plan to|intend to|would like to|"
    "will need to|am going to|am gonna|gonna|am planning to|have got to|must|should|will|"
    "hope to|need 2|have 2|got 2|must remember to|should remember to|need to remember to|"
    "have to remember to|gotta remember to|need to not forget to|have to not forget to|"
    "must not forget to|should not forget to|shouldn't forget to|mustn't forget to|"
    "can't forget to|cannot forget to|need to make sure to|have to make sure to|"
    "need to make sure i|gotta make sure i|need to get around to|really need to|"
    "also need to|still need to|just need to|really have to|still have to|also have to|"
    "really should|really must|definitely need to|absolutely need to"
)
_DESIRE_CONTRACTED = lx.phrases(
    "'d like to|'ll need to|'m going to|'m gonna|'m planning to|'ve got to|'ll|'ve gotta|"
    "'re going to|'re gonna|'d better|'ll have to|'m supposed to|'re supposed to|'m meant to"
)
_DESIRE = tuple(
    f"{who} {verb}"
    for who in ("i", "we")
    for verb in (*_DESIRE_VERBS, "am supposed to", "are supposed to", "are going to")
) + tuple(f"{who}{verb}" for who in ("i", "we") for verb in _DESIRE_CONTRACTED)
_DESIRE_BARE = lx.phrases(
    "need to|have to|got to|gotta|ought to|must|wanna|need 2|gonna|remember to|want to|"
    "going to|we need|we have|we should|we must"
)
_FORGET = lx.phrases(
    "don't let me forget|do not let me forget|don't let me forget about|"
    "do not let me forget about|don't forget|do not forget|don't let me miss|"
    "make sure i remember|make sure i don't forget|make sure i do not forget|"
    "make sure that i remember|make sure i|make sure to|help me remember|help me not forget|"
    "i need to remember|i have to remember|i must remember|i should remember|"
    "i want to remember|i gotta remember|i need to not forget|i must not forget|"
    "i can't forget|i cannot forget|i shouldn't forget|i mustn't forget|"
    "remember|please remember|remember for me|please remember for me|you need to remind me|"
    "i want you to remind me|i need you to remind me|i'd like you to remind me|"
    "i need you to remember|i want you to remember|ping me|nudge me|alert me|tell me later|tell me|"
    "i need reminding|i'll need reminding|i will need reminding|need reminding|i need reminded|"
    "i'll need a nudge|i need a nudge"
)
# Said before a thing to remember, not a deed: "don't let me forget nan's birthday card".
_FORGET_THING = lx.phrases(
    "don't let me forget|do not let me forget|dont let me forget|don't let me forget about|"
    "don't forget|do not forget|dont forget|don't forget about|dont forget about|"
    "help me remember|make sure i remember|make sure i don't forget|remember|pls remember|"
    "please remember|remember for me|please remember for me"
)
_CONNECT_FORGET = lx.phrases(
    "to|2|that|about|abt|:|"
    # "remember i have to hand in the form": what the person has to do
    "i have to|i've got to|i've to|i got to|i gotta|i need to|i must|we have to|we need to|"
    "we've got to|we gotta|that i have to|that i need to"
)
_NOTE = lx.phrases(
    "make a note|make a note for me|make me a note|take a note|take note|note to self|"
    "leave a note|write a note|jot a note|note|memo|memo to self|reminder to self|"
    "write down|jot down|note down|put down"
)
# "i'd like to be reminded to X": the reminder asked for in the passive
_BE_REMINDED = lx.phrases(
    "i'd like to be reminded|i would like to be reminded|i want to be reminded|"
    "i wanna be reminded|i need to be reminded|i'd love to be reminded|i wish to be reminded|"
    "i'd like to get reminded|i want to get reminded|i need to get reminded"
)
_CALENDAR = lx.phrases(
    "set my calendar|set the calendar|use my calendar|set my phone|set the app|"
    "tell my calendar|ask my calendar|set my reminders|program my phone|get my calendar|"
    "set an alert|set my alert"
)
# What one wishes to do with the list: see or hear it ("i'd like to hear what's on my list").
_SEE_VERB = lx.phrases(
    "see|know|hear|view|look at|check|review|go over|go through|read|find out|listen to|show|"
    "list|display|have a look at|take a look at|get a look at|see what|know what|hear what"
)
_WISH = lx.phrases(
    "i want|i'd like|i would like|i wanna|i need|i'd love|i would love|let me|lemme|"
    "can i|could i|may i|i wish|i was hoping|i'm hoping|i am hoping|i wanted|i'm trying|"
    "i am trying|help me"
)
_QUESTION_OPEN = lx.phrases(
    "what|what's|whats|which|how many|how much|if|whether|of what|about what|what i|what else|"
    "how|how to|where|who|why"
)
_CMD_START = lx.phrases(
    "delete|remove|complete|finish|cancel|start over|start fresh|clear|undo|uncheck|mark|"
    "check off|cross off|cross out|get rid of|take off|rename|change|move|postpone|reschedule|"
    "reopen|tag|untag|update|search|find|add|create|show|list|display|see|view|put|make|take|"
    "edit|erase|scratch|drop|tick off|strike|snooze|push|set|schedule|remind|delay|prioritize|"
    "forget|forget about|ditch|scrap|nix|trash|bin|lose|axe|dump|kill"
)
_WHEN_FIRST_CMD = lx.phrases(
    "remind|add|create|put|new|note|todo|schedule|set|make|i need|i want|i'd like|remember|"
    "don't forget|dont forget|"
    "i have to|i've got to|i gotta|i must|we need|we have to|we gotta|"
    "don't let|do not let|please remind|can you|could you|pls|please"
)
_POLITE = lx.phrases(
    "can you|could you|would you|will you|can u|could u|please|pls|plz|you can|you could|"
    "u can|go ahead and|just|and|so|then|now|you may|u may|feel free to|kindly|please kindly"
)
_PRONOUN = lx.phrases(
    "it|that|this|them|em|'em|those|these|that one|this one|that task|this task|that item|"
    "it too|them too|that too|both|that thing|this thing|the task|the thing|"
    "that reminder|this reminder|the reminder|that todo|this todo|that entry|this entry"
)
_DELETE_CMD = lx.phrases(
    "delete|remove|get rid of|scratch|drop|erase|trash|take|take off|take out|kill|"
    "cancel|scrap|ditch|nuke|clear|axe|dump|purge|forget|forget about|lose|bin"
)
_COMPLETE_CMD = lx.phrases(
    "cross|cross off|cross out|check|check off|tick|tick off|mark|mark off|strike|"
    "strike off|strike out|strike through|complete|close|finish|knock out|mark as done|"
    "mark done|mark complete|mark as complete|mark as finished|mark finished|close out"
)
_OFF = lx.phrases(
    "off|out|away|through|as done|as complete|as completed|as finished|done|complete|"
    "off the list|off my list|off of my list|off of the list|from the list|from my list|"
    "from my todo list|from the todo list|from the todo|from my todos|off my todo list|"
    "off the todo list|off my todos|off my reminders|from my reminders|from the reminders|"
    "off the shopping list|from the shopping list|off my shopping list|off the grocery list|"
    "from the grocery list|off my grocery list|off the packing list|off my packing list|"
    "from my packing list|from the packing list|off the list too|as done too"
)
# "… mark complete", "… check off": a completion said after the news, with no pronoun.
_DONE_CMD = lx.phrases(
    "mark complete|mark completed|mark done|mark as done|mark as complete|mark as completed|"
    "mark finished|mark as finished|mark it off|mark off|check off|tick off|cross off|"
    "check it|tick it|cross out|strike off"
)
# "…, done", "… so that's done": the news and then its verdict.
_DONE_STATE = lx.phrases(
    "done|all done|finished|complete|completed|done and dusted|"
    "that's done|thats done|that's finished|thats finished|that's complete|thats complete|"
    "that's taken care of|thats taken care of|that's sorted|thats sorted|that's handled|"
    "that's over with|it's done|its done|it is done|that is done|that one's done|"
    "check|checked|ticked|tick|sorted|got it|got them|got em|"
    "that's one done|that's off the list|thats off the list|one less thing"
)
_TRAIL = lx.phrases(
    "please|pls|now|too|as well|for me|already|thanks|thank you|right now|then|"
    "yay|woohoo|finally|lol|thx|ty|please and thank you|abeg|pet|boss|eh|ye|would ye|would ya|"
    "would you|mate|love|hun|cheers|ta|thanks boss|cheers mate|x|xx|bab|babe|please bab|on|"
    "on for me|down for me|somewhere"
)
_GLUE = lx.phrases(
    "so|and|and so|, so|which means|so you can|,|;|-|.|now|ok|okay|and then|so now|and now|"
    "yeah|, yeah|. yeah|yep|"
    "so yeah|which is why|therefore|hence"
)

# What a summary is of: "how am i doing with my tasks", "a summary of my to do list".
_SUMMARY_OF = lx.phrases(
    "my tasks|my list|my todos|my to dos|my to-dos|my to do list|my todo list|my reminders|"
    "our tasks|our list|our todos|tasks|the list|everything|my work|things|my stuff|it all|it"
)

CLASS_WORDS: dict[str, tuple[str, ...]] = {
    name: tuple(items)
    for name, items in {
        "add": _ADD_VERB,
        "put": _PUT_VERB,
        "det": _DET,
        "tasknoun": _TASK_NOUN,
        "listnoun": _LIST_NOUN,
        "want": _WANT,
        "remind": lx.REMIND_VERBS,
        "bereminded": _BE_REMINDED,
        "about": _CONNECT_REMIND,
        # after a date phrase "of"/"on" belong to the date ("the 7th of next month")
        # ("2" for "to" is no connector after a time: "for 2 pm to call the bank")
        "about_when": lx.phrases("to|that|about|abt|:|,"),
        "for_when": lx.phrases("to|that|about|abt|for|saying|:|-|,"),
        "for": _CONNECT_REMINDER,
        "connect": _CONNECT_ADD,
        "onto": _ONTO,
        "desire": _DESIRE,
        "noun_verb": _NOUN_VERB,
        "rdet": _RDET,
        "count": _COUNT,
        "desire_bare": _DESIRE_BARE,
        "forget": _FORGET,
        "forgetthing": _FORGET_THING,
        "that": _CONNECT_FORGET,
        "note": _NOTE,
        "calendar": _CALENDAR,
        "listverb": _SEE_VERB,
        "wish": _WISH,
        "question": _QUESTION_OPEN,
        "cmd": _CMD_START,
        "whencmd": _WHEN_FIRST_CMD,
        "polite": _POLITE,
        "pronoun": _PRONOUN,
        "deletecmd": _DELETE_CMD,
        "completecmd": _COMPLETE_CMD,
        "off": _OFF,
        "trail": _TRAIL,
        "glue": _GLUE,
        "donecmd": _DONE_CMD,
        "donestate": _DONE_STATE,
        "summary_of": _SUMMARY_OF,
    }.items()
}
CLASSES: dict[str, str] = {name: alternation(items) for name, items in CLASS_WORDS.items()}

# A to-do list as people name it: "my list", "the grocery list", "my work to do list",
# "the list of things to buy", "groceries". At most three name words, then the list noun.
_NOT_NAME = (
    r"(?!(?:to|on|onto|in|into|my|the|our|your|a|an|for|of|at|with|from|and|or|it|that|this|"
    r"is|are|i|me|you)\b)"
)
_LIST_NAME = r"(?:" + _NOT_NAME + r"[\w'&-]+ ){0,3}?"
LIST_SLOT = (
    r"(?:(?:my|the|our|your|a|this|that) )?"
    + _LIST_NAME
    + alternation(_LIST_NOUN)
    + r"(?: of (?:things|stuff|items|groceries|errands|chores)(?: (?:to|i need to|i have to|"
    r"we need to|i want to|i gotta|i got to|that i need to) [\w']+)?)?"
)
SLOTS: dict[str, str] = {
    "reason": r"[^,;]{1,120}?",
    "cond": r"[^,;]{1,60}?",
    "adj": alternation(_REMINDER_ADJ),
    "when": r"[^,;]{1,60}?",
    "list": LIST_SLOT,
    "tail": r"(?:for|by|on|before|due|at|this|next|tomorrow|today|tonight|in|every)\b[^,;]{0,60}",
    # a remark after the item: "…on there, im never going anyway lol"
    "remark": r"(?:i|i'm|im|i've|ive|it's|its|they're|theyre|we're|we've|weve|we|there's|"
              r"theres|cos|cause|because|as|since|lol|while\s+i|"
              r"haha|so\s+i|before\s+i|just\s+in\s+case|in\s+case)\b[^;]{0,100}",
}


def _frames(rows: tuple[tuple[str, str, str, float], ...]) -> tuple[Frame, ...]:
    return tuple(
        Frame(
            name,
            template,
            kind,
            conf,
            compile_template(template, CLASSES, SLOTS),
            first_words(template, {**CLASS_WORDS, "adj": _REMINDER_ADJ}),
            frozenset(_NEEDS.get(name, ())),
        )
        for name, template, kind, conf in rows
    )


# Frames that may start with any word are tried only if the text holds one of these words
# (a set test costs far less than the pattern).
_LIST_WORDS = (*(p.split()[-1] for p in _LIST_NOUN), "shopping", "grocery", "packing")
# A word every "don't let me forget" phrase holds.
_FORGET_WORDS = ("forget", "remember", "sure", "miss", "ping", "nudge", "alert", "tell", "remind",
                 "reminding", "reminded")
_TASK_WORDS = tuple({p.split()[0] for p in _TASK_NOUN} | {"to-do", "todo"})
_NEEDS: dict[str, tuple[str, ...]] = {
    "redirect.so_command": ("so", "hence", "therefore", "means"),
    "redirect.when_first": tuple(p.split()[0] for p in _WHEN_FIRST_CMD),
    "redirect.cond_first": tuple(p.split()[0] for p in _WHEN_FIRST_CMD),
    "add.list_label": _LIST_WORDS,
    "add.list_verb": _LIST_WORDS,
    "add.list": _LIST_WORDS,
    "add.list_first": _LIST_WORDS,
    "add.list_bare": _LIST_WORDS,
    "add.list_after": _LIST_WORDS,
    "clarify.list": _LIST_WORDS,
    "add.list_there": ("there", "it", "that", "list"),
    "add.reminder": ("reminder", "reminders"),
    "add.reminder_when": ("reminder", "reminders"),
    "add.reminder_colon": ("reminder", "reminders"),
    "add.reminder_bare": ("reminder", "reminders"),
    "clarify.reminder": ("reminder", "reminders"),
    "add.forget": _FORGET_WORDS,
    "add.forget_when": _FORGET_WORDS,
    "add.forget_thing": _FORGET_WORDS,
    "add.forget_bare": ("sure",),
    "clarify.forget": _FORGET_WORDS,
    "add.noun_colon": _TASK_WORDS,
    "add.noun": _TASK_WORDS,
    "add.noun_bare": _TASK_WORDS,
    # frames that start with any words: tried only when their command word is said
    "compound.delete_it_first": tuple({p.split()[0] for p in _DELETE_CMD}),
    "compound.complete_passive": ("be",),
    "compound.delete_passive": ("be", "go", "come"),
    "compound.delete_tail": ("remove", "delete", "erase", "bin", "scrap"),
}


# ---------------------------------------------------------------- the tables

# Carriers that wrap another command: the wrapped text is understood instead.
REDIRECT_FRAMES = _frames(
    (
        # "on my todos remove mop kitchen", "for my grocery list add eggs"
        ("redirect.on_list", "(on|in|from|for) {list} {>cmd} {rest}", "redirect", 0.9),
        # "we're out of paint so take X off the list": the command after the reason
        (
            "redirect.so_command",
            "{reason} (so|and so|which means|therefore|hence) [{polite}] {>cmd} {rest}",
            "redirect",
            0.9,
        ),
        # "set my calendar to remind me to X"
        ("redirect.calendar", "{calendar} to {rest}", "redirect", 0.9),
        # "every friday at 4pm remind me to X" = "remind me to X every friday at 4pm"
        ("redirect.when_first", "{when} [(,)] {>whencmd} {rest}", "redirect", 0.9),
        # "after my shift tomorrow remind me to X": no place triggers; the date said is kept
        ("redirect.cond_first", "(after|before|once|as soon as) {cond} [(,)] {>whencmd} {rest}",
         "redirect", 0.85),
    )
)

# A wish to see or hear the list is a query, never a task ("i want to hear my reminders").
QUERY_FRAMES = _frames(
    (
        ("query.wish", "{wish} [to] {listverb} {rest}", "query", 0.9),
        ("query.remind_what", "{remind} me [(,)] {question} {rest}", "query", 0.9),
    )
)

# "How am I doing?": a summary of the user's tasks (counts), not a list and not a task.
SUMMARY_FRAMES = _frames(
    (
        ("summary.how", "how (am i|are we) (doing|getting on) [(with|on) {summary_of}]",
         "summary", 0.9),
        ("summary.give", "[(give|show|tell) me] [a|my|the] [(quick|short|brief)] (summary|"
         "overview|progress report|status report|stats|statistics|progress) "
         "[(of|on|for) {summary_of}]", "summary", 0.9),
    )
)

# Carriers that can only mean "add": tried before updates and status changes.
REMINDER_FRAMES = _frames(
    (
        # "remind me to X", "remind me tomorrow at 5 to X", "remind me X", "remind me"
        ("add.remind", "{remind} [me|us] {about} {task}", "task", 0.95),
        ("add.remind_when", "{remind} [me|us] {when} {about_when} {task}", "task", 0.95),
        # "i'd like to be reminded to X": one frame, so messages starting "i" try one more
        ("add.remind_passive", "{bereminded} {about} {task}", "task", 0.95),
        # "remind me when i get home to X": the app has no place triggers; the task is X
        (
            "add.remind_condition",
            "{remind} [me|us] (when|once|as soon as|after|before|if) {cond} (to|2) {task}",
            "task",
            0.85,
        ),
        ("clarify.remind", "{remind} [me|us]", "vague", 1.0),
        ("add.remind_bare", "{remind} [me|us] {task}", "task", 0.85),
        # "sort me a reminder for 7am tomorrow: gym bag in the car", "a reminder for the 18th:
        # the nativity at 2pm": the date said before the colon (before "for X")
        (
            "add.reminder_colon",
            "[{want}] [{rdet}] [{adj}] reminder [for me|for us] [(for|at|on)] {when} (:|-) {task}",
            "task",
            0.95,
        ),
        # "set a reminder for me to X", "i need a daily reminder to X", "reminder: X"
        (
            "add.reminder",
            "[{want}] [{rdet}] [{adj}] reminder [up|in|out] [for me|for us] {for} {task}",
            "task",
            0.95,
        ),
        (
            "add.reminder_when",
            "[{want}] [{rdet}] [{adj}] reminder [up|in|out] [for me|for us] {when} {for_when} "
            "{task}",
            "task",
            0.95,
        ),
        (
            "add.reminder_bare",
            "{want} [{rdet}] [{adj}] reminder [up|in|out] [for me|for us] {task}",
            "task",
            0.85,
        ),
        (
            "clarify.reminder",
            "[{want}] [{rdet}] [{adj}] (reminder|reminders) [for me|for us]",
            "vague",
            1.0,
        ),
        # "don't let me forget to X", "help me remember to X", "tell me later to X"
        ("add.forget", "{forget} {that} {task}", "task", 0.95),
        ("add.forget_when", "{forget} {when} {that} {task}", "task", 0.95),
        # "don't let me forget nan's birthday card", "dont forget buy sellotape"
        ("add.forget_thing", "{forgetthing} [{det}] {task}", "task", 0.85),
        (
            "add.forget_bare",
            "(make sure i|make sure that i|make sure we|make sure that we) {task}",
            "task",
            0.9,
        ),
        ("clarify.forget", "{forget} [something|anything|it|this|that] [for me]", "vague", 1.0),
        # "make a note to X", "note to self: X"
        ("add.note", "{note} [for me|to self] [(,)] [{that}] {task}", "task", 0.9),
    )
)

# Adding with a list or a verb: tried after updates and status changes ("make X urgent",
# "put X back" are those), so that a verb shared with them is read as theirs first.
ADD_FRAMES = _frames(
    (
        # named lists: "put X on my grocery list", "add X to the list of things to buy"
        ("add.list", "{put} [{det}] {task} {onto} {list} [[(,)] {tail}] [{trail}] "
         "[[(,)] {remark}]", "task", 0.95),
        ("add.list_first_label", "{put} {onto} {list} (,|:|-) {task}", "task", 0.95),
        ("add.list_first", "{put} {onto} {list} [{that}] {task}", "task", 0.95),
        (
            "add.list_there",
            "{put} {task} (on|onto|in) (there|it|that|that list|this list) [{tail}] "
            "[(,) {remark}]",
            "task",
            0.85,
        ),
        ("add.list_label", "[on|onto|for] {list} [please] (:|-) {task}", "task", 0.9),
        ("add.list_verb", "{list} (add|put|include|insert|enter|stick) {task}", "task", 0.9),
        ("clarify.list", "{put} [{det}] [{tasknoun}] {onto} {list}", "vague", 1.0),
        # "jot X down", "write X down"
        ("add.jot_down", "(jot|write|note|put|get) {task} down", "task", 0.9),
        # "add a task to X", "new task: X", "put a task in for tomorrow: X"
        (
            "add.noun_colon",
            "{noun_verb} [me|us] [{det}] [{count}] [{det}] {tasknoun} [(for|on) {when}] (:|-) "
            "{task}",
            "task",
            0.95,
        ),
        (
            "add.noun",
            "{noun_verb} [me|us] [{det}] [{count}] [{det}] [{adj}] {tasknoun} [for me] [in] "
            "{connect} {task}",
            "task",
            0.95,
        ),
        (
            "add.noun_bare",
            "{noun_verb} [{det}] [{det}] (task|todo|item|reminder|entry|to-do) {task}",
            "task",
            0.9,
        ),
        ("add.verb", "{add} [{det}] [{det}] [{connect}] {task}", "task", 0.95),
        # "put gym on tomorrow at 6 am": on the calendar, for a time
        ("add.put_on_when", "(put|stick|pop|chuck) {task} on {when}", "task", 0.9),
        # "put book flu jab in for tuesday", "pencil the dentist in for friday at 2", "put
        # renew rego down for the 3rd", then "put feed sourdough starter for tonight 9pm"
        ("add.put_in_when",
         "(put|stick|pop|pencil|book|chuck|shove) [{det}] {task} (in|down) (for|on) {when}",
         "task", 0.9),
        ("add.put_for_when", "(put|stick|pop|chuck|shove) [{det}] {task} for {when}", "task",
         0.9),
        (
            "clarify.add",
            "{noun_verb} [me|us] [{det}] [{count}] [{det}] [{tasknoun}|{listnoun}] [for me]",
            "vague",
            1.0,
        ),
        (
            "clarify.new_list",
            "(make|start|create|begin|set up|open) [{det}] [new] {listnoun}",
            "vague",
            1.0,
        ),
        # "todo: X", "new task - X", "reminder pick up the dog food at 6"
        ("add.label", "({tasknoun}|new {tasknoun}|next {tasknoun}|another {tasknoun}|"
         "one more {tasknoun}) [please|pls|plz] (:|-) {task}", "task", 0.95),
        # "something to add - get the kids' flu shots", "please to add: buy rice", "one more
        # thing for the list, ask the bank about a loan"
        ("add.label_phrase", "[please] (something to add|something else to add|to add|"
         "one more thing to add|one more thing for|another thing for|something for|"
         "something to put on|add this|let me add one|let me add something|let me add this|"
         "wanna add something|wanna add one|want to add something|i want to add something|"
         "gonna add something|i'd like to add something|quick one|new one|"
         "something to remember|one to remember|thing to remember|to remember) "
         "[the|my|our] [{listnoun}] (:|-|,) {task}",
         "task", 0.9),
        (
            "add.label_bare",
            "(todo|to-do|reminder|task|new task|new todo|new reminder) {task}",
            "task",
            0.8,
        ),
        # "paracetamol on the shopping list please", "bin bags. add to shopping list"
        ("add.list_bare", "{task} (on|onto|for) {list} [{trail}]", "task", 0.85),
        ("add.list_after", "{task} (,|.|-|:) [{polite}] {put} [{pronoun}] {onto} {list} "
         "[{tail}] [{trail}] [[(,)] {remark}]", "task", 0.85),
        # needs and plans: "i need to X", "we should X", "gotta X"
        ("add.desire", "{desire} {task}", "task", 0.85),
        ("add.desire_bare", "{desire_bare} {task}", "task", 0.8),
    )
)

# A statement about a task and a command that points at it ("i paid the bill so delete it").
COMPOUND_FRAMES = _frames(
    (
        (
            "compound.delete_it",
            "{ref} [{glue}] [{polite}] {deletecmd} {pronoun} [{off}] [{trail}]",
            "delete",
            0.85,
        ),
        # "the essay is submitted, get it off my list": "get"/"knock" only with "off"
        (
            "compound.delete_off",
            "{ref} [{glue}] [{polite}] (get|knock|take) {pronoun} {off} [{trail}]",
            "delete",
            0.85,
        ),
        (
            "compound.complete_it",
            "{ref} [{glue}] [{polite}] {completecmd} {pronoun} [{off}] [{trail}]",
            "complete",
            0.85,
        ),
        # "pedro took his drill back, so this one you can erase": the pronoun said first
        (
            "compound.delete_it_first",
            "{ref} [{glue}] {pronoun} [(you|u) (can|may|could)] {deletecmd} [{off}] [{trail}]",
            "delete",
            0.85,
        ),
        # "the letters are posted, so that one can be marked as done"
        (
            "compound.complete_passive",
            "{ref} [{glue}] {pronoun} (can|could|should|may) [now] be (marked as done|"
            "marked done|marked off|marked complete|marked as complete|crossed off|ticked off|"
            "checked off|crossed out|struck off) [{trail}]",
            "complete",
            0.85,
        ),
        (
            "compound.delete_passive",
            "{ref} [{glue}] {pronoun} (can|could|should|may) [now] (be deleted|be removed|"
            "be erased|be binned|be scrapped|be cancelled|be canceled|be taken off|be dropped|"
            "be ditched|go|come off) [{off}] [{trail}]",
            "delete",
            0.85,
        ),
        # "done paying the kasambahay for this month, pls remove": the command, no pronoun
        (
            "compound.delete_tail",
            "{ref} (,|.|;|-) [{polite}] (remove|delete|erase|bin|scrap) [{off}] [{trail}]",
            "delete",
            0.85,
        ),
        # "reviewed the pull request, mark complete": the command without a pronoun
        (
            "compound.complete_tail",
            "{ref} [{glue}] [{polite}] {donecmd} [{off}] [{trail}]",
            "complete",
            0.85,
        ),
        # "ordered the cake, done", "texted alex so that's done": news, then its verdict
        ("compound.done_tail", "{ref} {glue} {donestate} [{trail}]", "complete", 0.8),
        ("compound.done_tail", "{ref} (,|;|-|!|.) [{glue}] {donestate} [{trail}]", "complete",
         0.8),
        (
            "compound.add_it",
            "{task} [{glue}] [{polite}] {put} {pronoun} [{onto} {list}] [{tail}] [{trail}] "
            "[[(,)] {remark}]",
            "task",
            0.85,
        ),
    )
)


_last_words: tuple[str, list[str], str] = ("", [], "")


def _words_of(text: str) -> tuple[list[str], str]:
    """The text's lowercased words and first word; the tables of one message share them."""
    global _last_words
    cached = _last_words  # one read: another thread may replace it meanwhile
    if cached[0] != text:
        words = text.lower().replace(",", " ").replace(":", " ").split()
        cached = (text, words, words[0] if words else "")
        _last_words = cached
    return cached[1], cached[2]


# Per table and first word, the frames that may apply, in table order (built on first use):
# a message runs only the patterns of frames that can start with its first word.
_BY_FIRST: dict[tuple[int, str], tuple[Frame, ...]] = {}
_BY_FIRST_MAX = 4096  # distinct first words remembered per process (then only recomputed)


def _candidates(frames: tuple[Frame, ...], first: str) -> tuple[Frame, ...]:
    key = (id(frames), first)
    got = _BY_FIRST.get(key)
    if got is None:
        got = tuple(f for f in frames if f.firsts is None or first in f.firsts)
        if len(_BY_FIRST) < _BY_FIRST_MAX:
            _BY_FIRST[key] = got
    return got


def match(frames: tuple[Frame, ...], text: str) -> Iterator[tuple[Frame, re.Match[str]]]:
    """Every frame of the table whose template matches the whole text, in table order."""
    words, first = _words_of(text)
    seen: frozenset[str] | None = None
    for frame in _candidates(frames, first):
        if frame.needs:
            seen = frozenset(words) if seen is None else seen
            if seen.isdisjoint(frame.needs):
                continue
        m = frame.pattern.fullmatch(text)
        if m is not None:
            yield frame, m
