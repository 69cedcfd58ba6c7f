"""Natural-language understanding: one chat message → an `Understanding`.

Layout (docs/NLU.md): `normalize` (cleaning, politeness, spoken numbers and times),
`lexicon` (every word list), `templates` (frame templates → linear regexes), `frames` (the
carrier phrases, as data), `dates` and `entities` (date/time/recurrence, priority, tags,
list names), `refs` (references to tasks), one module per intent family (`adding`,
`status`, `updating`, `listing`, `small`), and `understander` (the rule order, confidence,
caps and the pending question). `understand` is the default `agents.types.Understander`.
"""

from agents.nlu.adding import MAX_DRAFTS
from agents.nlu.refs import MAX_REFS
from agents.nlu.understander import CONFIDENCE_THRESHOLD, RULES, understand

__all__ = ["CONFIDENCE_THRESHOLD", "MAX_DRAFTS", "MAX_REFS", "RULES", "understand"]
