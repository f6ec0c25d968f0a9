"""The service's routes, one APIRouter per resource."""
