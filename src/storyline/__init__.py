"""storyline: from a pile of news articles to a dossier an analyst can trust."""

__version__ = "0.1.0"
