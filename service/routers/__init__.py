"""One APIRouter per resource: judgements, the rules (standards, criteria, the list, the
questionnaire, the facts), operations (health, reload) and the decision log."""
