"""wirewatch's processing: pure functions and small classes from an article to its findings.

Nothing here imports Faust or aiokafka; every stage takes plain inputs and returns models.
"""
