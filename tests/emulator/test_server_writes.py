"""Each emulator response leaves in one socket write, head and body together.

Why it matters: with the head and the body in separate writes, the Terraform
provider's Go client sometimes dropped the connection between them and sent
the call again; a retried DeleteTable or conditional PutItem then failed. The
server runs in a child process that records every write to its sockets, so
the test sees what went on the wire without patching this test process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from harness import REPO_ROOT

RECORDING_SERVER = textwrap.dedent(
    """
    import http.client, json, socket
    from harness.emulator.server import EmulatorServer

    writes = []
    original_write = socket.SocketIO.write
    original_sendall = socket.socket.sendall

    def recorded_write(self, data):
        writes.append(bytes(data))
        return original_write(self, data)

    def recorded_sendall(self, data, *args):
        writes.append(bytes(data))
        return original_sendall(self, data, *args)

    socket.SocketIO.write = recorded_write
    socket.socket.sendall = recorded_sendall

    server = EmulatorServer(port=0)
    server.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.emulator.port, timeout=30)
    connection.request(
        "POST", "/", body=b"{}",
        headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261125/us-east-1/"
            "dynamodb/aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    body = connection.getresponse().read()
    server.stop()
    # The client's own request write is recorded too; keep the server's.
    responses = [w.decode("latin-1") for w in writes if w.startswith(b"HTTP/1.1")]
    print(json.dumps({"body": body.decode(), "responses": responses}))
    """
)


def test_a_response_is_written_in_one_piece():
    run = subprocess.run(
        [sys.executable, "-c", RECORDING_SERVER],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    assert len(seen["responses"]) == 1, seen
    response = seen["responses"][0]
    assert response.endswith(seen["body"]), (
        "the head went out without the body; see _RequestHandler in harness/emulator/server.py"
    )
    assert '"TableNames"' in seen["body"]
