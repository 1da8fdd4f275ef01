"""Topics: the topic lexicon and its stage."""
