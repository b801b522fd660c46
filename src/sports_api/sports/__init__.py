"""The sports domain: catalogue, teams, the normaliser and its time and status rules."""
