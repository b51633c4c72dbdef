"""Admin back-office."""
