"""Statements: the stage, its cue lexicon and quotation finder."""
