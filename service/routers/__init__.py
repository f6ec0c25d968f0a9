"""One APIRouter per resource; create_app includes each with one line."""
