"""Platform-side decision makers: rankers (re-ranking levers) and suggestion policies."""
