"""Orders (C6, C7): submission with an idempotency key, frozen prices, the state machine."""
