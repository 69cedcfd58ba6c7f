"""The shared lexicon: every word list the understander uses, in one place, as data.

Frames (agents/nlu/frames.py) name these classes in their templates (`{remind}`, `{list}`);
the normalizer and the date parser read the number words and calendar names from here, so a
word is added once and every rule that needs it sees it. Entries are lowercase; a multi-word
entry is written with single spaces (the normalizer collapses whitespace before matching).
"""

from __future__ import annotations


def words(text: str) -> tuple[str, ...]:
    """A word list written as one string (easier to read than a long literal)."""
    return tuple(text.split())


def phrases(text: str) -> tuple[str, ...]:
    """Phrases separated by `|` (each may hold spaces)."""
    return tuple(" ".join(p.split()) for p in text.split("|") if p.strip())


# ---------------------------------------------------------------- numbers

CARDINALS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
# Counts said in words ("in two days", "every three weeks"), shared with the date parser.
COUNT_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "couple": 2, "a couple": 2, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3,
    "other": 2, "second": 2, "third": 3,
}  # fmt: skip
# Positions in a list ("the second one", "the last one"): negative counts from the end.
POSITION_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "top": 1, "last": -1, "bottom": -1, "final": -1,
    "penultimate": -2, "thrid": 3, "frist": 1, "fisrt": 1, "secnod": 2, "forth": 4,
    "latest": -1, "newest": -1, "most recent": -1,
}  # fmt: skip
SMALL_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}

# ---------------------------------------------------------------- calendar

WEEKDAY_NAMES = (
    ("monday", "mondays", "mon"),
    ("tuesday", "tuesdays", "tues", "tue", "teusday"),
    ("wednesday", "wednesdays", "wed", "weds", "wensday", "wednsday", "wedensday"),
    ("thursday", "thursdays", "thurs", "thur", "thu", "thurday", "thrusday"),
    ("friday", "fridays", "fri", "firday"),
    ("saturday", "saturdays", "sat", "saterday"),
    ("sunday", "sundays", "sun"),
)


def _weekday_typos() -> dict[str, str]:
    """One slip of the thumb in a weekday's name ("saturdy", "wendesday", "frday"): one
    letter dropped or two swapped, the final "y" kept; never a word of its own."""
    out: dict[str, str] = {}
    for names in WEEKDAY_NAMES:
        name = names[0]
        slips = {name[:i] + name[i + 1:] for i in range(len(name) - 1)}
        slips |= {name[:i] + name[i + 1] + name[i] + name[i + 2:] for i in range(len(name) - 2)}
        for slip in slips - {name}:
            if len(slip) >= 5 and slip.endswith("y") and not any(slip in n for n in WEEKDAY_NAMES):
                out[slip] = name
    return out


WEEKDAY_TYPOS = _weekday_typos()
MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
# Fixed-date holidays, read only after "on/by/for/before/until" ("buy a christmas tree" is a
# title): the normalizer writes them as "dec 24" so the date parser needs no extra rule.
HOLIDAYS = {
    "christmas eve": "dec 24", "christmas day": "dec 25", "christmas": "dec 25",
    "xmas": "dec 25", "new year's eve": "dec 31", "new years eve": "dec 31",
    "new year's day": "jan 1", "new years day": "jan 1", "valentine's day": "feb 14",
    "valentines day": "feb 14", "halloween": "oct 31",
}  # fmt: skip
TIME_UNITS = words(
    "minute minutes min mins hour hours hr hrs day days week weeks month months year years"
)

# ---------------------------------------------------------------- verbs per intent

ADD_VERBS = words("add ad create insert enter jot write note put schedule new make")
PUT_VERBS = words("put stick throw pop place jot write add include")
REMIND_VERBS = words("remind reminde remid reminding")
# Carrier nouns a typo in which is fixed ("set a remider", "add a tsk"): one edit, same first
# letter, never a real word of CARRIER_NOT_TYPOS.
CARRIER_NOUNS = words("reminder task todo list")
CARRIER_NOT_TYPOS = frozenset(
    words(
        "remainder reminders tasks todos lists last lost lust mist fist gist list's lint lift "
        "lest lise tusk tack talk tank tasty tas tax toad tofu told toto todd lisp"
    )
)
COMPLETE_VERBS = phrases(
    "complete|completed|finish up|finish off|finish|finished|close|closed|check off|check|"
    "tick off|tick|cross off|cross out|cross|strike off|strike out|strike through|strike|"
    "mark off|mark|marked off|marked|done with|done|knock out|knocked out|resolve|resolved|"
    "wrap up|wrapped up"
)
DELETE_VERBS = phrases(
    "delete|del|remove|rm|cancel|drop|erase|trash|bin|scrap|scratch|discard|ditch|nuke|kill|"
    "get rid of|forget about|forget|throw out|throw away|take off|take out|cross out|purge|"
    "eliminate|dump|axe|clear|cancell|strike out|strike off|strike"
)
LIST_VERBS = phrases(
    "show|list|display|view|see|get|give me|tell me|read out|read|print|pull up|bring up|open|"
    "check|lemme see|let me see|review|go through|go over|hear|know|read me|see what|"
    "find out|look at|run through"
)
# Verbs of a completion told as news ("i picked up the cake"): past form → base form, so
# the reference matches the task as it was written ("pick up the cake").
PAST_TO_BASE = {
    "bought": "buy", "got": "get", "gotten": "get", "went": "go", "took": "take",
    "sent": "send", "paid": "pay", "made": "make", "did": "do", "done": "do", "wrote": "write",
    "written": "write", "ran": "run", "brought": "bring", "called": "call", "picked": "pick",
    "dropped": "drop", "returned": "return", "renewed": "renew", "fixed": "fix",
    "finished": "finish", "completed": "complete", "cleaned": "clean", "washed": "wash",
    "watered": "water", "fed": "feed", "walked": "walk", "booked": "book", "iced": "ice",
    "saw": "see", "sowed": "sow", "sown": "sow",
    "scheduled": "schedule", "signed": "sign", "submitted": "submit", "emailed": "email",
    "texted": "text", "mailed": "mail", "posted": "post", "cancelled": "cancel",
    "canceled": "cancel", "changed": "change", "defrosted": "defrost", "practiced": "practice",
    "practised": "practice", "ordered": "order", "packed": "pack", "printed": "print",
    "replaced": "replace", "repaired": "repair", "filed": "file", "updated": "update",
    "vacuumed": "vacuum", "mopped": "mop", "swept": "sweep", "folded": "fold",
    "ironed": "iron", "cooked": "cook", "baked": "bake", "wrapped": "wrap",
    "organized": "organize", "organised": "organize", "cleared": "clear", "emptied": "empty",
    "charged": "charge", "backed": "back", "met": "meet", "visited": "visit",
    "contacted": "contact", "phoned": "phone", "rang": "ring", "messaged": "message",
    "replied": "reply", "answered": "answer", "read": "read", "studied": "study",
    "reviewed": "review", "sorted": "sort", "hung": "hang", "assembled": "assemble",
    "installed": "install", "painted": "paint", "mowed": "mow", "raked": "rake",
    "trimmed": "trim", "recycled": "recycle", "donated": "donate", "sold": "sell",
    "shipped": "ship", "delivered": "deliver", "collected": "collect", "grabbed": "grab",
    "purchased": "purchase", "refilled": "refill", "confirmed": "confirm",
    "registered": "register", "applied": "apply", "uploaded": "upload",
    "downloaded": "download", "unpacked": "unpack", "thawed": "thaw", "marinated": "marinate",
    "prepped": "prep", "prepared": "prepare", "planned": "plan", "rsvped": "rsvp",
    "rsvp'd": "rsvp", "handed": "hand", "turned": "turn", "followed": "follow",
    "checked": "check", "tidied": "tidy", "dusted": "dust", "scrubbed": "scrub",
    "descaled": "descale", "groomed": "groom", "bathed": "bathe", "gave": "give",
    "given": "give", "left": "leave", "put": "put", "set": "set", "cut": "cut",
    "shut": "shut", "met up": "meet up", "caught": "catch", "sought": "seek",
    "taught": "teach", "thought": "think", "found": "find", "heard": "hear", "told": "tell",
    "sold off": "sell off", "spoke": "speak", "drove": "drive", "rode": "ride",
    "swam": "swim", "threw": "throw", "wore": "wear", "ate": "eat", "drank": "drink",
    # chores and errands (issue 12): "the tires are rotated", "i shoveled the driveway"
    "taken": "take", "rotated": "rotate", "serviced": "service", "inspected": "inspect",
    "tuned": "tune", "stored": "store", "stowed": "stow", "published": "publish",
    "launched": "launch", "released": "release", "requested": "request", "tested": "test",
    "revised": "revise", "winterized": "winterize", "winterised": "winterize",
    "polished": "polish", "shoveled": "shovel", "shovelled": "shovel", "weeded": "weed",
    "fertilized": "fertilize", "pruned": "prune", "planted": "plant", "stocked": "stock",
    "restocked": "restock", "loaded": "load", "unloaded": "unload", "filled": "fill",
    "reserved": "reserve", "rented": "rent", "hired": "hire", "scanned": "scan",
    "shredded": "shred", "notarized": "notarize", "faxed": "fax", "copied": "copy",
    "synced": "sync", "patched": "patch", "sanded": "sand", "stained": "stain",
    "sealed": "seal", "caulked": "caulk", "hemmed": "hem", "sewed": "sew", "mended": "mend",
    "labeled": "label", "labelled": "label", "decluttered": "declutter", "arranged": "arrange",
    "renovated": "renovate", "measured": "measure", "wiped": "wipe", "dusted off": "dust off",
    "rinsed": "rinse", "soaked": "soak", "sharpened": "sharpen", "oiled": "oil",
    "greased": "grease", "refueled": "refuel", "fuelled": "fuel", "fueled": "fuel",
    "topped": "top", "pumped": "pump", "inflated": "inflate", "fitted": "fit",
    "adjusted": "adjust", "tightened": "tighten", "unclogged": "unclog", "plunged": "plunge",
    "bleached": "bleach", "steamed": "steam", "exchanged": "exchange", "refunded": "refund",
    "transferred": "transfer", "deposited": "deposit", "withdrew": "withdraw", "cashed": "cash",
    "invoiced": "invoice", "billed": "bill", "drafted": "draft", "edited": "edit",
    "proofread": "proofread", "signed up": "sign up", "enrolled": "enroll",
    "applied for": "apply for", "interviewed": "interview", "rehearsed": "rehearse",
    "memorized": "memorize", "graded": "grade", "marked": "mark", "fetched": "fetch",
    "retrieved": "retrieve", "repotted": "repot", "brushed": "brush", "vaccinated": "vaccinate",
    "dewormed": "deworm", "spayed": "spay", "neutered": "neuter", "framed": "frame",
    "mounted": "mount", "disassembled": "disassemble", "dismantled": "dismantle",
    "replied to": "reply to", "responded": "respond", "rsvp-ed": "rsvp", "thanked": "thank",
    "invited": "invite", "greeted": "greet", "hosted": "host", "attended": "attend",
    "facetimed": "facetime", "dialed": "dial", "talked": "talk", "spoken": "speak",
    "reached": "reach", "chatted": "chat", "rescheduled": "reschedule", "sent off": "send off",
    "settled": "settle", "cleaned up": "clean up", "tidied up": "tidy up",
    "wrote back": "write back", "shopped": "shop", "swapped": "swap", "switched": "switch",
    "got back to": "get back to", "swapped out": "swap out",
}  # fmt: skip
# Past forms that also read as adjectives or nouns in chat ("i'm done", "i left"): a
# completion told as news needs an object after them.
PAST_NEEDS_OBJECT = frozenset({"done", "left", "set", "put", "cut", "read", "shut"})

# Terse news with the noun first ("water bill paid", "slides ready for monday", "milk check",
# "eggs - got it"): besides past participles (PAST_TO_BASE), these words end the noun phrase
# and say the task is done. Everything after them is a tail (when, why, a remark) and is cut.
DONE_WORDS = phrases(
    "done|ready|over|sorted|sorted out|set up|all set|taken care of|handled|finished|complete|"
    "completed|check|checked|got it|got them|got those|got em|got both|gotten|squared away|"
    "out of the way|in the bag|dealt with|"
    "good to go|on its way|fixed up|crossed off|ticked off|locked in|nailed|nailed it"
)
# Words that start a tail after such news: "for june", "finally after 2 hours", "lol".
TAIL_STARTS = frozenset(words(
    "for finally after at on this that today yesterday tonight last earlier lol haha hehe lmao "
    "yay woohoo woo now already just too thank thanks thx ty by in with before so and but all "
    "phew omg ok okay yes yep nice great whew at-last to from via online early late"
))

# ---------------------------------------------------------------- nouns and fillers

# What a to-do list is called: "my list", "the todo list", "my reminders", "my agenda".
LIST_NOUNS = phrases(
    "list|lists|todo list|to-do list|to do list|todo|todos|to-do|to-dos|to dos|task list|"
    "tasks|reminders|agenda|calendar|schedule|checklist|list of things to do|jobs|job list|"
    "list of stuff to do|groceries|shopping"
)
# Words naming a task in the abstract ("add a task", "a new item"): a slot holding only
# these (plus placeholders) has nothing to add.
TASK_NOUNS = words(
    "task tasks todo todos to-do to-dos item items entry entries reminder reminders thing "
    "things note notes chore chores errand errands one ones"
)
# A slot that is only one of these names no task: the agent asks what to add instead.
PLACEHOLDERS = phrases(
    "remember|that thing|this thing|the thing|that one thing|"
    "something|somethin|smth|sth|summat|sumthin|sumthing|something else|anything|"
    "this|that|it|these|those|them|"
    "stuff|things|a thing|thing|some things|some stuff|a few things|few things|a couple things|"
    "a couple of things|do something|something to do|something later|a task|task|a todo|"
    "a to do|to do|todo|a to-do|an item|item|a new item|new item|a reminder|reminder|"
    "one|a new one|another one|a new task|new task|more|some|a note|a list|list|a new list|"
    "my list|the list|a todo list|a to do list|a new todo|a new to do|a new reminder|"
    "an entry|entry|what|whatever|"
    "that matter|the matter|matter|that issue|issue|that business|"
    "a new to-do|a to-do list|the thing|this thing|that thing|"
    "do the thing|do a thing|do stuff|do some stuff|do that|do this|do it|the stuff|to|that|"
    "about|for|of|a|an|the|something important|an important thing|important stuff|"
    "a few|a couple|some more|more stuff|a bunch of stuff|a bunch of things|in|up|out|down|"
    "something down|it down|this down|that down|stuff down|me|us|for me|for us|myself|"
    "something on there|something in there|something on it|the usual|my usual|usual|"
    "the usual stuff|the usual things|the thing from earlier|that thing from earlier|"
    "thing from earlier|the thing from before|that thing from before|the thing i said|"
    "you know what|the you know what|ykw|whatsit|the whatsit|thingy|the thingy|"
    "thingamajig|whatchamacallit|doodah|the doodah|you know|ya know|y'know|the ah|the uh|"
    "the um|the erm|ah|uh"
)
# Named lists that carry no name ("my list", "the todo list"): no tag.
GENERIC_LIST_WORDS = frozenset(
    words(
        "my the our a your to do todo to-do task tasks things stuff list lists of things "
        "i need want have got reminder reminders main usual daily general new quick"
    )
)
# A named list's tag: "groceries" and "grocery" are one list.
LIST_TAG_ALIASES = {"groceries": "grocery", "shopping": "shopping", "todos": ""}

# ---------------------------------------------------------------- politeness and talk

DISMISS_PHRASES = phrases(
    "never mind|nevermind|nvm|forget it|forget about it|forget that|cancel|cancel that|"
    "cancel it|no|nope|nah|nothing|no thanks|no thank you|don't bother|dont bother|skip it|"
    "skip|stop|not now|leave it|scratch that|ignore that|ignore it|never mind that|"
    "doesn't matter|doesnt matter|it doesn't matter|no worries|all good|nothing after all"
)
# Question words: a message that starts with one asks; it never creates a task.
QUESTION_WORDS = words(
    "what what's whats which when where who whose why how is are do does did can could would "
    "will should have has any am was were"
)


def frozenwords(text: str) -> frozenset[str]:
    """A word set written as one string."""
    return frozenset(text.split())


# What "i have a … on tuesday" announces when it is a to-do: an appointment-like event.
EVENT_NOUNS = frozenwords(
    "appointment appt meeting call interview exam test quiz class lesson lessons practice "
    "session check-up checkup checkin check-in reservation booking flight train bus ferry "
    "deadline presentation demo review consultation conference game match recital rehearsal "
    "party dinner lunch breakfast date shift surgery procedure visit physical cleaning "
    "haircut massage workshop training seminar webinar standup stand-up sync 1:1 one-on-one "
    "hearing court assignment homework essay paper report project delivery pickup drop-off "
    "errand errands playdate tournament concert show ceremony wedding funeral"
)

# ---------------------------------------------------------------- matching a task by its words

# Words that never tell one task from another: the resolver's word match ignores them
# ("the milk one i got" → "milk"; "cross off the gym thing for me" → "gym").
MATCH_FILLER = frozenwords(
    "the a an my our your his her their its this that these those some any all to of for on "
    "in at with about re regarding from by into onto off up out and or but so then i we you "
    "me us he she "
    "they him them it is are was were be been being am has have had do does did done just "
    "already finally now today yesterday tonight tomorrow earlier later thing things stuff one "
    "ones task tasks item items reminder reminders todo todos to-do list lists entry please pls "
    "too also really actually totally anymore any more again yay woohoo lol haha ok okay well "
    "oh hey thanks can could would will should u ur im i'm i've we've ive it's its that's "
    "thats there here very much way as not no need needed don't dont get got gotten"
)
# Verbs that say little about which task is meant ("call", "buy", "clean" start many
# titles): a title's other words count twice as much. Base forms; past forms are in
# PAST_TO_BASE.
LIGHT_VERBS = frozenwords(
    "go make take buy pick call get do put set have finish complete start send pay clean wash "
    "book order pack fix check schedule plan email text mail return renew write review update "
    "sign submit prepare prep print visit bring drop grab move"
)
# Verbs that name the same deed in a to-do and in news about it ("spoke to the landlord" /
# "call the landlord", "scheduled the haircut" / "book a haircut"): word → the one stem the
# resolver's word match compares (both sides go through it).
VERB_SYNONYMS = {
    **dict.fromkeys(words("phone ring dial speak spoke talk contact email e-mail hear heard "
                          "message facetime reach chat chatted"), "call"),
    **dict.fromkeys(words("schedule reserve"), "book"),
    **dict.fromkeys(words("purchase grab"), "buy"),
    **dict.fromkeys(words("swap switch replace"), "change"),
    **dict.fromkeys(words("unsubscribe"), "cancel"),
}  # fmt: skip
# Irregular past forms only news reads (not commands or adds): word → its base.
MORE_PAST = {
    "had": "have", "came": "come", "spent": "spend", "lent": "lend", "built": "build",
    "said": "say", "bled": "bleed", "acquired": "get", "venmoed": "pay", "venmo'd": "pay",
    "zelled": "pay",
    "held": "hold", "kept": "keep", "won": "win", "led": "lead", "flew": "fly", "grew": "grow",
    "laid": "lay", "drew": "draw", "chose": "choose", "eaten": "eat", "driven": "drive",
    "ridden": "ride", "seen": "see", "known": "know", "grown": "grow", "thrown": "throw",
    "shown": "show", "flown": "fly", "drawn": "draw", "worn": "wear",
    "sewn": "sew", "sewed": "sew", "venmod": "pay",
}  # fmt: skip
def looks_past(word: str) -> bool:
    """A past form as typed: a known irregular one or a regular "-ed" ("fixed", "sent")."""
    return word in PAST_TO_BASE or (len(word) > 4 and word.endswith("ed"))


# Past forms and other shapes that suffix stripping misses: word → the base it stands for.
MATCH_LEMMAS = {
    **{k: v for k, v in PAST_TO_BASE.items() if " " not in k},
    **MORE_PAST,
    "children": "child", "kids": "kid", "people": "person", "men": "man", "women": "woman",
    "teeth": "tooth", "feet": "foot", "mice": "mouse", "leaves": "leaf", "knives": "knife",
    "shelves": "shelf", "groceries": "grocery", "batteries": "battery", "taxes": "tax",
    "glasses": "glass", "dishes": "dish", "boxes": "box", "buses": "bus", "happened": "happen",
    "went": "go", "gone": "go", "bought": "buy", "brought": "bring", "taken": "take",
}  # fmt: skip

# ---------------------------------------------------------------- the task-aware fallback

# The fallback reading (agents/nlu/fallback.py): a statement no rule read that still says a
# task is done. These words make a message talk, never news: negation, wish, plan,
# complaint, doubt ("i don't feel like going to the gym", "i'll call mom later").
FALLBACK_DENY = frozenwords(
    "not never no nope don't dont didn't didnt haven't havent hasn't hasnt isn't isnt aren't "
    "ain't aint havnae havenae hasnae cannae didnae dinnae wasnae isnae "
    "arent wasn't wasnt weren't can't cant cannot won't wont couldn't shouldn't wouldn't "
    "will i'll ill we'll gonna going want wants wanted wanna wish wished hope hoped need "
    "needs should might may must hate hated love like likes feel feels tried try trying "
    "forgot forget almost nearly maybe probably still supposed meant planned plan start "
    "started if when wait yet but was were would could missed skipped postponed rescheduled "
    "delayed moved pushed half partly partially kinda sorta barely hardly tomorrow later "
    "soon tonight next you your snapped broke cracked burst tore ripped smashed died "
    "crashed"
)
# A state after a noun that says the task is done ("the trash is out", "the dog's fed").
# Generic states fit any task; the others only a task whose verb makes that state ("the
# trash is out" / "take out the trash", not "the kids are ready" / "bathe the kids").
FALLBACK_GENERIC_STATES = phrases(
    "done|all done|finished|finish|complete|completed|sorted|sorted out|taken care of|handled|"
    "dealt with|squared away|off|off the list|gone|over|all set|good to go|off my plate|"
    "done with|"
    "off my list"
)
_CLEANED = words("clean wash wipe scrub tidy vacuum mop dust rinse")
FALLBACK_STATE_VERBS = {
    "out": words("take put bring send mail write finish draft submit publish release bake "
                 "roast"),  # "the scones are out": baked
    "clean": _CLEANED, "spotless": _CLEANED, "sparkling": _CLEANED, "tidy": _CLEANED,
    "empty": words("empty unload"),
    "full": words("fill refill stock restock"),
    "up": words("set put hang pick post publish install mount assemble build erect get share "
                "list advertise "
                "upload"),
    "on": words("put turn install replace change mount get upload save share update post"),
    "in": words("hand turn put submit send mail file replace install change enter input log "
                 "bring take get apply deposit bank pay "
                 "record"),
    "in the ground": words("plant bury sow"),
    "in boxes": words("pack box"),
    "back": words("put return bring take give get fix pick book service repair collect"),
    "down": words("take pull bring put tear"),
    **dict.fromkeys(("in the shed", "in the garage", "in storage", "in the attic", "in the loft",
                     "in the basement", "stored", "stored away"),
                    words("store put pack move stow clear tidy buy get order")),
    **dict.fromkeys(("in the car", "in the trunk", "in the boot"),
                    words("pick get buy collect load pack put grab")),
    "in the fridge": words("buy get order pick shop"),
    "in the freezer": words("buy get order pick shop"),
    "in the pantry": words("buy get order pick shop"),
    "in the cupboard": words("buy get order pick shop"),
    "on the cloud": words("back upload save sync"),
    "up to date": words("update"),
    **dict.fromkeys(("out of the oven", "out the oven"), words("bake cook roast make")),
    **dict.fromkeys(("out of the freezer", "out the freezer", "thawing", "defrosting",
                     "defrosted", "thawed"), words("defrost thaw take get")),
    **dict.fromkeys(("in its new pot", "in a new pot", "in a bigger pot", "in the new pot",
                     "in their new pots", "in new pots", "in bigger pots", "in the new pots"),
                    words("repot pot plant move transplant")),
    **dict.fromkeys(("at the cleaners", "at the dry cleaners", "at the tailor",
                     "at the mechanic", "at the garage", "at the shop", "at the vet"),
                    words("take drop bring send")),
    "in the mail": words("send mail post"),
    **dict.fromkeys(("in the post", "in the post box", "in the postbox", "in the mailbox"),
                    words("send mail post")),
    **dict.fromkeys(("in my bag", "in my purse", "in my wallet", "in hand"),
                    words("get buy pick collect print order grab")),
    "on the calendar": words("schedule book plan set add put make arrange"),
    "on the schedule": words("schedule book plan set add put make arrange"),
    "in the calendar": words("schedule book plan set add put make arrange"),
    "ready": words("prepare prep make pack bake cook finish"),
    "away": words("put"),
    "put away": words("put fold"),
    "set up": words("set"),
}
FALLBACK_STATES = (*FALLBACK_GENERIC_STATES, *FALLBACK_STATE_VERBS)
# "fresh sheets on the bed", "new bulb in the porch light": the old one was changed (a
# mention's state, never a state word: "the bread is fresh" is not news)
FALLBACK_STATE_VERBS["fresh"] = words("change replace put swap fit install buy get order "
                                      "refill")
# Participles that say something went wrong, not that a task is done.
FALLBACK_BAD_STATES = frozenwords(
    "broken packed closed stuck lost missing damaged ruined delayed overdue locked jammed "
    "busy crowded flooded clogged leaking spoiled stolen confused confusing piled cancelled "
    "canceled postponed rescheduled delayed tired bored worried scared stressed excited "
    "interested married needed used dinged dented scratched keyed scraped puncture punctured "
    "reversed bumped"
)
# Subjects that are someone else: their deed is not the user's task ("my sister washed
# her car").
FALLBACK_PEOPLE = frozenwords(
    "mom dad mum mother father sister brother husband wife kids kid son daughter neighbor "
    "neighbour neighbors neighbours friend friends boss partner boyfriend girlfriend roommate "
    "wife's "
    "grandma grandpa gran nan granny nana grandad he she they someone somebody everyone"
)
# Words before a completion that change nothing ("i just finally mowed the lawn").
FALLBACK_LEAD = frozenwords(
    "i we just finally already also ok okay so and yay well oh also actually officially "
    "successfully totally completely"
)
# Negations: news with one of these is not news of a deed ("the landlord never called back").
NEGATION_WORDS = frozenwords(
    "not never don't dont didn't didnt haven't havent hasn't hasnt isn't isnt aren't arent "
    "wasn't wasnt weren't werent can't cant cannot won't wont couldn't couldnt hadn't "
    "ain't aint havnae havenae hasnae cannae canna didnae dinnae wasnae isnae willnae "
    "wouldnae couldnae shouldnae should've shouldve could've couldve would've wouldve"
)
# States that look done but say a thing can't be had ("the concert is sold out").
NOT_DONE_PHRASES = phrases("sold out|booked up|fully booked|all booked up|booked solid|full up|"
                           "went up|gone up|going up|goes up|went down|gone down|held together|"
                           "taped up|falling apart|on its last legs|booked out")
# News that the deed is still ahead: a thing run out again, a try cut off, a search.
STILL_AHEAD_PHRASES = phrases(
    "finished again|done again|gone again|ran out|run out|used up|looking for|searching for|"
    "cut off|couldn't get through|could not get through|line went dead|got nowhere|gave up|"
    "didn't get far|no luck")
NOT_DONE_PHRASES = (*NOT_DONE_PHRASES, *STILL_AHEAD_PHRASES)
# A past verb said for another task verb: "dropped the rent check in the mailbox" /
# "mail rent check" (message verb → the task verbs it can stand for).
FALLBACK_DEED_VERBS = {
    "drop": words("mail send post return submit hand deliver donate"),
    "turn": words("submit hand return"),
    "post": words("mail send write"),
    "mail": words("send post write"),
    "go": words("take drive"),
    "return": words("return bring take"),
    "send": words("take mail post put bring write finish do complete prepare draft email "
                  "text forward share quote invoice reply respond"),
    "arrange": words("book schedule organise organize plan sort set"),  # "all arranged"
    "see": words("visit meet call check"),  # "saw nan today"
    "merge": words("fix finish review submit write ship"),  # "PR merged"
    "pick": words("buy get grab collect fetch"),
    "hand": words("submit return deliver turn give finish write complete"),
    "take": words("walk return bring donate give sell remove dump recycle photograph"),
    "have": words("get attend do take go book"),  # "we had our flu jabs" / "book flu jabs"
    "renew": words("update extend"),
    "catch": words("follow call meet talk text message email"),  # "laura and i caught up"
    "put": words("replace install fit hang change"),  # "dad put the new shower head in"
    # "the new charger came today": whatever brings a thing or a person to the door
    "arrive": words("order buy ship deliver get renew replace request apply purchase send mail "
                    "post book call hire schedule wait track chase service repair"),
    "pass": words("inspect test check study revise prepare take get book renew"),  # "…its MOT"
    "confirm": words("call book ask arrange find hire text email"),  # "sitter confirmed"
    # "maya and i talked about prom": any way of reaching them
    "talk": words("call text message email phone ring contact reach chat speak"),
    # "called the caterer" / "confirm numbers with caterer": what a call is made to do
    "swap": words("refill replace change exchange"),  # "swapped the propane tank"
    "reply": words("text message email call write answer respond"),  # "replied to marcus"
    "build": words("assemble construct put make"),  # "the ikea shelf is built"
    "cut": words("prune trim mow"),  # "roses cut back"
    "call": words("confirm ask book arrange check order cancel chase remind invite tell rsvp "
                  "reschedule schedule"),
    "submit": words("finish write complete do prepare draft fill sign hand turn send file "
                    "upload apply"),
    "file": words("do finish complete prepare submit"),  # "taxes filed"
    "live": words("write publish post finish launch upload release update set install "
                   "connect activate"),  # "…is live"
    "open": words("open set create start"),  # "the business account is open"
    "sign": words("send get return email mail finish draft prepare make write review approve "
                  "check enrol enroll register join find rent"),
    # "legal signed off the press release", "signed the lease on a flat",
    # "signed up for the spanish class" / "enrol in spanish classes"
    "approve": words("apply request ask email submit book take plan"),  # "leave approved"
    "refund": words("return exchange"),  # "zara refunded me for the jacket"
    "tell": words("rsvp reply answer confirm inform let"),  # "told jen we're coming"
    "bring": words("buy get pick collect fetch"),  # "grandma brought over the nappies"
    "collect": words("pick get fetch grab"),  # "gran's collecting the kids"
    "grab": words("pick get buy collect fetch"),  # "my wife grabbed the dry cleaning"
    "fetch": words("pick get buy collect grab"),  # "my sister is getting grandma"
    "read": words("finish"),
    "find": words("buy get order"),
    "give": words("pay return hand donate lend feed"),  # "gave the fish their flakes"
    "pay": words("collect chase invoice bill"),
    "book": words("find arrange hire get sign enrol enroll register"),
    "say": words("ask"),
    "ship": words("order send buy mail post"),
    "deliver": words("order send buy bring"),
    "move": words("transfer switch change"),  # "insurance moved over to the new car"
    "load": words("buy top pay renew"),  # "loaded the prepaid electricity"
    "ours": words("book get secure win buy rent hire reserve"),  # "the pitch is ours"
}
# Phrasal deeds said in news, read as one past verb ("the library books went back").
FALLBACK_PHRASAL = {("went", "back"): "returned", ("came", "back"): "returned",
                    ("went", "out"): "sent", ("gave", "back"): "returned",
                    ("brought", "back"): "returned", ("took", "back"): "returned",
                    ("fed", "up"): "fed-up", ("wrapped", "up"): "finished",
                    ("wrote", "back"): "replied", ("called", "back"): "called",
                    ("rang", "back"): "called", ("showed", "up"): "arrived",
                    ("turned", "up"): "arrived", ("got", "here"): "arrived",
                    ("came", "in"): "arrived", ("came", "through"): "arrived",
                    ("gone", "out"): "sent", ("got", "hold"): "called",
                    ("gone", "over"): "sent", ("sent", "over"): "sent",
                    ("went", "round"): "visited", ("popped", "round"): "visited",
                    ("sailed", "through"): "passed", ("flew", "through"): "passed"}
# Arrival ("the new charger came today", "grocery delivery just showed up"): news that what
# was ordered, or who was booked, is here; the task must be one that brings it (FALLBACK_
# DEED_VERBS["arrive"]) or name the person by their deed ("the piano tuner came by").
MENTION_ARRIVED = frozenwords("arrived came delivered landed")
# Another's deed that answers the user's own: "mom called me first", "prof said yes to the
# extension", "the bank got back to us": the call, email or request to them is done.
MENTION_ANSWERED = frozenwords("called rang phoned facetimed replied answered responded")
MENTION_ANSWERS = phrases("said yes|said no|said ok|said okay|got back|wrote back|agreed|"
                          "signed off")
# The to-do verbs an answer completes: a contact or a request.
MENTION_CONTACT_VERBS = words("call ring phone text message email reply contact ask write "
                              "follow chase remind request apply check rsvp swap invite "
                              "borrow confirm")
# Verbs that complete any task ("got my hair cut", "finished the report").
FALLBACK_GENERIC_VERBS = frozenwords(
    "done finish finished complete completed get got gotten handle handled sort sorted "
    "attend attended cross crossed tick ticked"
)

# ---------------------------------------------------------------- mentions of a task

# The mention reading (agents/nlu/fallback.mentions, agents.resolve.mention_match): a
# statement that names a task by its things ("the faucet doesn't drip anymore, fixed it",
# "tuition payment went through") rather than by its title. Nouns said for one another: an
# abbreviation, a synonym, a name for the same thing (each group: one canonical word first).
NOUN_SYNONYMS = (
    words("appointment appt appts apt"),
    words("professor prof"),
    words("doctor doc dr"),
    words("chapter ch chap"),
    words("resume cv"),
    words("form forms slip slips"),
    words("gift present pressie prezzie pressies"),
    words("babysitter sitter nanny"),
    words("documents document docs paperwork papers"),
    words("pictures picture photos photo pics pic prints photograph photographs"),
    words("taxi cab uber"),
    words("faucet faucets tap taps"),
    words("job position role vacancy"),
    words("sofa couch settee"),
    words("refrigerator fridge"),
    words("bicycle bike"),
    words("television tv telly"),
    words("medication medications medicine meds prescription prescriptions pills tablets tabs "
          "rx"),
    words("certification certificate cert certs"),
    words("company business firm"),
    words("trash garbage rubbish bins bin"),
    words("car vehicle auto"),
    words("mom mum mother mommy mam mammy mummy momma"),
    words("football footy soccer"),
    words("nappies diapers nappy diaper"),
    words("registration rego"),
    words("licence license"),
    words("trainers sneakers"),
    words("jumper sweater"),
    words("vacation holiday hols"),
    words("sweets candy"),
    words("dad father daddy"),
    words("grandma grandmother granny nana"),
    words("grandpa grandfather"),
    words("email emails e-mail"),
    words("message messages text texts msg dm"),
    words("phone cell mobile"),
    words("laptop computer pc"),
    words("apartment flat apt"),
    words("tires tyres"),
    words("lawn grass yard"),
    words("meeting mtg sync"),
    words("information info"),
    words("application app"),
    words("package parcel box"),
    words("taxes tax"),
    words("presentation slides deck"),
    words("receipt receipts"),
    words("glasses specs spectacles"),
    words("electricity electric leccy"),
    words("christmas xmas"),
    words("potatoes spuds tatties potato spud"),
    words("petrol fuel diesel"),
)
# Verbs said in a mention for a to-do's verb ("gave the dog a bath" / "wash the dog",
# "chicken's thawing" / "defrost chicken"): word → the stem the to-do says.
MENTION_VERBS = {
    **dict.fromkeys(words("bathe bath bathed shower showered groom groomed"), "wash"),
    **dict.fromkeys(words("thaw thawed thawing defrosted"), "defrost"),
    **dict.fromkeys(words("answer answered respond responded"), "reply"),
    **dict.fromkeys(words("scrub scrubbed wipe wiped scoop scooped"), "clean"),
    **dict.fromkeys(words("talk talked spoke speak chat chatted"), "call"),
    **dict.fromkeys(words("made reserved scheduled confirmed"), "book"),
    **dict.fromkeys(words("hung hang mounted"), "hang"),
    **dict.fromkeys(words("shipped posted mailed dropped"), "send"),
    **dict.fromkeys(words("repaired mended patched"), "fix"),
    "back": "return",  # "gave the drill back to steve" / "return drill to neighbor"
    **dict.fromkeys(words("money cash"), "pay"),  # "sent ade his money" / "pay ade back"
    "refund": "return",  # "the shop gave me a refund for the kettle"
    "wired": "pay",  # "wired the deposit to the landlord"
    "stocked": "buy",  # "nappies stocked up"
    **dict.fromkeys(words("venmo venmoed venmo'd zelle zelled paypal paypaled settle settled"),
                    "pay"),  # "settled up with the window cleaner"
}
# Cancelling words: the thing named (or the one just mentioned: "so scratch that") goes.
MENTION_CANCEL = frozenwords(
    "scratch cancel cancelled canceled nix ditch remove delete nevermind nvm skip skipping moot "
    "forget "
    "archive")
MENTION_CANCEL_PHRASES = phrases(
    "never mind|no need|no need to|don't need|dont need|do not need|no longer need|"
    "not gonna bother|not going to bother|won't bother|wont bother|not bothering|not need|"
    "not needing|didn't need|did not need|don't worry about|dont worry about|not worth|"
    "isn't worth|no point|dropping it|drop it|dropping that|drop that|"
    "decided against|changed my mind about|decided not to|decided to keep|not getting|"
    "doesn't matter|doesnt matter|does not matter|is off the table|are off the table|"
    "no more about|"
    "not gonna get|not going to get|no longer getting|not buying|"
    "don't have to|dont have to|do not have to|no longer have to|"
    "forget about|don't bother|dont bother|not doing|not going to do|won't need|wont need|"
    "doesn't need|doesnt need|not needed|no longer needed|isn't needed|isnt needed|"
    "aren't needed|arent needed|not necessary|isn't necessary|isnt necessary|"
    # "dave's grabbing jake from footy so i'm off the hook": someone else has it
    "i'm off the hook|im off the hook|i am off the hook|off the hook|we're off the hook|"
    # "the visit to auntie isn't happening", "not gonna sign up for the 10k after all"
    "isn't happening|isnt happening|not happening anymore|won't be happening"
)
# Said before news, never part of it ("just wanted to say the tax forms are filed").
MENTION_LEAD_INS = phrases(
    "just wanted to say|wanted to say|just wanted to let you know|wanted to let you know|"
    "just letting you know|letting you know|just so you know|fyi|quick update|update|"
    "happy to report|glad to report|pleased to report|"
    "good news|heads up|just a heads up|btw|by the way|oh and|also"
)
# Ticking words: "cross that email off", "check off the gym", "you can tick it off".
MENTION_TICK = frozenwords("cross crossed check checked tick ticked mark marked")
# Words before the deed that change nothing ("ugh finally", "ok so", "good news").
MENTION_LEAD = FALLBACK_LEAD | frozenwords(
    "ugh lol haha yay phew whew btw fyi update news good great welp alright right hey and "
    "wow woo woohoo omg guess what even"
)
# -ed words that say how someone feels or what something is like, not that it was done.
MENTION_NOT_DEEDS = FALLBACK_BAD_STATES | frozenwords(
    "complicated overwhelmed exhausted annoyed frustrated surprised disappointed embarrassed "
    "impressed relieved pleased amazed obsessed bothered concerned delighted thrilled "
    "wondered showed happened started began seemed felt fed-up broke lost forgot "
    "fell stuck tore froze stole sank shook woke slept torn stolen "
    "wanted needed tried hoped expected decided considered thought known knew liked loved "
    "hated meant wished believed "
    "promoted engaged fired pregnant elected graduated retired "  # someone's life news
    "spilled spilt burnt smashed cracked ripped dented"  # accidents
)
# -ing words after someone else that say nothing of the user's task ("my sister's moving").
MENTION_NOT_DOING = frozenwords(
    "going coming moving staying visiting leaving working sleeping feeling being "
    "having doing trying thinking looking waiting asking wondering complaining talking "
    "saying playing watching joking kidding judging laughing moaning whinging staring crying "
    "screaming shouting nagging freaking panicking")
# Past forms a mention reads beside PAST_TO_BASE ("the passport came in the mail").
MENTION_PAST = frozenset(MORE_PAST)
# Other people by their role: their deeds are news about the user's task only when it is
# the user's thing they did it to ("the plumber fixed the sink", not "…fixed his sink").
MENTION_ROLES = frozenwords(
    "coworker coworkers colleague colleagues landlord landlady roommate manager teacher coach "
    "plumber repairman electrician mechanic contractor nanny babysitter cleaner gardener "
    "prof professor tutor accountant lawyer engineer technician tech handyman installer "
    "builder builders crew team staff courier supervisor boss neighbour neighbor"
)
# Mentions that end a problem: "the faucet's not dripping anymore", "works now".
MENTION_FIXED = phrases(
    "looks great now|looks good now|looks better now|looks much better|looks amazing now|"
    "looks brand new|"
    "works now|working now|works again|working again|works fine|works great|up and running|"
    "good as new|no longer|anymore|any more|works|working fine|runs fine|runs again|"
    "closes fine|opens fine|closes properly|opens properly|drains fine|flushes fine|"
    "shuts properly|shuts fine|locks properly|"
    "starts fine|starts again"
)
# Words that make the whole message too unsure to act on, wherever they stand.
MENTION_DENY = frozenwords(
    "except unless until yet still almost nearly partly "
    "partially half kinda sorta hopefully maybe probably if whether "
    # part way only; someone ill: news, never a task done
    "halfway midway partway temperature poorly vomiting"
)
