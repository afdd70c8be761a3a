"""The local AWS emulator: moto's server plus the extensions that close its gaps.

`server` runs moto in this process with our extensions installed;
`process` starts and stops that server in the background for the tasks.
"""

# The emulator's own HTTP paths, here rather than in `server` so that finding a running
# emulator (`process`, every `invoke` task) does not import moto's server (~1 s of CPU).
STATUS_PATH = "/_emulator/status"
CLOCK_PATH = "/_emulator/clock"
