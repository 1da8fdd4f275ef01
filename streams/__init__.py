"""wirewatch's processing: pure functions and small classes from an article to its findings.

Nothing here imports Faust or aiokafka; every stage takes plain inputs and returns models. The frame
(this folder's modules) is what every stage uses; each finding has a wing (a sub-package) of its
own. ``streams/README.md`` says which wing owns what and where a new stage goes.
"""
