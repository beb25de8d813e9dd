"""AWS Lambda functions of the product. ``lambdas.api`` is the prediction API."""
