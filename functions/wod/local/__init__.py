"""The local stack for `make demo` and the tests: moto as AWS, a gateway that turns HTTP into
API Gateway events for the real handlers, an inbox for the mail, and a scheduler runner."""
