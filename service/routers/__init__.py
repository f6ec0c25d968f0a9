"""One APIRouter per resource: judgements, the rules (standards, criteria, the list, the
questionnaire, the facts), operations (health, reload), the decision log, the diff and the impact
of a change."""
