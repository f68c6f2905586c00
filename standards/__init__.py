"""Standards as code: versioned rule files and the pure rule engine that applies them."""
