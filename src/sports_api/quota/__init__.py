"""Spending SerpAPI searches: the hourly budget and the cool-down after a rate limit."""
