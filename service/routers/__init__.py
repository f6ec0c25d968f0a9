"""One APIRouter per resource, each included in create_app with one line."""
