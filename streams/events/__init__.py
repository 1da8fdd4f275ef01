"""Events in one article: PLOVER-typed who-did-what-to-whom, with place, date, status and negation."""
