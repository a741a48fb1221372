"""Forms of the clinical record's pages: validation only."""
