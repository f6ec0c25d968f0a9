"""Rule engine for the education sector's list of major accident hazard criteria.

load(rules_dir) -> Bundle (or RuleError listing every problem); Engine(bundle).judge(facts, as_of).
"""

from .bundle import Bundle
from .engine import ENGINE_VERSION, Engine
from .errors import EngineFault, FactError, RuleError
from .judgement import Judgement
from .loader import lint, load

__all__ = ["Bundle", "ENGINE_VERSION", "Engine", "EngineFault", "FactError", "Judgement", "RuleError", "lint", "load"]
