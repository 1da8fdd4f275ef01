"""Stance: the stage, stance parties, the pair classifier and the cue lexicon."""
