"""HTTP only: request types, handlers and the dependencies they share. No SQL, no rules."""
