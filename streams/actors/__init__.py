"""Actors: the NER stage, the actors stage, the knowledge base and roles."""
