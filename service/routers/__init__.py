"""One APIRouter per resource: judgements, the rules (standards, criteria, the list, the
questionnaire, the facts), and operations (health, reload)."""
