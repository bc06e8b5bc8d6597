"""Ctrl-C for the Python suites: run a script in a child process and send it SIGINT while it works."""

import signal
import subprocess
import sys
import time


def interrupt(script, wait_for="started", delay=1.0):
    """Runs script in a child, sends SIGINT `delay` s after it prints `wait_for`; returns (stdout, stderr,
    seconds from the signal to the KeyboardInterrupt the child caught, exit code).

    The child reports the catch by printing "interrupted <time.monotonic()>"."""
    # SIGINT raises KeyboardInterrupt in the child even when this run ignores it (a background job does)
    script = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n" + script
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    assert line.strip() == wait_for, child.stderr.read()
    time.sleep(delay)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    # How long the cancel took: from the signal to the KeyboardInterrupt caught in the child (CLOCK_MONOTONIC
    # is the same clock in both processes); the child's exit is not part of it.
    caught = [float(line.split()[1]) for line in out.splitlines() if line.startswith("interrupted ")]
    assert caught, (out, err)
    return out, err, caught[0] - sent, child.returncode
