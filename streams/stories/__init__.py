"""Stories over time: near-duplicate articles, tracked stories and the event updates each article makes."""
