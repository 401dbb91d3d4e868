"""Runs a command on a pseudo-terminal and, once it has asked its question (printed `[y/N]`), presses KEYS:
what a person does at the prompt. `script` (test/support/cli.ts) types its answer ahead, before the question,
where a Ctrl-C would reach the command as a signal rather than as a key at the question.

Usage: python3 keys-at-question.py KEYS COMMAND [ARG...]   (KEYS: e.g. '\\x03' for Ctrl-C, read as escapes)
Prints everything the terminal showed, then `exit <code>` on a line of its own.
"""
import os
import pty
import select
import sys
import time

keys = sys.argv[1].encode().decode("unicode_escape").encode("latin-1")
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
shown = b""
pressed = False
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if not ready:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:  # the command ended: the terminal is closed
        break
    if not data:
        break
    shown += data
    if not pressed and b"[y/N]" in shown:
        time.sleep(0.2)  # as a person reads before pressing
        os.write(fd, keys)
        pressed = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode("utf-8", errors="replace").replace("\r", ""))
sys.stdout.write(f"\nexit {os.waitstatus_to_exitcode(status)}\n")
