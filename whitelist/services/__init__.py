"""Writes of whitelists: creating, importing (in the background), publishing, archiving, pushing
entries to banks."""
