"""Operating a running stack: the stream Lambda's logs."""
