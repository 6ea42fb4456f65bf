"""The Course Section resource's shared code (SharedCodeLayer): every module, by layer.

Each function's handler (functions/*/app.py) holds only its routes and calls into these.

HTTP edge (an API Gateway event in, a response out)
    http_api          the resolver, both URL forms, unrouted requests, path ids, errors rendered once
    routes            the resource's paths and the methods each answers, across all functions
    request_body      an HTTP body (JSON or form) into its request model, or a 400/413/415 problem
    idempotency_key   the Idempotency-Key header
    cors              CORS as the API configures it; the preflight function's answer
    resolver          Powertools' HTTP API resolver, without its eager imports

Domain (no I/O)
    section           the Section as the API returns it, and course_order, the published ordering rule
    request_models    request bodies: a whole section (create, replace), a patch, a reorder
    integer_text      integers sent as JSON strings
    authorization     who may work on a course: the caller, its roles, CourseAccess
    problems          the RFC 9457 problems every refusal and failure is

Data (DynamoDB)
    repository        the operations, and how a section maps to its item (docs/data-model.md)
    contention        what each DynamoDB answer means and how a call is retried (RetryBudget, Table)
    idempotency       Idempotency-Key records on Powertools' idempotency utility

Runtime (one execution environment)
    lifecycle         the init phase: imports, then clients
    wiring            builds a function's collaborators once
    settings          the environment, read once, typed
    observability     Logger, Metrics, Tracer
    deferred_imports  a package's names imported one at a time

`sam local start-api` only
    sam_local_auth    the JWT check SAM CLI does not make
    token_verification  JWT checks as API Gateway's authorizer makes them (also the local gateway's)
"""
