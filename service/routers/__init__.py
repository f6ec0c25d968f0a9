"""One APIRouter per resource: judgements, inspection spreadsheets, the decision log, the rules
(standards, criteria, the list, the questionnaire, the facts), the diff, operations (health,
reload) and the impact of a change."""
