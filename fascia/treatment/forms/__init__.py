"""Forms of the treatment pages: validation only; the rules are in the modules they serve."""
