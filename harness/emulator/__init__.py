"""The local AWS emulator: moto's server plus the extensions that close its gaps.

`server` runs moto in this process with our extensions installed;
`process` starts and stops that server in the background for the tasks.
"""
