"""Local development without Docker: an embedded DynamoDB, a gateway that behaves like API Gateway, tokens."""
