"""Flask blueprints: parse the request, call a service, render or redirect."""
