#!/usr/bin/env python3
"""Runs the guide's exercises and checks each stated outcome (.ci/exercises.sh).

An exercise is a ```console block in book/src/*.md holding `# exit:` lines:

    ```console
    $ cargo run --release -q -- demo --keys 3
    # exit: 0
    # contains: shared with its parent
    ```

- `$ COMMAND` starts a command, run by bash from the repository root;
- `# exit: N` (or `# exit: nonzero`) is the exit status it must have;
- `# contains: TEXT` (any number) is text its output (stdout and stderr) must contain;
- `# heavy: WHY` anywhere in the block makes it run only with `--all`.

Usage: exercises.py [--all] [CHAPTER...]: CHAPTER (a part of a file name, such as
05-reclamation) limits the run to those chapters. Prints one line per command
(chapter, command, result, seconds) and exits 1 if any outcome differs from the one
the guide states, 2 if a block breaks the format.
"""
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)


def exercises(path):
    """Yields (heavy, [(command, exit, [contains])]) for each exercise block of path."""
    for block in BLOCK.finditer(path.read_text()):
        lines = block.group(1).splitlines()
        if not any(line.startswith("# exit:") for line in lines):
            continue
        heavy = any(line.startswith("# heavy:") for line in lines)
        commands = []
        for line in lines:
            if line.startswith("$ "):
                commands.append([line[2:], None, []])
            elif line.startswith("# exit:"):
                if not commands:
                    raise SyntaxError(f"{path}: `# exit:` before any `$` command")
                want = line.split(":", 1)[1].strip()
                if want != "nonzero" and not want.isdigit():
                    raise SyntaxError(f"{path}: exit must be a number or nonzero: {line}")
                commands[-1][1] = want
            elif line.startswith("# contains:"):
                if not commands:
                    raise SyntaxError(f"{path}: `# contains:` before any `$` command")
                commands[-1][2].append(line.split(":", 1)[1].strip())
        for command, want, _ in commands:
            if want is None:
                raise SyntaxError(f"{path}: no `# exit:` stated for `{command}`")
        yield heavy, commands


def main():
    run_heavy = "--all" in sys.argv[1:]
    chapters = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    failed = 0
    ran = skipped = 0
    for path in sorted((ROOT / "book" / "src").glob("*.md")):
        if chapters and not any(chapter in path.name for chapter in chapters):
            continue
        try:
            blocks = list(exercises(path))
        except SyntaxError as error:
            print(f"format error: {error}")
            return 2
        for heavy, commands in blocks:
            for command, want, contains in commands:
                if heavy and not run_heavy:
                    skipped += 1
                    continue
                ran += 1
                start = time.monotonic()
                done = subprocess.run(
                    ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True,
                    timeout=3600 if heavy else 600)
                took = time.monotonic() - start
                output = done.stdout + done.stderr
                problems = []
                if want == "nonzero" and done.returncode == 0:
                    problems.append("exit 0, the guide says nonzero")
                elif want != "nonzero" and done.returncode != int(want):
                    problems.append(f"exit {done.returncode}, the guide says {want}")
                problems += [f"output lacks {text!r}" for text in contains if text not in output]
                verdict = "ok" if not problems else "FAILED: " + "; ".join(problems)
                print(f"{path.name}: `{command}` -> exit {done.returncode}: {verdict} "
                      f"({took:.1f} s{', heavy' if heavy else ''})", flush=True)
                if problems:
                    failed += 1
                    tail = "\n".join(output.splitlines()[-25:])
                    print(f"--- last lines of its output ---\n{tail}\n---", flush=True)
    print(f"{ran} exercise commands run, {failed} failed, {skipped} heavy ones skipped"
          f"{'' if run_heavy else ' (run them with --all)'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
