"""Model acquisition, the prefix modules and parameter accounting."""
