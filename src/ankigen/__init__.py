"""ankigen: compile Markdown and YAML flashcards with LaTeX math into Anki decks."""

__version__ = "0.1.0"
