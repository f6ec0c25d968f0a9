"""Conditions over facts, by job: the tree and its three-valued logic (`tree`), rewriting
(`rewriting`), the plain-Python evaluation that is the oracle (`evaluation`), explanations
(`explanation`), the parser of rule files (`parser`) and the Chinese wording (`wording`).

The names other modules use are imported here, so `from engine.conditions import …` names
what a condition is and does without knowing which module holds it.
"""

from .evaluation import COMPARISONS, evaluate, leaf_value, ratio_of
from .explanation import facts_behind, missing_behind
from .parser import (MAX_IN_VALUES, MAX_LEAVES, OPERATORS, ORDER_OPERATORS, ConditionParser, Problem, _suggest,
                     _suggest_en, constant_value)
from .rewriting import NEGATED, expand, negate
from .tree import All, AnyOf, Compare, Kleene, Node, Ref, Values, asked_first, facts_of, k_and, k_or, leaf_count
from .wording import OP_WORDS, describe, display_value

__all__ = ["COMPARISONS", "All", "AnyOf", "Compare", "ConditionParser", "Kleene", "MAX_IN_VALUES", "MAX_LEAVES", "NEGATED",
           "OPERATORS", "OP_WORDS", "ORDER_OPERATORS", "Node", "Problem", "Ref", "Values", "_suggest", "_suggest_en",
           "asked_first", "constant_value", "describe", "display_value", "evaluate", "expand", "facts_behind", "facts_of",
           "k_and", "k_or", "leaf_count", "leaf_value", "missing_behind", "negate", "ratio_of"]
