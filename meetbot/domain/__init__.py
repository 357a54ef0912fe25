"""Pure domain logic: no Flask, no SQLAlchemy, no models."""
