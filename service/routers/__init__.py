"""The service's routes, an APIRouter per resource."""
